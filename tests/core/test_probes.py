"""Liveness answers without trying anything; readiness tries each dependency and says which
fails, without secrets; an unreachable database answers 503, never 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from victo_crm.core import readiness

pytestmark = pytest.mark.django_db


def unreachable(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')


def test_liveness_tries_nothing(client: Client, django_assert_num_queries: Any):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_readiness_names_each_dependency(client: Client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["outbox"] == {
        "status": "ok",
        "oldest_unsent_seconds": 0,
        "ms": body["checks"]["outbox"]["ms"],
    }
    # The embedded setup (no REDIS_URL, tasks in-process) has no Redis, broker or beat.
    if not isinstance(readiness.caches["default"], readiness.RedisCache):
        assert body["checks"]["redis"]["status"] == "not used"


def test_an_unreachable_database_makes_the_process_unready_without_saying_where(
    client: Client, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(readiness._checks, "database", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "fail"
    assert response.json()["checks"]["database"]["error"] == "OperationalError"
    assert "db.internal" not in response.content.decode()
    assert "10.0.0.5" not in response.content.decode()


def test_a_failing_dependency_other_than_the_database_only_degrades(
    client: Client, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(readiness._checks, "redis", unreachable)
    assert client.get("/readyz").json()["status"] == "degraded"
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz?strict=1").status_code == 503


def test_a_page_answers_a_translated_503_while_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", unreachable)
    browser = Client(raise_request_exception=False)
    browser.cookies["sessionid"] = "x" * 32
    page = browser.get("/portail/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "Service momentanément indisponible" in page.content.decode()
    assert "db.internal" not in page.content.decode()

    browser.cookies["django_language"] = "en"
    assert "Service temporarily unavailable" in browser.get("/portail/").content.decode()


def test_the_api_answers_a_503_problem_while_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", unreachable)
    app = Client(raise_request_exception=False)
    response = app.get("/api/v1/requests/", HTTP_X_SESSION_TOKEN="x" * 32)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:victo:problem:unavailable" and body["status"] == 503
    assert "db.internal" not in response.content.decode()
