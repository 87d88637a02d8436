from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "victo_crm.service_requests"
    label = "service_requests"
    verbose_name = _("Requêtes")

    def ready(self) -> None:
        from victo_crm.accounts.models import Team
        from victo_crm.core.config_cache import watch, watch_rows
        from victo_crm.places.models import Address

        from . import models, signals

        # What a submission reads from memory (configuration.py) is rebuilt after any change.
        watch(
            [
                models.RequestType,
                models.RequestTypeField,
                models.RequestGroup,
                models.Workflow,
                models.State,
                models.Transition,
                models.AssignmentRule,
                Team,
            ]
        )
        # What the public feeds show (Open311's cached answers) changes with any request, its
        # photos, or a registry address they name.
        watch_rows(
            models.PUBLIC_REQUESTS_GENERATION, [models.ServiceRequest, models.Attachment, Address]
        )
        # Guest requests join an account when its e-mail is verified (allauth's signal).
        signals.connect()
