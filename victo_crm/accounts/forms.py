"""django-allauth's forms in the portal's own words.

allauth's French catalogue says « e-mail », « Adresse e-mail » and uses straight apostrophes;
the portal says « courriel », in Québec French, with typographic apostrophes and a
non-breaking space before « : ; ? ! ». The forms below change only labels and messages;
allauth keeps every rule (settings ``ACCOUNT_FORMS`` and ``MFA_FORMS``).
"""

from __future__ import annotations

from typing import Any

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# allauth's own messages that its forms add in clean(), and ours in their place.
_REWORDED = {
    "You must type the same password each time.": _(
        "Les deux mots de passe ne sont pas identiques. Tapez le même mot de passe deux fois."
    ),
    "You must type the same email each time.": _(
        "Les deux adresses courriel ne sont pas identiques."
    ),
    "This field is required.": _("Ce champ est obligatoire."),
    "Enter a valid email address.": _("Entrez une adresse courriel valide."),
}


class _OurWords(forms.Form):
    """Labels (and placeholders, which our layout does not show) in the portal's words."""

    labels: dict[str, Any] = {}
    autocomplete: dict[str, str] = {}
    # allauth puts a "forgot your password?" link in the help of password fields; our pages
    # give that link themselves, under the form.
    no_help: tuple[str, ...] = ("password", "oldpassword")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            if name in self.fields:
                field = self.fields[name]
                field.label = label
                field.widget.attrs.pop("placeholder", None)
                field.error_messages["required"] = _("Ce champ est obligatoire.")
                if name == "email" or name.startswith("email"):
                    field.error_messages["invalid"] = _("Entrez une adresse courriel valide.")
        for name in self.no_help:
            if name in self.fields:
                self.fields[name].help_text = ""
        for name, value in self.autocomplete.items():
            if name in self.fields:
                self.fields[name].widget.attrs["autocomplete"] = value

    def full_clean(self) -> None:
        super().full_clean()
        errors = self.errors
        if not errors:
            return
        # The same messages in allauth's catalogue (as they were just translated) → ours.
        replacements = {gettext(source): str(ours) for source, ours in _REWORDED.items()}
        for name, messages in list(errors.items()):
            errors[name] = self.error_class(
                [replacements.get(str(message), str(message)) for message in messages],
                renderer=self.renderer,
            )


class LoginForm(_OurWords, account_forms.LoginForm):
    labels = {
        "login": _("Courriel"),
        "password": _("Mot de passe"),
        "remember": _("Rester connecté sur cet appareil"),
    }
    autocomplete = {"login": "email"}


class SignupForm(_OurWords, account_forms.SignupForm):
    labels = {
        "email": _("Courriel"),
        "password1": _("Mot de passe"),
        "password2": _("Confirmez le mot de passe"),
    }


class ResetPasswordForm(_OurWords, account_forms.ResetPasswordForm):
    labels = {"email": _("Courriel")}


class ResetPasswordKeyForm(_OurWords, account_forms.ResetPasswordKeyForm):
    labels = {
        "password1": _("Nouveau mot de passe"),
        "password2": _("Confirmez le nouveau mot de passe"),
    }


class ChangePasswordForm(_OurWords, account_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Mot de passe actuel"),
        "password1": _("Nouveau mot de passe"),
        "password2": _("Confirmez le nouveau mot de passe"),
    }


class SetPasswordForm(_OurWords, account_forms.SetPasswordForm):
    labels = {
        "password1": _("Mot de passe"),
        "password2": _("Confirmez le mot de passe"),
    }


class AddEmailForm(_OurWords, account_forms.AddEmailForm):
    labels = {"email": _("Nouvelle adresse courriel")}


class ChangeEmailForm(_OurWords, account_forms.ChangeEmailForm):
    labels = {"email": _("Nouvelle adresse courriel")}


class ReauthenticateForm(_OurWords, account_forms.ReauthenticateForm):
    labels = {"password": _("Mot de passe")}


class ConfirmEmailVerificationCodeForm(_OurWords, account_forms.ConfirmEmailVerificationCodeForm):
    labels = {"code": _("Code de confirmation")}
    autocomplete = {"code": "one-time-code"}


# --- Two-factor authentication (allauth.mfa) ------------------------------------------------


class MfaAuthenticateForm(_OurWords, mfa_base_forms.AuthenticateForm):
    labels = {"code": _("Code à six chiffres ou code de récupération")}


class MfaReauthenticateForm(_OurWords, mfa_base_forms.ReauthenticateForm):
    labels = {"code": _("Code à six chiffres ou code de récupération")}


class ActivateTOTPForm(_OurWords, totp_forms.ActivateTOTPForm):
    labels = {"code": _("Code affiché par l’application")}
