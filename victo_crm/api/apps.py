from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "victo_crm.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from victo_crm.core.boundary import register_error_renderer
        from victo_crm.service_requests.models import RequestGroup, RequestType, RequestTypeField

        from . import privacy, v1  # noqa: F401 - v1 registers the OpenAPI authentication extension
        from .boundary import render_allauth_error, render_open311_error, render_problem
        from .v1.authentication import SessionTokenScheme  # noqa: F401
        from .v1.catalogue import catalogue_forget

        privacy.register_contributions()
        register_error_renderer("/api/", render_problem)
        register_error_renderer("/open311/", render_open311_error)
        register_error_renderer("/_allauth/", render_allauth_error)

        # The cached catalogue of the mobile API is emptied by any change to what it shows.
        for model in (RequestType, RequestTypeField, RequestGroup):
            post_save.connect(catalogue_forget, sender=model, dispatch_uid=f"api-cat-{model}")
            post_delete.connect(catalogue_forget, sender=model, dispatch_uid=f"api-catd-{model}")
