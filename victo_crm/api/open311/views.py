"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) with the
``servicerequestupdates`` extension.

Every endpoint answers in XML or JSON after the suffix of its path. Errors follow the
specification: 404 for an unknown service, request or token; 403 for a missing or wrong
``api_key`` on POST; 400 for anything else, always as the error array. An empty parameter
counts as absent. Nothing personal is ever read out (names, e-mail, phone, device or account
identifiers): requests are described by their type, place, status and dates, and only those
of types an administrator published (``service_requests.selectors.public_requests``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from victo_crm.core.boundary import clean_querydict
from victo_crm.places.models import Address
from victo_crm.places.selectors import address_resolve
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.models import (
    Channel,
    EventKind,
    FieldDatatype,
    RequestEvent,
    RequestType,
    RequestTypeField,
)
from victo_crm.service_requests.selectors import PublicRequestView, public_photo_or_404
from victo_crm.service_requests.services import Contact, service_request_submit

from ..services import api_key_authenticate
from . import selectors
from .cache import public_answer
from .formats import render, render_errors, w3c

DEFAULT_WINDOW = timedelta(days=90)
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00-05:00"


class Open311Error(Exception):
    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(messages)
        self.status = status
        self.messages = [str(m) for m in messages]


def _param(data: QueryDict, name: str) -> str | None:
    """A parameter's value, with an empty value treated as absent."""
    value = data.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _list_param(data: QueryDict, name: str) -> list[str]:
    value = _param(data, name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else []


def _datetime_param(data: QueryDict, name: str) -> dt.datetime | None:
    raw = _param(data, name)
    if raw is None:
        return None
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        day = None
        try:
            day = parse_date(raw)
        except ValueError:
            day = None
        if day is None:
            raise Open311Error(
                400,
                _("« %(name)s » n’est pas une date W3C (par exemple 2026-04-14T06:37:38-04:00).")
                % {"name": name},
            )
        parsed = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int_param(data: QueryDict, name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = _param(data, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise Open311Error(
            400,
            _("« %(name)s » doit être un entier de %(min)d à %(max)d.")
            % {"name": name, "min": minimum, "max": maximum},
        )
    return value


def _window(data: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    """The date window: the last 90 days by default; a lone bound opens 90 days from it."""
    start = _datetime_param(data, "start_date")
    end = _datetime_param(data, "end_date")
    if start is None and end is None:
        end = timezone.now()
        start = end - DEFAULT_WINDOW
    elif start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, _("start_date doit précéder end_date."))
    return start, end


def _paging(data: QueryDict) -> tuple[int, int]:
    page = _int_param(data, "page", default=1, minimum=1, maximum=1_000_000)
    size = _int_param(
        data,
        "page_size",
        default=selectors.MAX_RESULTS,
        minimum=1,
        maximum=selectors.MAX_RESULTS,
    )
    return (page - 1) * size, size


def endpoint(
    methods: tuple[str, ...],
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Wrap a view: check the method, turn Open311Error into the specification's errors."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @csrf_exempt
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponseBase:
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                response = render_errors(
                    [_("Méthode %(method)s non permise ici.") % {"method": request.method}],
                    fmt=fmt,
                    status=400,
                )
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return render_errors(error.messages, fmt=fmt, status=error.status)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


# --- Discovery and services ----------------------------------------------------------------


@endpoint(("GET",))
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    document = {
        "changeset": CHANGESET,
        "contact": getattr(
            settings, "VICTO_OPEN311_CONTACT", _("Ville de Victoriaville — service aux citoyens")
        ),
        "key_service": getattr(
            settings,
            "VICTO_OPEN311_KEY_SERVICE",
            _("Demandez une clé au service des technologies de l’information de la Ville."),
        ),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(document, fmt=fmt, root="discovery")


def _service(rtype: RequestType) -> dict[str, Any]:
    return {
        "service_code": rtype.code,
        "service_name": rtype.name,
        "description": rtype.description,
        "metadata": bool(rtype.fields.all()),
        "type": "realtime",
        "keywords": rtype.keywords,
        "group": rtype.group.name,
    }


def _datatype(field: RequestTypeField) -> str:
    # Open311 has no date-only datatype: a date is a datetime whose time is ignored.
    if field.datatype == FieldDatatype.DATE:
        return "datetime"
    return str(field.datatype)


def _attribute(field: RequestTypeField, order: int) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "variable": True,
        "code": field.code,
        "datatype": _datatype(field),
        "required": field.required,
        "datatype_description": field.help or None,
        "order": order,
        "description": field.label,
    }
    if field.is_list:
        language = "en" if (request_language() == "en") else "fr"
        attribute["values"] = [
            {"key": code, "name": label_en if language == "en" else label_fr}
            for code, label_fr, label_en in field.parsed_choices()
        ]
    return attribute


def request_language() -> str:
    from django.utils import translation

    return (translation.get_language() or "fr")[:2]


@endpoint(("GET",))
@public_answer(rows=False)
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return render(
        [_service(rtype) for rtype in selectors.open311_services()], fmt=fmt, root="services"
    )


@endpoint(("GET",))
@public_answer(rows=False)
def service_definition(request: HttpRequest, *, fmt: str, code: str) -> HttpResponse:
    rtype = selectors.open311_service(code)
    if rtype is None:
        raise Open311Error(404, _("Service inconnu : %(code)s.") % {"code": code})
    # Order is positive and unique, whatever the stored orders are.
    fields = sorted(rtype.fields.all(), key=lambda field: (field.order, field.pk))
    document = {
        "service_code": rtype.code,
        "attributes": [_attribute(field, index) for index, field in enumerate(fields, start=1)],
    }
    return render(document, fmt=fmt, root="service_definition")


# --- Requests ----------------------------------------------------------------------------------


def _public_request(
    request: HttpRequest, public: PublicRequestView, labels: dict[Any, str] | None = None
) -> dict[str, Any]:
    """One request as Open311 shows it: its public view (``service_requests.selectors``),
    never the citizen's words. ``labels`` memoises names in the current language across the
    rows of one answer (up to a thousand rows share a few dozen names)."""
    labels = {} if labels is None else labels

    def label(obj: Any, attribute: str) -> str:
        key = (type(obj), obj.pk, attribute)
        if key not in labels:
            labels[key] = getattr(obj, attribute)
        return labels[key]

    media_url = (
        request.build_absolute_uri(
            reverse("api:open311:media", args=[str(public.public_id), public.photo])
        )
        if public.photo
        else None
    )
    return {
        "service_request_id": public.reference,
        "status": public.state.open311_status,
        "status_notes": label(public.state, "citizen_label"),
        "service_name": label(public.request_type, "name"),
        "service_code": public.request_type.code,
        "description": public.description,
        "agency_responsible": label(public.team, "name"),
        "service_notice": None,
        "requested_datetime": w3c(public.created_at),
        "updated_datetime": w3c(public.updated_at),
        "expected_datetime": w3c(public.due_at),
        "address": public.address or None,
        "address_id": public.address_id,
        "zipcode": public.postal_code,
        "lat": public.latitude,
        "long": public.longitude,
        "media_url": media_url,
    }


@csrf_exempt
def requests_collection(request: HttpRequest, *, fmt: str) -> HttpResponseBase:
    if request.method == "POST":
        return create_request(request, fmt=fmt)
    return list_requests(request, fmt=fmt)


@endpoint(("GET",))
@public_answer()
def list_requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    data = request.GET
    offset, limit = _paging(data)
    references = _list_param(data, "service_request_id")
    statuses = [status.lower() for status in _list_param(data, "status")]
    unknown = [status for status in statuses if status not in ("open", "closed")]
    if unknown:
        raise Open311Error(
            400, _("Statut inconnu : %(status)s (open ou closed).") % {"status": unknown[0]}
        )
    start = end = None
    if not references:
        start, end = _window(data)
    found = selectors.open311_requests(
        references=references,
        service_codes=_list_param(data, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
        offset=offset,
        limit=limit,
    )
    labels: dict[Any, str] = {}
    return render(
        [_public_request(request, sr, labels) for sr in found], fmt=fmt, root="service_requests"
    )


@endpoint(("GET",))
@public_answer()
def request_detail(request: HttpRequest, *, fmt: str, reference: str) -> HttpResponse:
    sr = selectors.open311_request(reference)
    if sr is None:
        raise Open311Error(404, _("Requête inconnue : %(id)s.") % {"id": reference})
    return render([_public_request(request, sr)], fmt=fmt, root="service_requests")


@endpoint(("GET",))
def token_detail(request: HttpRequest, *, fmt: str, token: str) -> HttpResponse:
    reference = selectors.open311_reference_for_token(token)
    if reference is None:
        raise Open311Error(404, _("Jeton inconnu."))
    return render(
        [{"service_request_id": reference, "token": token}], fmt=fmt, root="service_requests"
    )


def media(request: HttpRequest, public_id: str, name: str) -> HttpResponseBase:
    """The public copy (re-encoded without EXIF) of a photo, for ``media_url``: served by the
    application, which checks the rule each time (``MEDIA_ROOT`` is never published); 404
    unless the request's type publishes photos and the photo is public."""
    if request.method not in ("GET", "HEAD"):
        refused = HttpResponse(status=405)
        refused["Allow"] = "GET, HEAD"
        return refused
    attachment = public_photo_or_404(public_id, name)
    response = FileResponse(attachment.public_file.open("rb"), content_type=attachment.content_type)
    # Short: an administrator who unpublishes a type is obeyed within minutes.
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


def _attributes(data: QueryDict, fields: list[RequestTypeField]) -> dict[str, Any]:
    """``attribute[code]=value`` (repeated, or ``attribute[code][]=…``, for a multivaluelist)
    → field values keyed by code, in the shape the submission service checks."""
    by_code = {field.code: field for field in fields}
    values: dict[str, Any] = {}
    for name in data:
        if not name.startswith("attribute[") or not name.endswith("]"):
            continue
        code = name[len("attribute[") :].removesuffix("[]").removesuffix("]")
        items = [item.strip() for item in data.getlist(name) if item.strip()]
        if not items:
            continue  # an empty parameter is an absent one
        field = by_code.get(code)
        if field is not None and field.datatype == FieldDatatype.MULTI:
            values.setdefault(code, []).extend(items)
        elif field is not None and field.datatype == FieldDatatype.DATE:
            values[code] = _date_value(items[-1])
        else:
            values[code] = items[-1] if len(items) == 1 else items
    return values


def _date_value(raw: str) -> str:
    """An Open311 datetime for our date fields: the local date of the instant."""
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        return raw
    if parsed is None:
        return raw
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.date().isoformat()


def _float(data: QueryDict, name: str) -> float | None:
    raw = _param(data, name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(
            400, _("« %(name)s » doit être un nombre décimal.") % {"name": name}
        ) from None


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else str(message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [str(message) for message in error.messages]


def create_request(request: HttpRequest, *, fmt: str) -> HttpResponse:
    try:
        return _create_request(request, fmt=fmt)
    except Open311Error as error:
        return render_errors(error.messages, fmt=fmt, status=error.status)


def _create_request(request: HttpRequest, *, fmt: str) -> HttpResponse:
    data = clean_querydict(request.POST)  # CSRF-exempt: the boundary left it to us
    api_key = api_key_authenticate(_param(data, "api_key") or _param(request.GET, "api_key"))
    if api_key is None:
        raise Open311Error(403, _("Clé d’API (api_key) absente ou invalide."))
    code = _param(data, "service_code")
    if code is None:
        raise Open311Error(400, _("Le paramètre service_code est obligatoire."))
    config = catalogue()
    rtype = config.by_code.get(code)
    if rtype is None or not rtype.is_active:
        raise Open311Error(404, _("Service inconnu : %(code)s.") % {"code": code})

    latitude, longitude = _float(data, "lat"), _float(data, "long")
    address: Address | None = None
    address_id = _param(data, "address_id")
    if address_id is not None:
        address = (
            Address.objects.filter(pk=int(address_id)).first()
            if address_id.isdigit() and len(address_id) < 18
            else None
        )
        if address is None:
            raise Open311Error(400, _("address_id inconnu : %(id)s.") % {"id": address_id})
    address_string = _param(data, "address_string") or ""
    if address is None and latitude is None and longitude is None and address_string:
        address = address_resolve(address_string).address

    description = _param(data, "description") or ""
    media_url = _param(data, "media_url")
    if media_url:
        # Never fetched (a server must not download what a client points at); kept as text.
        description = f"{description}\n\n{_('Photo')} : {media_url}".strip()

    email = _param(data, "email") or ""
    name = " ".join(filter(None, [_param(data, "first_name"), _param(data, "last_name")])) or email
    contact = Contact(name=name, email=email, phone=_param(data, "phone") or "")
    fields = config.fields_of(rtype)
    try:
        sr = service_request_submit(
            request_type=rtype,
            contact=contact,
            description=description,
            field_values=_attributes(data, fields),
            address=address,
            latitude=latitude,
            longitude=longitude,
            location_text=address_string[:255],
            channel=Channel.OPEN311,
            language=request_language(),
        )
    except ValidationError as error:
        raise Open311Error(400, *_messages(error)) from None
    except PermissionDenied as error:
        raise Open311Error(400, str(error)) from None
    body = [
        {
            "service_request_id": sr.reference,
            "token": sr.open311_token,  # type: ignore[attr-defined]
            "service_notice": None,
            "account_id": None,
        }
    ]
    return render(body, fmt=fmt, root="service_requests", status=201)


# --- servicerequestupdates extension -------------------------------------------------------


def _update(event: RequestEvent) -> dict[str, Any]:
    state = event.to_state
    if event.kind == EventKind.TRANSITION and event.transition is not None:
        description = f"{event.transition.label} — {state.citizen_label if state else ''}".strip(
            " —"
        )
    else:
        description = state.citizen_label if state else ""
    return {
        "update_id": str(event.pk),
        "service_request_id": event.request.reference,
        "status": state.open311_status if state else "open",
        "updated_datetime": w3c(event.created_at),
        "description": description,
        "media_url": None,
    }


@endpoint(("GET",))
def request_updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    start, end = _window(request.GET)
    offset, limit = _paging(request.GET)
    events = selectors.open311_updates(start=start, end=end, offset=offset, limit=limit)
    return render([_update(event) for event in events], fmt=fmt, root="service_request_updates")


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "xml" if rest.endswith(".xml") else "json"
    if "." not in rest.rsplit("/", 1)[-1]:
        return render_errors(
            [_("Ajoutez le format à l’adresse : .xml ou .json.")], fmt=fmt, status=400
        )
    return render_errors([_("Adresse inconnue.")], fmt=fmt, status=404)
