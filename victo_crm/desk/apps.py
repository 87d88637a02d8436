from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite has no full-text French search: the desk searches a folded text instead."""
    if connection.vendor != "sqlite":
        return
    from .selectors import search_text_sqlite

    connection.connection.create_function(
        "victo_search_text", 4, search_text_sqlite, deterministic=True
    )


def _grant_desk_permissions(**kwargs: Any) -> None:
    """Administrators manage reply templates and access grants and read the access log;
    nobody else does.

    Added (never set) after the accounts app sets the configuration permissions, so both
    survive in whatever order the post_migrate handlers run. Both answer the last app's
    post_migrate only (``accounts.permissions.last_post_migrate_sender``), once every
    app's permissions exist.
    """
    from django.contrib.auth.models import Group, Permission

    from victo_crm.accounts import roles

    group = Group.objects.filter(name=roles.ADMINISTRATOR).first()
    if group is None:
        return
    perms = Permission.objects.filter(content_type__app_label="desk").exclude(
        codename__in=("add_accesslog", "change_accesslog", "delete_accesslog")
    )
    group.permissions.add(*perms)


class DeskConfig(AppConfig):
    name = "victo_crm.desk"
    label = "desk"
    verbose_name = _("Bureau du personnel")

    def ready(self) -> None:
        from django.core import checks
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import privacy
        from .checks import map_tiles_check

        privacy.register_contributions()

        checks.register(map_tiles_check, checks.Tags.compatibility)

        connection_created.connect(_register_sqlite_functions, dispatch_uid="victo_desk_sqlite")
        from victo_crm.accounts.permissions import last_post_migrate_sender

        post_migrate.connect(
            _grant_desk_permissions,
            sender=last_post_migrate_sender(),
            dispatch_uid="victo_desk_permissions",
        )
