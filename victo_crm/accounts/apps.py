from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "victo_crm.accounts"
    label = "accounts"
    verbose_name = _("Comptes et équipes")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .permissions import ensure_role_permissions

        # Every app, not only this one: permissions of apps migrated after ours must exist.
        post_migrate.connect(ensure_role_permissions, dispatch_uid="victo_role_permissions")
