from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "victo_crm.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from victo_crm.core.config_cache import watch
        from victo_crm.core.readiness import register
        from victo_crm.service_requests.hooks import set_event_listener

        from . import metrics  # noqa: F401 - registers the outbox's figures (/metrics)
        from .models import NotificationRule
        from .selectors import outbox_readiness
        from .services import outbox_for_request_event

        watch([NotificationRule])  # rules are read from memory (selectors.rules_for_request)
        # Every event of a request writes its outbox rows in the request's own transaction;
        # the requests sit below us and call us through this one hook.
        set_event_listener(outbox_for_request_event)
        register("outbox", outbox_readiness)  # /readyz: the oldest message due and unsent
