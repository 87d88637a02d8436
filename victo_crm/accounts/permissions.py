"""Model permissions of the staff roles, granted after every migration so that a new model
is covered without a hand-written migration."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from . import roles

CONFIG_APPS = ("accounts", "places", "service_requests", "notifications", "alerts", "api", "auth")


def ensure_role_permissions(**kwargs: Any) -> None:
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in (*roles.STAFF_ROLES, roles.WEB_EDITOR)
    }
    in_config = Q(content_type__app_label__in=CONFIG_APPS)
    groups[roles.ADMINISTRATOR].permissions.set(Permission.objects.filter(in_config))
    # Supervisors read the configuration (to understand a workflow) but change none of it;
    # they may publish notices to the whole town and emergencies (and approve another's).
    # Agents and web editors publish local notices only; an administrator may give the
    # permission to a person in the admin (the person's own permissions, which stay).
    groups[roles.SUPERVISOR].permissions.set(
        Permission.objects.filter(
            in_config & Q(codename__startswith="view_")
            | Q(content_type__app_label="alerts", codename="publish_townwide_notice")
        ).exclude(content_type__app_label="auth")
    )
