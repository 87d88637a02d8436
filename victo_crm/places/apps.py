from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "victo_crm.places"
    label = "places"
    verbose_name = _("Adresses et zones")

    def ready(self) -> None:
        from victo_crm.core.config_cache import watch

        from .models import Zone

        watch([Zone])  # zones are read from memory by every submission (selectors.all_zones)
