"""Filing a request: choose a type, say where, describe it (with photos), confirmation.

The location is kept in the session between the steps, so that the last step can show
open requests of the same type nearby (to follow one instead of filing a duplicate) and a
refused submission never asks for the place again. The photos of a refused form are kept as
pending uploads (``service_requests.uploads``), owned by the account or by a key held in the
guest's session, shown as thumbnails and named by the form's hidden ``upload_ids``: the
citizen never chooses them again. The request and its photos are saved together by
``service_request_submit``, which consumes those uploads, or nothing is.
"""

from __future__ import annotations

import io
import logging
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from victo_crm.core.errors import form_add_errors
from victo_crm.notifications.selectors import acknowledged_by_email
from victo_crm.places.selectors import address_search
from victo_crm.portal.emails import send_tracking_link
from victo_crm.portal.forms import DetailsForm, LocationForm, TypeSearchForm
from victo_crm.portal.services import service_request_submit_once
from victo_crm.service_requests import selectors
from victo_crm.service_requests.citizen import service_request_follow
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.fields import validate_field_values
from victo_crm.service_requests.models import RequestType, ServiceRequest
from victo_crm.service_requests.services import Contact
from victo_crm.service_requests.uploads import (
    Owner,
    upload_contents,
    upload_create,
    upload_delete,
    upload_of_owner_or_none,
    uploads_consume,
    uploads_found,
)

from .common import friendly_404, me, private, sla_words, town_centre

logger = logging.getLogger(__name__)

DRAFTS = "portal_drafts"
SUBMITTED = "portal_submitted"
LAST = "portal_last"
UPLOAD_KEY = "portal_upload_key"


def _offered_type_or_404(code: str) -> RequestType:
    rtype = (
        RequestType.objects.select_related("group", "workflow")
        .filter(code=code, is_active=True)
        .first()
    )
    if rtype is None:
        raise Http404
    return rtype


def _upload_owner(request: HttpRequest, *, create: bool = False) -> Owner:
    """Who owns the photos kept from this visitor's refused forms: her account, or a random
    key made for this session (only its SHA-256 is stored with the photos)."""
    if request.user.is_authenticated:
        return Owner(user=me(request))
    key = request.session.get(UPLOAD_KEY) or ""
    if not key and create:
        key = request.session[UPLOAD_KEY] = secrets.token_urlsafe(32)
    return Owner(session_key=key)


def _drafts(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(DRAFTS) or {})


@require_GET
def choose_type(request: HttpRequest) -> HttpResponse:
    form = TypeSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    types = selectors.request_types_offered(query=query)
    groups: list[tuple[Any, list[RequestType]]] = []
    for rtype in types:
        if groups and groups[-1][0].pk == rtype.group_id:
            groups[-1][1].append(rtype)
        else:
            groups.append((rtype.group, [rtype]))
    return render(
        request,
        "portal/submit/choose_type.html",
        {"form": form, "query": query, "groups": groups, "count": len(types)},
    )


@friendly_404
@require_http_methods(["GET", "POST"])
def location(request: HttpRequest, code: str) -> HttpResponse:
    rtype = _offered_type_or_404(code)
    drafts = _drafts(request)
    if not rtype.location_allowed:
        drafts[code] = {}
        request.session[DRAFTS] = drafts
        return redirect("portal:submit_details", code=code)
    if request.method == "POST":
        form = LocationForm(request.POST, request_type=rtype)
        if form.is_valid():
            drafts[code] = form.draft()
            request.session[DRAFTS] = drafts
            return redirect("portal:submit_details", code=code)
    else:
        draft = drafts.get(code) or {}
        form = LocationForm(
            request_type=rtype,
            initial={
                "address_query": draft.get("label", ""),
                "address_id": draft.get("address_id"),
                "latitude": draft.get("latitude") if not draft.get("address_id") else None,
                "longitude": draft.get("longitude") if not draft.get("address_id") else None,
                "location_text": draft.get("location_text", ""),
            },
        )
    centre = town_centre()
    guest = not request.user.is_authenticated
    # The next step's form, ready in a <template>: if the connection drops here, the page
    # script shows it in place and the request is kept on the device (portal.js).
    offline_form = DetailsForm(
        initial={"draft_id": ""},
        request_type=rtype,
        guest=guest,
        language=(get_language() or "fr")[:2],
    )
    return render(
        request,
        "portal/submit/location.html",
        {
            "rtype": rtype,
            "form": form,
            "candidates": form.candidates,
            "centre": centre,
            "offline_form": offline_form,
            "guest": guest,
            **_photo_limits(),
        },
    )


def _service_errors_to_form(form: DetailsForm, error: ValidationError) -> list[str]:
    """Put each service message next to its field; return the photo messages."""
    named = error.message_dict if hasattr(error, "error_dict") else {}
    photos = named.pop("photos", [])
    rename: dict[str, str | None] = {"field_values.": "field_", "contact": "contact_email"}
    rename.update(dict.fromkeys(("address", "location", "location_text"), None))
    form_add_errors(form, ValidationError(named) if named else error, rename)
    return photos


def _json(data: dict[str, Any], status: int) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _all_messages(form: DetailsForm, extra: list[str]) -> list[str]:
    """Every refusal as one list, each field's messages after its label (for the device's
    offline queue, which shows them outside the form)."""
    found = list(extra)
    found.extend(str(m) for m in form.non_field_errors())
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        label = form.fields[name].label if name in form.fields else ""
        found.extend(f"{label} : {m}" if label else str(m) for m in errors)
    return found


@friendly_404
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, code: str) -> HttpResponse:
    rtype = _offered_type_or_404(code)
    drafts = _drafts(request)
    draft = drafts.get(code)
    posted = request.method == "POST"
    wants_json = posted and "application/json" in request.headers.get("Accept", "")
    # A form kept on the device (or a page older than the session) carries its location; the
    # session's step is then not needed.
    location_in_form = posted and request.POST.get("location_in_form") == "1"
    if draft is None and not location_in_form:
        if rtype.location_allowed:
            if wants_json:
                return _json(
                    {"errors": [_("Indiquez le lieu : une adresse ou un point sur la carte.")]}, 400
                )
            return redirect("portal:submit_location", code=code)
        draft = {}
    guest = not request.user.is_authenticated
    language = (get_language() or "fr")[:2]
    photo_errors: list[str] = []
    photos_lost = False
    kept: list[Any] = []
    form_kwargs: dict[str, Any] = {"request_type": rtype, "guest": guest, "language": language}
    if posted:
        draft_id = (request.POST.get("draft_id") or "")[:64]
        already = (request.session.get(SUBMITTED) or {}).get(draft_id) if draft_id else None
        # The same form sent twice (a double click, a retry after the connection came back,
        # two tabs): the first one files; the others are shown its confirmation.
        if already:
            if wants_json:
                return _json(
                    {"reference": already, "duplicate": True, "url": reverse("portal:submit_done")},
                    200,
                )
            return redirect("portal:submit_done")
        location_errors: list[str] = []
        if location_in_form:
            if rtype.location_allowed:
                location_form = LocationForm(request.POST, request_type=rtype)
                if location_form.is_valid():
                    draft = location_form.draft()
                else:
                    location_errors = [str(m) for ms in location_form.errors.values() for m in ms]
            else:
                draft = {}
        draft = draft or {}
        form = DetailsForm(request.POST, **form_kwargs)
        new_photos = request.FILES.getlist("photos")
        kept, photo_errors = _kept_photos(request, rtype)
        removed = request.POST.get("remove_upload")
        if removed is not None and not wants_json:
            # "Retirer" on a kept photo, without the page script: nothing is submitted.
            upload_delete(owner=_upload_owner(request), public_id=removed)
            kept = [u for u in kept if str(u.public_id) != removed]
            form.errors.clear()  # show what was typed, without judging it yet
            return render(
                request,
                "portal/submit/details.html",
                _details_context(request, rtype, form, draft, guest=guest)
                | {"photo_errors": [], "photos_lost": False, "kept_uploads": kept},
            )
        if wants_json:
            photos: list[Any] = list(new_photos)  # the device keeps its own copy of each photo
        elif new_photos:
            photos_lost, new_kept, new_errors = _keep_new_photos(request, new_photos, kept)
            kept += new_kept
            photo_errors += new_errors
        if not wants_json:
            photos = upload_contents(kept)
        else:
            photos += upload_contents(kept)
        if form.is_valid() and not location_errors and not photo_errors:
            contact = None
            if guest:
                contact = Contact(
                    name=form.cleaned_data["contact_name"],
                    email=form.cleaned_data["contact_email"],
                    phone=form.cleaned_data.get("contact_phone") or "",
                )
            try:
                with transaction.atomic():
                    service_request, created = service_request_submit_once(
                        token=draft_id,
                        request_type=rtype,
                        citizen=None if guest else me(request),
                        contact=contact,
                        description=form.cleaned_data.get("description") or "",
                        field_values=form.field_values(),
                        address=draft.get("address_id"),
                        latitude=None if draft.get("address_id") else draft.get("latitude"),
                        longitude=None if draft.get("address_id") else draft.get("longitude"),
                        location_text=draft.get("location_text") or "",
                        photos=photos,
                        channel="web",
                        language=language,
                    )
                    if created:
                        uploads_consume(uploads=kept)
            except ValidationError as error:
                photo_errors = _service_errors_to_form(form, error)
            else:
                if not created:
                    return _already_filed(request, service_request, wants_json=wants_json)
                response = _submitted(request, service_request, code=code, draft_id=draft_id)
                if wants_json:
                    return _json(
                        {
                            "reference": service_request.reference,
                            "url": reverse("portal:submit_done"),
                            "message": _("Votre requête %(reference)s a été envoyée.")
                            % {"reference": service_request.reference},
                        },
                        201,
                    )
                return response
        elif not form.is_valid():
            # The type's own fields are checked by the service, which a refused form never
            # reaches: check them now, so every error shows at once, not one round at a time.
            try:
                validate_field_values(catalogue().fields_of(rtype), form.field_values())
            except ValidationError as error:
                _service_errors_to_form(
                    form,
                    ValidationError(
                        {f"field_values.{k}": v for k, v in error.message_dict.items()}
                    ),
                )
        for message in location_errors:
            form.add_service_error(None, [message])
        if wants_json:
            return _json({"errors": _all_messages(form, photo_errors)}, 400)
    else:
        form = DetailsForm(initial={"draft_id": uuid.uuid4().hex}, **form_kwargs)
    return render(
        request,
        "portal/submit/details.html",
        _details_context(request, rtype, form, draft or {}, guest=guest)
        | {"photo_errors": photo_errors, "photos_lost": photos_lost, "kept_uploads": kept},
        status=400 if posted else 200,
    )


def _kept_photos(request: HttpRequest, rtype: RequestType) -> tuple[list[Any], list[str]]:
    """The photos kept from an earlier refusal that the form names, if they are this
    visitor's own; a forged id, another person's or an expired one is refused (and dropped)."""
    ids = request.POST.getlist("upload_ids")[: settings.VICTO_MAX_ATTACHMENTS + 1]
    if not ids:
        return [], []
    found = uploads_found(owner=_upload_owner(request), ids=ids)
    errors = []
    if len(found) < len(dict.fromkeys(ids)):
        errors.append(
            _(
                "Une photo gardée n’est plus disponible (délai dépassé, ou elle n’est pas la "
                "vôtre) : choisissez-la de nouveau si vous voulez la joindre."
            )
        )
    return found, errors


def _keep_new_photos(
    request: HttpRequest, new_photos: list[Any], kept: list[Any]
) -> tuple[bool, list[Any], list[str]]:
    """Keep each newly chosen photo that is a real image (checked by its content) as an
    upload of this visitor; returns (photos not kept at all, the new uploads, the refusals)."""
    limit = settings.VICTO_MAX_ATTACHMENTS
    if len(kept) + len(new_photos) > limit:
        return (
            True,
            [],
            [_("Vous pouvez joindre au plus %(limit)d photos à une requête.") % {"limit": limit}],
        )
    owner = _upload_owner(request, create=True)
    new_kept: list[Any] = []
    errors: list[str] = []
    for photo in new_photos:
        try:
            new_kept.append(upload_create(owner=owner, file=photo))
        except ValidationError as error:
            errors.extend(error.messages)
    return False, new_kept, errors


@private("GET", signed_in=False)
def kept_photo(request: HttpRequest, upload_id: str) -> HttpResponse:
    """A thumbnail of a photo kept from a refused form, for its owner only (404 otherwise),
    re-encoded without its metadata."""
    from PIL import Image, ImageOps

    upload = upload_of_owner_or_none(owner=_upload_owner(request), public_id=upload_id)
    if upload is None:
        raise Http404
    with upload.file.open("rb") as handle, Image.open(handle) as image:
        thumbnail = ImageOps.exif_transpose(image) or image
        thumbnail = thumbnail.convert("RGB")
        thumbnail.thumbnail((320, 320))
        out = io.BytesIO()
        thumbnail.save(out, format="JPEG", quality=80)
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@private("POST", signed_in=False)
def kept_photo_remove(request: HttpRequest, upload_id: str) -> HttpResponse:
    """Discard a kept photo (the "Retirer" button, with the page script): 204, or 404 for
    anyone but its owner."""
    if not upload_delete(owner=_upload_owner(request), public_id=upload_id):
        raise Http404
    return HttpResponse(status=204)


def _details_context(
    request: HttpRequest,
    rtype: RequestType,
    form: DetailsForm,
    draft: dict[str, Any],
    *,
    guest: bool,
) -> dict[str, Any]:
    duplicates: list[tuple[selectors.PublicRequestView, float]] = []
    if draft.get("latitude") is not None and draft.get("longitude") is not None:
        duplicates = selectors.nearby_open_requests(
            request_type=rtype, latitude=draft["latitude"], longitude=draft["longitude"]
        )
    followed_ids: set[int] = set()
    own_ids: set[int] = set()
    if not guest and duplicates:
        from victo_crm.service_requests.models import RequestFollower

        ids = [d.pk for d, _m in duplicates]
        followed_ids = set(
            RequestFollower.objects.filter(user=me(request), request_id__in=ids).values_list(
                "request_id", flat=True
            )
        )
        own_ids = set(
            ServiceRequest.objects.filter(pk__in=ids, citizen=me(request)).values_list(
                "pk", flat=True
            )
        )
    return {
        "rtype": rtype,
        "form": form,
        "draft": draft,
        "guest": guest,
        "duplicates": duplicates,
        "followed_ids": followed_ids,
        "own_ids": own_ids,
        **_photo_limits(),
    }


def _photo_limits() -> dict[str, Any]:
    return {
        "max_photos": settings.VICTO_MAX_ATTACHMENTS,
        "max_photo_mb": settings.VICTO_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "max_photo_bytes": settings.VICTO_MAX_ATTACHMENT_BYTES,
    }


def _already_filed(
    request: HttpRequest, service_request: ServiceRequest, *, wants_json: bool
) -> HttpResponse:
    """A second copy of a form already filed (from another tab, or after a lost answer):
    nothing new is filed; the person is told which request it was."""
    message = _("Cette requête avait déjà été reçue : référence %(reference)s.") % {
        "reference": service_request.reference
    }
    if wants_json:
        return _json(
            {
                "reference": service_request.reference,
                "duplicate": True,
                "url": reverse("portal:submit_done"),
                "message": message,
            },
            200,
        )
    request.session[LAST] = {"reference": service_request.reference, "token": ""}
    messages.info(request, message)
    return redirect("portal:submit_done")


def _submitted(
    request: HttpRequest, service_request: ServiceRequest, *, code: str, draft_id: str
) -> HttpResponse:
    token = getattr(service_request, "tracking_token", "")
    session = request.session
    drafts = _drafts(request)
    drafts.pop(code, None)
    session[DRAFTS] = drafts
    submitted = dict(session.get(SUBMITTED) or {})
    if draft_id:
        submitted[draft_id] = service_request.reference
        submitted = dict(list(submitted.items())[-20:])
    session[SUBMITTED] = submitted
    session[LAST] = {"reference": service_request.reference, "token": token}
    # The acknowledgement of the notification rules carries her tracking link (one e-mail per
    # event); only when no rule e-mails her about it does the portal send the link itself.
    if token and not acknowledged_by_email(service_request):
        url = request.build_absolute_uri(reverse("portal:tracking", args=[token]))
        try:
            send_tracking_link(service_request=service_request, url=url)
        except Exception:  # the link is on the confirmation page too; never lose the request
            logger.exception("tracking link e-mail for %s not sent", service_request.reference)
    return redirect("portal:submit_done")


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    last = request.session.get(LAST) or {}
    reference, token = last.get("reference"), last.get("token")
    service_request: ServiceRequest | None = None
    if token:
        try:
            service_request = selectors.request_for_guest_token_or_404(token)
        except Http404:
            service_request = None
    elif reference and request.user.is_authenticated:
        try:
            service_request = selectors.request_for_citizen_or_404(
                me(request),
                reference=reference,
            )
        except Http404:
            service_request = None
    if service_request is None:
        return redirect("portal:home")
    tracking_url = (
        request.build_absolute_uri(reverse("portal:tracking", args=[token])) if token else ""
    )
    return render(
        request,
        "portal/submit/done.html",
        {
            "sr": service_request,
            "sla": sla_words(service_request.request_type),
            "tracking_url": tracking_url,
        },
    )


@private("POST")
def follow(request: HttpRequest, public_id: str) -> HttpResponse:
    """Follow an open request found nearby, instead of filing a duplicate."""
    try:
        uid = uuid.UUID(public_id)
    except ValueError:
        raise Http404 from None
    # Only a request the public may know of (the publication rule): anything else is 404.
    service_request = (
        selectors.public_requests(ServiceRequest.objects.select_related("state", "request_type"))
        .filter(public_id=uid, state__is_final=False, merged_into__isnull=True)
        .first()
    )
    if service_request is None:
        raise Http404
    try:
        service_request_follow(request=service_request, user=me(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("portal:my_requests")
    messages.success(
        request,
        _("Vous suivez maintenant la requête %(reference)s : vous serez avisé de son avancement.")
        % {"reference": service_request.reference},
    )
    return redirect("portal:request_detail", reference=service_request.reference)


@require_GET
def address_lookup(request: HttpRequest) -> JsonResponse:
    """Addresses of the registry matching what is typed, for the autocomplete."""
    query = (request.GET.get("q") or "").strip()[:100]
    if len(query) < 2:
        return JsonResponse({"results": []})
    results = [
        {"id": a.pk, "label": a.label, "latitude": a.latitude, "longitude": a.longitude}
        for a in address_search(query, limit=8)
    ]
    return JsonResponse({"results": results})
