from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "victo_crm.service_requests"
    label = "service_requests"
    verbose_name = _("Requêtes")
