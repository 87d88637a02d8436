from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "victo_crm.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from victo_crm.core.config_cache import watch

        from .models import NotificationRule

        watch([NotificationRule])  # rules are read from memory (selectors.rules_for_request)
