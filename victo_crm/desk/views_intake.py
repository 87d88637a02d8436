"""Filing a request on behalf of a citizen who phoned or came to the counter."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from victo_crm.accounts.models import User
from victo_crm.core.errors import form_add_errors
from victo_crm.places.models import Address
from victo_crm.places.selectors import address_search
from victo_crm.service_requests.models import Channel, FieldDatatype, RequestType, RequestTypeField
from victo_crm.service_requests.services import (
    Contact,
    service_request_refusals,
    service_request_submit,
)

from . import selectors
from .access import desk_view
from .forms import CitizenSearchForm, OnBehalfForm
from .models import AccessWhat
from .services import access_log_citizen_search, access_log_record
from .views import _user

INPUT_TYPES: dict[str, str] = {
    FieldDatatype.NUMBER: "number",
    FieldDatatype.DATE: "date",
    FieldDatatype.DATETIME: "datetime-local",
}


def _type_fields(request_type: RequestType | None, data: Any) -> list[dict[str, Any]]:
    """The custom fields of the chosen type, with what the agent typed."""
    if request_type is None:
        return []
    rows = []
    field: RequestTypeField
    for field in request_type.fields.all():
        name = f"champ_{field.code}"
        if field.datatype == FieldDatatype.MULTI:
            value: Any = data.getlist(name) if hasattr(data, "getlist") else []
        else:
            value = data.get(name, "") if data else ""
        rows.append(
            {
                "field": field,
                "name": name,
                "value": value,
                "input_type": INPUT_TYPES.get(field.datatype, "text"),
                "choices": field.parsed_choices() if field.is_list else [],
            }
        )
    return rows


# The service's names of what it refuses, as the on-behalf form names its inputs.
ON_BEHALF_FIELDS: dict[str, str | None] = {
    "location": "address_query",
    "address": "address_query",
    "contact": "contact_name",
}


@desk_view
def on_behalf(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    search = CitizenSearchForm(request.GET or None)
    found: list[User] = []
    if search.is_valid() and search.cleaned_data["citoyen"]:
        found = selectors.citizen_search(search.cleaned_data["citoyen"])
        access_log_citizen_search(
            user=user, query=search.cleaned_data["citoyen"], citizen_ids=[c.pk for c in found]
        )
    data = request.POST if request.method == "POST" else None
    posted: dict[str, str] = {k: str(v) for k, v in (data or {}).items()}
    initial: dict[str, Any] = {}
    chosen_id = request.GET.get("choisi", "")
    if chosen_id.isdigit():
        initial["citizen"] = int(chosen_id)
    if request.GET.get("type", "").isdigit():
        initial["request_type"] = int(request.GET["type"])
    form = OnBehalfForm(data, initial=initial)
    citizen_id = str(posted.get("citizen") or initial.get("citizen") or "")
    citizen = selectors.citizen_search_by_id(int(citizen_id)) if citizen_id.isdigit() else None
    if citizen is not None and request.method == "GET":
        # The page shows the chosen citizen's e-mail, phone and address: a read like any other.
        access_log_record(user=user, what=AccessWhat.CITIZEN_SEARCH, citizen_id=citizen.pk)
    type_id = str(posted.get("request_type") or initial.get("request_type") or "")
    request_type = (
        RequestType.objects.filter(pk=int(type_id), is_active=True).first()
        if type_id.isdigit()
        else None
    )
    type_fields = _type_fields(request_type, data)
    status = 200
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        values = {
            row["field"].code: row["value"] for row in type_fields if row["value"] not in ("", [])
        }
        contact = None
        if citizen is None:
            contact = Contact(
                name=cleaned["contact_name"],
                email=cleaned["contact_email"],
                phone=cleaned["contact_phone"],
            )
        address = cleaned.get("address")
        try:
            created = service_request_submit(
                request_type=cleaned["request_type"],
                citizen=citizen,
                contact=contact,
                description=cleaned["description"],
                field_values=values,
                address=int(address) if address else None,
                location_text=cleaned["location_text"],
                channel=cleaned["channel"],
                actor=user,
                priority=cleaned.get("priority"),
                language=citizen.preferred_language if citizen else "fr",
            )
        except ValidationError as error:
            refusals = error.message_dict if hasattr(error, "error_dict") else {}
            for row in type_fields:  # each type's field shows its own messages, linked
                row["errors"] = refusals.get(f"field_values.{row['field'].code}")
            form_add_errors(form, _without_type_fields(error), ON_BEHALF_FIELDS)
            status = 400
        else:
            messages.success(
                request,
                _created_message(created.reference, getattr(created, "tracking_token", "")),
            )
            return redirect("desk:request", reference=created.reference)
    elif data is not None:
        # The form's own refusals and the service's at once (the type's fields, a guest's
        # contact, the place), not one round at a time.
        if request_type is not None:
            address_value = posted.get("address", "")
            refusals = service_request_refusals(
                request_type=request_type,
                citizen=citizen,
                contact=None
                if citizen is not None
                else Contact(
                    name=posted.get("contact_name", ""),
                    email=posted.get("contact_email", ""),
                    phone=posted.get("contact_phone", ""),
                ),
                description=posted.get("description", ""),
                field_values={
                    row["field"].code: row["value"]
                    for row in type_fields
                    if row["value"] not in ("", [])
                },
                address=int(address_value) if address_value.isdigit() else None,
                location_text=posted.get("location_text", ""),
                channel=Channel.PHONE,  # the form says what is wrong with the channel
            )
            for row in type_fields:
                row["errors"] = refusals.get(f"field_values.{row['field'].code}")
            # What the form has not said already, each by its field.
            said = set(form.errors)
            others = {
                name: messages
                for name, messages in refusals.items()
                if not name.startswith("field_values.")
                and ON_BEHALF_FIELDS.get(name, name) not in said
                and not (name == "contact" and said & {"contact_name", "contact_email"})
            }
            if others:
                form_add_errors(form, ValidationError(others), ON_BEHALF_FIELDS)
        status = 400
    chosen_address = None
    address_value = posted.get("address", "")
    if address_value.isdigit():
        chosen_address = Address.objects.filter(pk=int(address_value)).first()
    return render(
        request,
        "desk/on_behalf.html",
        {
            "search": search,
            "found": found,
            "form": form,
            "citizen": citizen,
            "request_type": request_type,
            "type_fields": type_fields,
            # The summary links each to its input, or to the fieldset of a list of choices.
            "type_field_errors": [
                (row["name"] + ("_fieldset" if row["field"].is_list else ""), message)
                for row in type_fields
                for message in row.get("errors") or ()
            ],
            "chosen_address": chosen_address,
            "address_results": [chosen_address] if chosen_address else [],
        },
        status=status,
    )


def _without_type_fields(error: ValidationError) -> ValidationError:
    """The refusal less the type's fields, which the page shows beside their own inputs."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            name: messages
            for name, messages in error.error_dict.items()
            if not name.startswith("field_values.")
        }
    )


def _created_message(reference: str, token: str) -> str:
    from django.utils.translation import gettext as _

    if token:
        return _(
            "Requête %(reference)s créée pour un demandeur sans compte : donnez-lui sa "
            "référence; le courriel de confirmation lui permet de la suivre."
        ) % {"reference": reference}
    return _("Requête %(reference)s créée au nom du citoyen.") % {"reference": reference}


@desk_view
@require_GET
def addresses(request: HttpRequest) -> HttpResponse:
    """Address choices for the on-behalf form (htmx)."""
    query = request.GET.get("address_query", "")
    results = list(address_search(query, limit=8)) if len(query.strip()) >= 3 else []
    return render(
        request, "desk/includes/address_results.html", {"results": results, "query": query}
    )
