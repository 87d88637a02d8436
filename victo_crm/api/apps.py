from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "victo_crm.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from victo_crm.core.boundary import register_error_renderer

        from . import privacy, v1  # noqa: F401 - v1 registers the OpenAPI authentication extension
        from .boundary import render_allauth_error, render_open311_error, render_problem
        from .v1.authentication import SessionTokenScheme  # noqa: F401

        privacy.register_contributions()
        register_error_renderer("/api/", render_problem)
        register_error_renderer("/open311/", render_open311_error)
        register_error_renderer("/_allauth/", render_allauth_error)
