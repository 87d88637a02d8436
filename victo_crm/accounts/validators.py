from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """OWASP ASVS asks that long passphrases be accepted (64 characters and more) but a
    bound keeps hashing cheap against denial of service."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "Ce mot de passe est trop long : %(max_length)d caractère au maximum.",
                    "Ce mot de passe est trop long : %(max_length)d caractères au maximum.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Votre mot de passe peut compter jusqu’à %(max_length)d caractères.") % {
            "max_length": self.max_length
        }
