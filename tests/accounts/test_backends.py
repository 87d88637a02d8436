"""The authentication backends load the signed-in user in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user
from django.test import RequestFactory

from victo_crm.accounts.backends import AuthenticationBackend, ModelBackend

pytestmark = pytest.mark.django_db


def _values(user: Any) -> dict[str, Any]:
    return {f.attname: getattr(user, f.attname) for f in type(user)._meta.concrete_fields}


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
def test_get_user_is_the_orm_s_user_and_refuses_the_rest(
    backend: Any, citizen: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        found = backend.get_user(str(citizen.pk))
    assert _values(found) == _values(type(citizen).objects.get(pk=citizen.pk))
    assert backend.get_user(citizen.pk + 1000) is None
    assert backend.get_user("pas-un-nombre") is None
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert backend.get_user(citizen.pk) is None


def test_a_session_signs_its_user_in_and_a_changed_password_signs_it_out(
    client: Any, citizen: Any
) -> None:
    client.force_login(citizen)
    request = RequestFactory().get("/")
    request.session = client.session
    assert get_user(request) == citizen
    citizen.set_password("Un-nouveau-mot-de-passe-2026")
    citizen.save()
    request = RequestFactory().get("/")
    request.session = client.session
    assert get_user(request).is_anonymous
