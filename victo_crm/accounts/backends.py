"""Authentication backends: Django's and allauth's, reading the signed-in user of each
request in one query, with whether she holds any group or permission."""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from victo_crm.core.statements import Prepared

from .roles import HOLDS_GRANTS_ATTRIBUTE


def _user_with_grants(pk: int) -> QuerySet[Any]:
    """The user, and whether she holds a group or a permission (two index probes): it
    decides, on every page, whether two-factor authentication is required
    (roles.requires_two_factor), and a citizen holds neither."""
    model = get_user_model()
    grants = []
    for name in ("groups", "user_permissions"):
        field: Any = model._meta.get_field(name)
        through = field.remote_field.through._default_manager
        grants.append(Exists(through.filter(**{field.m2m_field_name(): OuterRef("pk")})))
    users = model._default_manager.annotate(**{HOLDS_GRANTS_ATTRIBUTE: grants[0] | grants[1]})
    return users.filter(pk=pk).order_by()[:1]


# Every authenticated page and call reads the user: compiled once (core/statements.py).
USER_WITH_GRANTS = Prepared(_user_with_grants)


class OneQueryUser:
    """``get_user`` as Django's ``ModelBackend`` does it (an inactive user is refused), with
    ``roles.holds_grants`` answered by the same query."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        if not isinstance(pk, int):
            return None
        found = USER_WITH_GRANTS.objects(pk)
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user


class ModelBackend(OneQueryUser, django_backends.ModelBackend):
    pass


class AuthenticationBackend(OneQueryUser, allauth_backends.AuthenticationBackend):
    pass
