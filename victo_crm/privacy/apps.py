from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "victo_crm.privacy"
    label = "privacy"
    verbose_name = _("Renseignements personnels")

    def ready(self) -> None:
        # The contributions of the apps below this one; the faces register their own.
        from . import contributions  # noqa: F401
