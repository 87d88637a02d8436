"""django-allauth adapter: citizens land in the portal, in the language they signed up in."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import roles


class AccountAdapter(DefaultAccountAdapter):
    # allauth's messages in the portal's words (courriel, typographic apostrophes, a
    # non-breaking space before « : ; ? ! »); the keys are allauth's.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("Ce compte est désactivé. Communiquez avec nous au besoin."),
        "cannot_remove_primary_email": _(
            "Vous ne pouvez pas retirer votre adresse courriel principale."
        ),
        "duplicate_email": _("Cette adresse courriel est déjà celle de votre compte."),
        "email_password_mismatch": _("Le courriel ou le mot de passe est incorrect."),
        "email_taken": _("Un compte existe déjà avec cette adresse courriel."),
        "enter_current_password": _("Tapez votre mot de passe actuel."),
        "incorrect_code": _("Ce code est incorrect."),
        "incorrect_password": _("Ce mot de passe est incorrect."),
        "invalid_or_expired_key": _("Ce lien n’est plus valide ou a expiré."),
        "invalid_login": _("Connexion impossible avec ces renseignements."),
        "invalid_password_reset": _("Ce lien de réinitialisation n’est plus valide."),
        "max_email_addresses": _("Vous ne pouvez pas ajouter plus de %d adresses courriel."),
        "too_many_login_attempts": _(
            "Trop de tentatives de connexion ont échoué. Réessayez dans quelques minutes."
        ),
        "unknown_email": _("Aucun compte n’utilise cette adresse courriel."),
        "unverified_primary_email": _(
            "Votre adresse courriel principale doit d’abord être vérifiée."
        ),
        "same_as_current": _("La nouvelle adresse doit être différente de l’adresse actuelle."),
        "rate_limited": _("Vous envoyez trop de demandes. Patientez un peu, puis réessayez."),
    }

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a sign-in without ``next`` lands: agents, supervisors and administrators on
        their desk queue, other staff (web editors) on the site, citizens on their portal."""
        user: Any = request.user
        if roles.is_staff_member(user):
            return reverse("desk:queue")
        if user.is_staff:
            return super().get_login_redirect_url(request)
        return reverse("portal:home")

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("portal:home")

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return reverse("portal:home")

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        language = (translation.get_language() or "fr")[:2]
        user.preferred_language = language if language in ("fr", "en") else "fr"
        return super().save_user(request, user, form, commit=commit)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A staff member held at the activation page (``TwoFactorRequiredMiddleware``) just
        typed their password to sign in: asking for it again before they may enrol would
        only slow the first sign-in down. Any other change of the second factor (a citizen's,
        or a later one) still asks, as allauth does."""
        import time

        from allauth.account import app_settings as account_settings
        from allauth.account.authentication import get_authentication_records
        from allauth.core import context

        request = context.request
        if app == "allauth.mfa" and getattr(request, "two_factor_pending", False):
            records = get_authentication_records(request, request.user)
            signed_in_at = max(
                (r.get("at", 0) for r in records if r.get("method") == "password"), default=0
            )
            if time.time() - signed_in_at < account_settings.REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Over the failed-login limit, the app's API answers 429 with Retry-After (its
        contract for every limit); the portal's form keeps allauth's message on the page."""
        from allauth.core.exceptions import ImmediateHttpResponse
        from allauth.core.ratelimit import respond_429
        from django.core.exceptions import ValidationError

        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            if hasattr(getattr(request, "allauth", None), "headless"):
                raise ImmediateHttpResponse(respond_429(request)) from None
            raise


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": _(
            "Vous ne pouvez pas ajouter d’adresse courriel à un compte protégé par la "
            "vérification en deux étapes."
        ),
        "cannot_delete_authenticator": _(
            "Vous ne pouvez pas désactiver la vérification en deux étapes."
        ),
        "cannot_generate_recovery_codes": _(
            "Activez d’abord la vérification en deux étapes pour obtenir des codes de récupération."
        ),
        "incorrect_code": _("Ce code est incorrect."),
        "unverified_email": _(
            "Vérifiez d’abord votre adresse courriel pour activer la vérification en deux étapes."
        ),
    }

    def can_delete_authenticator(self, authenticator: Any) -> bool:
        """Staff keep their second factor: it is mandatory for them (``roles``). One who lost
        their phone signs in with a recovery code, or an administrator deletes the lost
        authenticator in the admin so that the next sign-in enrols a new one."""
        return not roles.requires_two_factor(authenticator.user)
