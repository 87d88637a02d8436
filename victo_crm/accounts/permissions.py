"""Model permissions of the staff roles, granted after every migration so that a new model
is covered without a hand-written migration.

The admin is for configuration: no role gets a permission on a model holding citizens'
personal data (``core.privacy.PERSONAL_DATA_MODELS``), except what administrators need on
the few the admin shows without personal fields (``ADMINISTRATOR_PERMISSIONS``). Staff read
personal data in the desk, within their scope, and each read is logged there."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from victo_crm.core import privacy

from . import roles

CONFIG_APPS = ("accounts", "places", "service_requests", "notifications", "alerts", "api", "auth")


def _models(labels: Iterable[str]) -> Q:
    """Permissions on any of the models named ``app_label.model_name``."""
    conditions = []
    for label in labels:
        app_label, model = label.split(".")
        conditions.append(Q(content_type__app_label=app_label, content_type__model=model))
    return reduce(or_, conditions, Q(pk__in=[]))


def configuration_permissions() -> Q:
    """Permissions on the configuration apps' models that hold no personal data."""
    return Q(content_type__app_label__in=CONFIG_APPS) & ~_models(privacy.PERSONAL_DATA_MODELS)


def last_post_migrate_sender() -> AppConfig:
    """The app post_migrate is sent to last (``migrate``, and the flush between
    transactional tests, send it to every app with models, in ``INSTALLED_APPS`` order): by
    its turn, Django has created every app's permissions. A receiver of this sender alone
    runs once, where one of every sender would run once per app (thirty times)."""
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def ensure_role_permissions(**kwargs: Any) -> None:
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in (*roles.STAFF_ROLES, roles.WEB_EDITOR)
    }
    administrators = configuration_permissions()
    for label, actions in privacy.ADMINISTRATOR_PERMISSIONS.items():
        app_label, model = label.split(".")
        administrators |= Q(
            content_type__app_label=app_label,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    groups[roles.ADMINISTRATOR].permissions.set(Permission.objects.filter(administrators))
    # Supervisors read the configuration (to understand a workflow) but change none of it,
    # nor read the staff accounts; they may publish notices to the whole town and
    # emergencies (and approve another's). Agents and web editors publish local notices
    # only; an administrator may give the permission to a person in the admin (the
    # person's own permissions, which stay).
    groups[roles.SUPERVISOR].permissions.set(
        Permission.objects.filter(
            configuration_permissions() & Q(codename__startswith="view_")
            | Q(content_type__app_label="alerts", codename="publish_townwide_notice")
        )
        .exclude(content_type__app_label="auth")
        .exclude(_models(["accounts.user"]))
    )
