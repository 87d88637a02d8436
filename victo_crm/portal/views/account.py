"""My profile, my preferences and consents, my data (Law 25)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victo_crm.accounts import selectors as account_selectors
from victo_crm.accounts import services as account_services
from victo_crm.accounts.models import Channel, ConsentPurpose, Topic
from victo_crm.portal.forms import DeleteAccountForm, ProfileForm

from .common import citizen_required, error_dict, me, private


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
                for key, msgs in error_dict(error).items():
                    form.add_service_error("address_query" if key == "address" else key, msgs)
            else:
                messages.success(request, _("Votre profil est à jour."))
                response = redirect("portal:profile")
                # The pages follow the language the citizen just chose.
                from django.conf import settings

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
        {"form": form, "candidates": form.candidates, "zones": zones},
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
            error = " ".join(m for ms in error_dict(exc).values() for m in ms)
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
        },
        status=400 if error else 200,
    )


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
def export_json(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return _download(
        account_services.user_data_export_json(user=me(request)),
        filename=f"mes-donnees-victoriaville-{stamp}.json",
        content_type="application/json; charset=utf-8",
    )


@private("GET")
def export_csv(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return _download(
        account_services.user_data_export_csv(user=me(request)),
        filename=f"mes-donnees-victoriaville-{stamp}-csv.zip",
        content_type="application/zip",
    )


@require_http_methods(["GET", "POST"])
@citizen_required
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DeleteAccountForm(request.POST)
        if form.is_valid():
            try:
                count = account_services.user_delete(
                    user=me(request),
                    password=form.cleaned_data["password"],
                )
            except ValidationError as error:
                for key, msgs in error_dict(error).items():
                    form.add_service_error(key, msgs)
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
