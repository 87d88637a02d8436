from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "victo_crm.portal"
    label = "portal"
    verbose_name = _("Portail citoyen")

    def ready(self) -> None:
        from . import privacy

        privacy.register_contributions()
