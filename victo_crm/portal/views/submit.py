"""Filing a request: choose a type, say where, describe it (with photos), confirmation.

The location is kept in the session between the steps, so that the last step can show
open requests of the same type nearby (to follow one instead of filing a duplicate) and a
refused submission never asks for the place again. Photos are never kept half-way: the
request and its photos are saved together by ``service_request_submit``, or nothing is.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from victo_crm.places.selectors import address_search
from victo_crm.portal.emails import send_tracking_link
from victo_crm.portal.forms import DetailsForm, LocationForm, TypeSearchForm
from victo_crm.service_requests import selectors
from victo_crm.service_requests.citizen import service_request_follow
from victo_crm.service_requests.models import RequestType, ServiceRequest
from victo_crm.service_requests.services import Contact, service_request_submit

from .common import error_dict, friendly_404, me, private, sla_words, town_centre

logger = logging.getLogger(__name__)

DRAFTS = "portal_drafts"
SUBMITTED = "portal_submitted"
LAST = "portal_last"
DRAFT_CLAIM_SECONDS = 24 * 3600


def _offered_type_or_404(code: str) -> RequestType:
    rtype = (
        RequestType.objects.select_related("group", "workflow")
        .filter(code=code, is_active=True)
        .first()
    )
    if rtype is None:
        raise Http404
    return rtype


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
    return render(
        request,
        "portal/submit/location.html",
        {
            "rtype": rtype,
            "form": form,
            "candidates": form.candidates,
            "centre": centre,
            "tiles_url": settings.VICTO_MAP_TILES_URL,
        },
    )


def _service_errors_to_form(form: DetailsForm, error: ValidationError) -> list[str]:
    """Put each service message next to its field; return the photo messages."""
    photo_errors: list[str] = []
    for key, messages_ in error_dict(error).items():
        if key == "photos":
            photo_errors.extend(messages_)
        elif key and key.startswith("field_values."):
            form.add_service_error(f"field_{key.split('.', 1)[1]}", messages_)
        elif key == "contact":
            form.add_service_error("contact_email", messages_)
        elif key in ("address", "location", "location_text"):
            form.add_service_error(None, messages_)
        else:
            form.add_service_error(key, messages_)
    return photo_errors


@friendly_404
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, code: str) -> HttpResponse:
    rtype = _offered_type_or_404(code)
    drafts = _drafts(request)
    draft = drafts.get(code)
    if draft is None:
        if rtype.location_allowed:
            return redirect("portal:submit_location", code=code)
        draft = {}
    guest = not request.user.is_authenticated
    language = (get_language() or "fr")[:2]
    photo_errors: list[str] = []
    photos_lost = False
    form_kwargs: dict[str, Any] = {"request_type": rtype, "guest": guest, "language": language}
    if request.method == "POST":
        draft_id = (request.POST.get("draft_id") or "")[:64]
        already = (request.session.get(SUBMITTED) or {}).get(draft_id) if draft_id else None
        # The same form sent twice (a double click, a retry after the connection came
        # back, two tabs): the first one files; the others are shown its confirmation.
        # The session alone is not enough when both arrive at once: a cache ``add`` (atomic
        # in Redis) claims the draft first.
        claim = f"portal-draft:{request.session.session_key}:{draft_id}" if draft_id else ""
        if already or (claim and not cache.add(claim, "1", timeout=DRAFT_CLAIM_SECONDS)):
            return redirect("portal:submit_done")
        form = DetailsForm(request.POST, **form_kwargs)
        photos = request.FILES.getlist("photos")
        if form.is_valid():
            contact = None
            if guest:
                contact = Contact(
                    name=form.cleaned_data["contact_name"],
                    email=form.cleaned_data["contact_email"],
                    phone=form.cleaned_data.get("contact_phone") or "",
                )
            try:
                service_request = service_request_submit(
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
            except ValidationError as error:
                photo_errors = _service_errors_to_form(form, error)
                if claim:
                    cache.delete(claim)  # refused: the corrected form may be sent again
            except BaseException:
                if claim:
                    cache.delete(claim)  # nothing was filed: a retry must be possible
                raise
            else:
                return _submitted(request, service_request, code=code, draft_id=draft_id)
        photos_lost = bool(photos)
        if claim and form.errors:
            cache.delete(claim)
    else:
        form = DetailsForm(initial={"draft_id": uuid.uuid4().hex}, **form_kwargs)
    duplicates: list[tuple[ServiceRequest, float]] = []
    if draft.get("latitude") is not None and draft.get("longitude") is not None:
        duplicates = selectors.nearby_open_requests(
            request_type=rtype, latitude=draft["latitude"], longitude=draft["longitude"]
        )
    followed_ids: set[int] = set()
    own_ids: set[int] = set()
    if not guest and duplicates:
        from victo_crm.service_requests.models import RequestFollower

        followed_ids = set(
            RequestFollower.objects.filter(
                user=me(request), request__in=[d for d, _m in duplicates]
            ).values_list("request_id", flat=True)
        )
        own_ids = {d.pk for d, _m in duplicates if d.citizen_id == me(request).pk}
    return render(
        request,
        "portal/submit/details.html",
        {
            "rtype": rtype,
            "form": form,
            "draft": draft,
            "guest": guest,
            "duplicates": duplicates,
            "followed_ids": followed_ids,
            "own_ids": own_ids,
            "photo_errors": photo_errors,
            "photos_lost": photos_lost,
            "max_photos": settings.VICTO_MAX_ATTACHMENTS,
            "max_photo_mb": settings.VICTO_MAX_ATTACHMENT_BYTES // (1024 * 1024),
            "max_photo_bytes": settings.VICTO_MAX_ATTACHMENT_BYTES,
        },
        status=400 if request.method == "POST" else 200,
    )


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
    if token:
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
    service_request = (
        ServiceRequest.objects.select_related("state", "request_type")
        .filter(public_id=uid, state__is_final=False, merged_into__isnull=True)
        .first()
    )
    if service_request is None:
        raise Http404
    try:
        service_request_follow(request=service_request, user=me(request))
    except ValidationError as error:
        for messages_ in error_dict(error).values():
            for message in messages_:
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
