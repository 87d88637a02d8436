"""Authentication backends: Django's and allauth's, reading the signed-in user of each
request with one written-out statement.

Every authenticated page and API call loads its user (``get_user``). The ORM compiles that
query anew each time, which costs about as much CPU as running it; ``User.objects.raw`` with
``SELECT *`` gives the same instance (every column mapped by name) without that.
"""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from .roles import HOLDS_GRANTS_ATTRIBUTE


class OneStatementUser:
    """``get_user`` as Django's ``ModelBackend`` does it (an inactive user is refused), by
    one raw statement."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        table, column = model._meta.db_table, model._meta.pk.column
        # Whether the user holds a group or a permission comes with the row (two index
        # probes): it decides, on every page, whether two-factor authentication is required
        # (roles.requires_two_factor), and a citizen holds neither.
        exists = []
        for name in ("groups", "user_permissions"):
            field: Any = model._meta.get_field(name)
            through, fk = field.remote_field.through._meta.db_table, field.m2m_column_name()
            exists.append(f'EXISTS (SELECT 1 FROM "{through}" WHERE "{fk}" = u."{column}")')  # noqa: S608 - names from the model
        sql = (
            f'SELECT u.*, ({" OR ".join(exists)}) AS "{HOLDS_GRANTS_ATTRIBUTE}" '  # noqa: S608 - names from the model
            f'FROM "{table}" u WHERE u."{column}" = %s'
        )
        user = next(iter(model._default_manager.raw(sql, [pk])), None)
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user


class ModelBackend(OneStatementUser, django_backends.ModelBackend):
    pass


class AuthenticationBackend(OneStatementUser, allauth_backends.AuthenticationBackend):
    pass
