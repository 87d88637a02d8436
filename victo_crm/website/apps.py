from typing import Any

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_site(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After migrate (and after a test flush), the site's skeleton exists: "/" is the
    Wagtail home page, editors and moderators have their permissions, the moderation
    workflow is on. Runs once Wagtail's own permissions exist (sender = wagtailcore)."""
    from .models import HomePage

    if HomePage._meta.db_table not in connections[using].introspection.table_names():
        return
    from .services import website_setup

    website_setup()


class WebsiteConfig(AppConfig):
    name = "victo_crm.website"
    label = "website"
    verbose_name = _("Site Web public")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the cache invalidation receivers

        post_migrate.connect(
            _ensure_site,
            sender=apps.get_app_config("wagtailcore"),
            dispatch_uid="website_ensure_site",
        )
