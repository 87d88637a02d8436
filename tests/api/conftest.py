"""Fixtures of the API tests: an Open311 partner key, requests filed by the personas, and
clients of the mobile API signed in with an allauth app session token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.accounts.models import User
from victo_crm.api.services import api_key_create
from victo_crm.service_requests.models import RequestType, ServiceRequest
from victo_crm.service_requests.services import service_request_submit


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Throttle counters and the cached catalogue never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _read_serializers_answer_as_drf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output the API tests produce is checked against DRF's own representation:
    ``ReadSerializer`` reads rows by a plan (api/v1/serializers.py), which must give exactly
    what ``Serializer.to_representation`` gives."""
    from rest_framework import serializers

    from victo_crm.api.v1.serializers import ReadSerializer, Represented

    planned = ReadSerializer.to_representation

    def checked(self: Any, instance: Any) -> Any:
        row = planned(self, instance)
        if type(instance) is not Represented:  # a Represented was checked when it was made
            assert row == serializers.Serializer.to_representation(self, instance), type(self)
        return row

    monkeypatch.setattr(ReadSerializer, "to_representation", checked)


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings: Any) -> None:
    """Tests send many writes in a burst; the throttling test sets its own limits."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "write_user": "10000/min",
            "write_ip": "10000/min",
            "auth_failure": "10000/min",
        },
    }


@pytest.fixture
def partner_key(db: None) -> str:
    """The key of a partner system (a regional 311 centre)."""
    _api_key, key = api_key_create(name="Centre 311 régional")
    return key


@pytest.fixture
def file_request(town: Any, request_type: RequestType) -> Any:
    """File a pothole request for someone: ``file_request(citizen, **overrides)``."""

    def _file(citizen: User | None = None, **overrides: Any) -> ServiceRequest:
        values: dict[str, Any] = {
            "request_type": request_type,
            "citizen": citizen,
            "description": "Un gros trou devant le 12",
            "field_values": {"taille": "grand"},
            "latitude": CENTRE_LAT,
            "longitude": CENTRE_LON,
            "channel": "web",
        }
        values.update(overrides)
        return service_request_submit(**values)

    return _file


def session_token_for(user: User) -> str:
    """An allauth headless *app* session token for ``user``, as a login through
    ``/_allauth/app/v1/auth/login`` would hand the app."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "victo_crm.accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    assert session.session_key is not None
    return session.session_key


class ApiClient(Client):
    """A Django test client that sends the app's session token on every call."""

    def __init__(self, token: str | None = None, **defaults: Any) -> None:
        if token:
            defaults["HTTP_X_SESSION_TOKEN"] = token
        super().__init__(enforce_csrf_checks=True, **defaults)


@pytest.fixture
def marie_api(citizen: User) -> ApiClient:
    """Marie, a citizen, on her phone."""
    return ApiClient(session_token_for(citizen))


@pytest.fixture
def jean_api(other_citizen: User) -> ApiClient:
    """Jean, another citizen, on his phone."""
    return ApiClient(session_token_for(other_citizen))


@pytest.fixture
def anonymous_api(db: None) -> ApiClient:
    return ApiClient()
