from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "victo_crm.desk"
    label = "desk"
    verbose_name = _("Bureau du personnel")
