from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "victo_crm.portal"
    label = "portal"
    verbose_name = _("Portail citoyen")

    def ready(self) -> None:
        # Guest requests join an account when its e-mail is verified (allauth's signal).
        # Connected here because the portal owns the guest flow; see accounts.signals.
        from victo_crm.accounts import signals

        signals.connect()
