from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "victo_crm.inbound"
    label = "inbound"
    verbose_name = _("Courriels et textos reçus")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .privacy import register_contributions

        register_contributions()
