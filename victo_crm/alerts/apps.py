from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "victo_crm.alerts"
    label = "alerts"
    verbose_name = _("Alertes et collectes")
