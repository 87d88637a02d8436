from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "victo_crm.accounts"
    label = "accounts"
    verbose_name = _("Comptes et équipes")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .permissions import ensure_role_permissions, last_post_migrate_sender

        # Once the permissions of every app exist: post_migrate goes to each app in turn,
        # Django creates that app's permissions, and the last app's turn comes after all.
        post_migrate.connect(
            ensure_role_permissions,
            sender=last_post_migrate_sender(),
            dispatch_uid="victo_role_permissions",
        )
