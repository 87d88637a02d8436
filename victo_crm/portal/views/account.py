"""My profile, my preferences and consents, my data (Law 25)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victo_crm.accounts import selectors as account_selectors
from victo_crm.accounts import services as account_services
from victo_crm.accounts.models import Channel, ConsentPurpose, Topic
from victo_crm.core.errors import form_add_errors
from victo_crm.core.ratelimit import Limit, consume
from victo_crm.notifications.bounces import (
    complaint_for,
    email_complaint_withdraw,
    undeliverable,
    undeliverable_phone,
)
from victo_crm.notifications.models import PushDevice
from victo_crm.portal import services as portal_services
from victo_crm.portal.forms import DeleteAccountForm, ProfileForm
from victo_crm.privacy import services as privacy_services

from .common import citizen_required, me, private


@require_http_methods(["GET", "POST"])
@citizen_required
def profile(request: HttpRequest) -> HttpResponse:
    user = me(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                account_services.user_profile_update(
                    user=user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    address=form.address,
                    address_unit=data["address_unit"],
                    preferred_language=data["preferred_language"],
                )
            except ValidationError as error:
                form_add_errors(form, error, {"address": "address_query"})
            else:
                messages.success(request, _("Votre profil est à jour."))
                response = redirect("portal:profile")
                # The pages follow the language the citizen just chose.
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    data["preferred_language"],
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                )
                return response
    else:
        form = ProfileForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": user.phone,
                "address_query": user.address.label if user.address else "",
                "address_id": user.address_id,
                "address_unit": user.address_unit,
                "preferred_language": user.preferred_language,
            }
        )
    zones = list(user.address.zones.all()) if user.address else []
    return render(
        request,
        "portal/account/profile.html",
        {
            "form": form,
            "candidates": form.candidates,
            "zones": zones,
            # Her e-mail bounced for good: she is asked to give another.
            "undeliverable": undeliverable(user.email),
            # Texts cannot reach her number: she is asked to correct it, just below.
            "undeliverable_phone": undeliverable_phone(user.phone),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@citizen_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = me(request)
    error = ""
    if request.method == "POST":
        chosen = {
            (topic, channel): f"pref:{topic}:{channel}" in request.POST
            for topic in Topic.values
            for channel in Channel.values
        }
        try:
            account_services.user_preferences_set(user=user, preferences=chosen)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Vos préférences sont enregistrées."))
            return redirect("portal:preferences")
    return render(
        request,
        "portal/account/preferences.html",
        {
            "rows": account_selectors.preference_rows(user),
            "consents": account_selectors.consents_overview(user),
            "error": error,
            "consent_version": account_services.CONSENT_VERSION,
            # Her mailbox reported one of our e-mails as spam: none is sent until she asks.
            "complaint": complaint_for(user.email),
            "vapid_public_key": settings.VICTO_VAPID_PUBLIC_KEY,
            "push_devices": list(
                PushDevice.objects.filter(user=user, kind=PushDevice.Kind.WEB_PUSH).order_by(
                    "-created_at", "-pk"
                )
            ),
        },
        status=400 if error else 200,
    )


@require_POST
@citizen_required
def email_resume(request: HttpRequest) -> HttpResponse:
    """She asks for our e-mail again after a complaint stopped it."""
    if email_complaint_withdraw(user=me(request)):
        messages.success(request, _("Nous vous écrirons de nouveau par courriel."))
    return redirect("portal:preferences")


# --- This browser's push notifications (Web Push) ------------------------------------------------

# A page asks once per click; more than this from one account is a script.
PUSH_RATE_LIMIT = 10
PUSH_RATE_WINDOW_SECONDS = 600


def _push_error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _push_rate_limited(request: HttpRequest) -> JsonResponse | None:
    limit = Limit(f"portal-push:{request.user.pk}", PUSH_RATE_LIMIT, PUSH_RATE_WINDOW_SECONDS)
    verdict = consume([limit])
    if verdict.allowed:
        return None
    response = _push_error(
        _("Trop de tentatives en peu de temps. Réessayez dans quelques minutes."), 429
    )
    response["Retry-After"] = str(int(verdict.wait or PUSH_RATE_WINDOW_SECONDS))
    return response


@require_POST
@citizen_required
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Store the subscription this browser's push service gave (JSON, CSRF header)."""
    limited = _push_rate_limited(request)
    if limited is not None:
        return limited
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return _push_error(_("L’abonnement aux notifications est illisible."), 400)
    try:
        device = portal_services.web_push_device_register(
            user=me(request),
            subscription=payload.get("subscription"),
            name=str(payload.get("name") or ""),
        )
    except ValidationError as error:
        detail = " ".join(error.messages)
        return _push_error(
            _("Cet appareil n’a pas pu être inscrit aux notifications : %(detail)s")
            % {"detail": detail},
            400,
        )
    return JsonResponse(
        {
            "id": device.pk,
            "message": _("Cet appareil recevra vos notifications."),
            "unsubscribe_url": reverse("portal:push_unsubscribe", args=[device.pk]),
        },
        status=201,
        json_dumps_params={"ensure_ascii": False},
    )


@private("POST")
def push_unsubscribe(request: HttpRequest, device_id: int) -> HttpResponse:
    """Forget one of the citizen's devices; anyone else's id is a 404, like a missing one.
    From the page's script (JSON) or from the device list (a plain form, without script)."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if wants_json:
        limited = _push_rate_limited(request)
        if limited is not None:
            return limited
    if not portal_services.web_push_device_remove(user=me(request), device_id=device_id):
        raise Http404
    message = _("Cet appareil ne recevra plus vos notifications.")
    if wants_json:
        return JsonResponse({"message": message}, json_dumps_params={"ensure_ascii": False})
    messages.success(request, message)
    return redirect(reverse("portal:preferences") + "#push")


@require_POST
@citizen_required
def consent(request: HttpRequest) -> HttpResponse:
    purpose = request.POST.get("purpose", "")
    action = request.POST.get("action", "")
    if purpose not in ConsentPurpose.values or action not in ("give", "withdraw"):
        messages.error(request, _("Cette demande n’est pas valide."))
        return redirect("portal:preferences")
    label = ConsentPurpose(purpose).label
    if action == "give":
        account_services.consent_give(user=me(request), purpose=purpose)
        messages.success(request, _("Consentement accordé : %(purpose)s.") % {"purpose": label})
    else:
        account_services.consent_withdraw(user=me(request), purpose=purpose)
        messages.success(request, _("Consentement retiré : %(purpose)s.") % {"purpose": label})
    return redirect("portal:preferences")


@require_GET
@citizen_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/account/data.html")


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@private("GET")
def export(request: HttpRequest) -> HttpResponse:
    """The one archive of everything we hold about her, the same as the API's."""
    stamp = timezone.localdate().isoformat()
    return _download(
        privacy_services.personal_data_archive(user=me(request)),
        filename=f"mes-donnees-victoriaville-{stamp}.zip",
        content_type="application/zip",
    )


@require_http_methods(["GET", "POST"])
@citizen_required
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DeleteAccountForm(request.POST)
        if form.is_valid():
            try:
                count = privacy_services.account_delete(
                    user=me(request),
                    password=form.cleaned_data["password"],
                )
            except ValidationError as error:
                form_add_errors(form, error)
            else:
                logout(request)
                messages.success(
                    request,
                    _(
                        "Votre compte est supprimé. Vos %(count)d requêtes restent aux archives "
                        "de la Ville, sans vos coordonnées."
                    )
                    % {"count": count},
                )
                return redirect("portal:home")
    else:
        form = DeleteAccountForm()
    return render(
        request,
        "portal/account/delete.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
