"""My requests, a request's page and what the citizen does there; the guest tracking page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from victo_crm.portal import selectors as portal_selectors
from victo_crm.portal.forms import CommentForm, PortalForm, RatingForm, ReopenForm
from victo_crm.service_requests import citizen as actions
from victo_crm.service_requests import selectors
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.fields import field_rows
from victo_crm.service_requests.models import ServiceRequest

from .common import citizen_required, me, private, sla_words

STATUSES = {"ouvertes": portal_selectors.OPEN, "fermees": portal_selectors.CLOSED}


@require_GET
@citizen_required
def my_requests(request: HttpRequest) -> HttpResponse:
    status_param = request.GET.get("statut", "")
    status = STATUSES.get(status_param)
    page = portal_selectors.my_requests_page(
        me(request),
        status=status,
        before=request.GET.get("avant", ""),
        after=request.GET.get("apres", ""),
    )
    return render(
        request,
        "portal/requests/list.html",
        {
            "page": page,
            # One reverse() for the whole list rather than one per card.
            "detail_prefix": reverse("portal:request_detail", args=["-"])[: -len("-/")],
            "status": status_param if status else "",
            "filters": [
                ("", _("Toutes")),
                ("ouvertes", _("En cours")),
                ("fermees", _("Fermées")),
            ],
        },
    )


def _field_rows(sr: ServiceRequest) -> list[tuple[str, str]]:
    """The custom field values, with their labels, in the reader's language."""
    if not sr.field_values:
        return []
    return field_rows(catalogue().fields_of_request(sr), sr.field_values)


def _detail_context(
    request: HttpRequest, sr: ServiceRequest, **forms: PortalForm
) -> dict[str, Any]:
    is_requester = getattr(sr, "is_requester", False)
    context: dict[str, Any] = {
        "sr": sr,
        "is_requester": is_requester,
        "is_follower": getattr(sr, "is_follower", False),
        "timeline": selectors.public_timeline(sr, for_follower=not is_requester),
        "sla": sla_words(sr.request_type),
    }
    if not is_requester:
        return context
    # Whichever of the page's forms was refused, the title says so (base.html reads
    # error_form), as its summary takes the focus (focus.js).
    context["error_form"] = next(
        (form for form in forms.values() if isinstance(form, PortalForm) and form.errors), None
    )
    context["fields"] = _field_rows(sr)
    allowed = selectors.citizen_actions(sr, me(request))
    context["comment_form"] = forms.get("comment_form") or CommentForm()
    if allowed.add_photos:
        context["photo_form"] = True
        context["photo_errors"] = forms.get("photo_errors", [])
        context["max_photos"] = settings.VICTO_MAX_ATTACHMENTS
        context["max_photo_mb"] = settings.VICTO_MAX_ATTACHMENT_BYTES // (1024 * 1024)
        context["max_photo_bytes"] = settings.VICTO_MAX_ATTACHMENT_BYTES
    if allowed.reopen:
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm()
        context["reopen_deadline"] = allowed.reopen_deadline
    if allowed.rate:
        context["rating_form"] = forms.get("rating_form") or RatingForm()
    return context


def _render_detail(
    request: HttpRequest, sr: ServiceRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request, "portal/requests/detail.html", _detail_context(request, sr, **forms), status=status
    )


def _own(request: HttpRequest, reference: str) -> ServiceRequest:
    return selectors.request_for_citizen_or_404(me(request), reference=reference)


def _filed(request: HttpRequest, reference: str) -> ServiceRequest:
    """A request the person filed themselves: followers may only read."""
    sr = _own(request, reference)
    if not getattr(sr, "is_requester", False):
        raise Http404
    return sr


@private("GET")
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_detail(request, _own(request, reference))


def _citizen_action(
    request: HttpRequest,
    sr: ServiceRequest,
    form: PortalForm,
    *,
    form_name: str,
    field: str,
    act: Callable[[dict[str, Any]], object],
    success: str,
) -> HttpResponse:
    """A citizen's form on their request's page (comment, reopen, rate): the service's
    refusal lands on ``field``; on success a message and back to the page (POST-redirect-GET);
    otherwise the page again, with the form as it was sent (400)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(field, error.messages)
        except PermissionDenied as error:
            form.add_service_error(field, [str(error)])
        else:
            messages.success(request, success)
            return redirect("portal:request_detail", reference=sr.reference)
    return _render_detail(request, sr, status=400, **{form_name: form})


@private("POST")
def comment(request: HttpRequest, reference: str) -> HttpResponse:
    sr = _filed(request, reference)
    return _citizen_action(
        request,
        sr,
        CommentForm(request.POST),
        form_name="comment_form",
        field="text",
        act=lambda data: actions.service_request_comment(
            request=sr, citizen=me(request), text=data["text"]
        ),
        success=_("Votre commentaire a été ajouté."),
    )


@private("POST")
def add_photos(request: HttpRequest, reference: str) -> HttpResponse:
    sr = _filed(request, reference)
    try:
        actions.service_request_add_photos(
            request=sr,
            citizen=me(request),
            photos=request.FILES.getlist("photos"),
        )
    except ValidationError as error:
        errors = error.messages
        return _render_detail(request, sr, status=400, photo_errors=errors)
    except PermissionDenied as error:
        return _render_detail(request, sr, status=400, photo_errors=[str(error)])
    messages.success(request, _("Vos photos ont été ajoutées."))
    return redirect("portal:request_detail", reference=sr.reference)


@private("POST")
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    sr = _filed(request, reference)
    return _citizen_action(
        request,
        sr,
        ReopenForm(request.POST),
        form_name="reopen_form",
        field="reason",
        act=lambda data: actions.service_request_reopen(
            request=sr, citizen=me(request), reason=data["reason"]
        ),
        success=_("Votre requête est rouverte. L’équipe responsable en est avisée."),
    )


@private("POST")
def rate(request: HttpRequest, reference: str) -> HttpResponse:
    sr = _filed(request, reference)
    return _citizen_action(
        request,
        sr,
        RatingForm(request.POST),
        form_name="rating_form",
        field="rating",
        act=lambda data: actions.service_request_rate(
            request=sr,
            citizen=me(request),
            rating=data["rating"],
            comment=data.get("comment") or "",
        ),
        success=_("Merci pour votre évaluation !"),
    )


@private("POST")
def unfollow(request: HttpRequest, reference: str) -> HttpResponse:
    sr = _own(request, reference)
    actions.service_request_unfollow(request=sr, user=me(request))
    messages.success(
        request, _("Vous ne suivez plus la requête %(reference)s.") % {"reference": sr.reference}
    )
    return redirect("portal:my_requests")


def _photo_response(sr: ServiceRequest, attachment_id: str) -> FileResponse:
    attachment = selectors.public_attachment_or_404(sr, attachment_id)
    response = FileResponse(attachment.public_file.open("rb"), content_type=attachment.content_type)
    # Private to this person: never in a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@private("GET")
def photo(request: HttpRequest, reference: str, attachment_id: str) -> FileResponse:
    sr = _filed(request, reference)  # a follower sees the town's side, not the photos
    return _photo_response(sr, attachment_id)


@private("GET", signed_in=False)
def tracking(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's private page: the timeline of the request behind the token."""
    sr = selectors.request_for_guest_token_or_404(token)
    context = {
        "sr": sr,
        "token": token,
        "timeline": selectors.public_timeline(sr),
        "sla": sla_words(sr.request_type),
        "now": timezone.now(),
    }
    response = render(request, "portal/requests/tracking.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response["X-Robots-Tag"] = "noindex"
    return response


@private("GET", signed_in=False)
def tracking_photo(request: HttpRequest, token: str, attachment_id: str) -> FileResponse:
    sr = selectors.request_for_guest_token_or_404(token)
    return _photo_response(sr, attachment_id)
