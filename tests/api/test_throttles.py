"""The API's write limits: a sliding-window counter per person and per IP address, counted
atomically, in the local-memory cache of development and in a real Redis."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.notifications.conftest import RedisServer, _require_redis_binary
from victo_crm.api.v1.throttles import WriteThrottle
from victo_crm.core.ratelimit import allowed, parse_rate, wait_seconds
from victo_crm.core.redis_cache import RedisCache

START = datetime(2026, 11, 26, 10, 0, 30, tzinfo=UTC)  # half of a minute's window gone


def test_rates_and_the_window_arithmetic() -> None:
    assert parse_rate("60/min") == (60, 60)
    assert parse_rate("300/h") == (300, 3600)
    assert parse_rate("") is None
    # 2 per minute: the previous minute's 4 calls weigh 3 with a quarter of this one gone.
    assert not allowed(2, previous=4, done=0, elapsed=0.25)
    # ...and no more than 1 once three quarters are gone: 30 s to wait.
    assert allowed(2, previous=4, done=0, elapsed=0.75)
    assert wait_seconds(2, 60, previous=4, done=0, elapsed=0.25) == pytest.approx(30)
    # Both calls of this window spent: wait for the next one, then half of it.
    assert wait_seconds(2, 60, previous=0, done=2, elapsed=0.5) == pytest.approx(60)
    assert allowed(2, previous=2, done=0, elapsed=0.5)
    assert not allowed(2, previous=2, done=0, elapsed=0.49)


@pytest.fixture
def redis_cache(tmp_path: Path, settings: Any) -> Iterator[None]:
    _require_redis_binary()
    server = RedisServer(tmp_path)
    server.start()
    original = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "victo_crm.core.redis_cache.RedisCache",
            "LOCATION": server.url,
            "FALLBACK": "database",
        },
        "database": original["database"],
    }
    from django.core.cache import caches

    assert isinstance(caches["default"], RedisCache)  # the one-round-trip path under test
    yield
    settings.CACHES = original  # before the server stops: later teardowns clear the cache
    server.stop()


@pytest.fixture
def local_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-tests",
        },
        "database": settings.CACHES["database"],
    }


@pytest.fixture(params=["local_cache", "redis_cache"])
def any_cache(request: Any) -> None:
    request.getfixturevalue(request.param)


@pytest.fixture
def rates(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write_user": "2/min", "write_ip": "5/min"},
    }


def call(user: Any, method: str = "post", ip: str = "203.0.113.7") -> tuple[bool, float | None]:
    request = Request(getattr(APIRequestFactory(), method)("/api/v1/requests/", REMOTE_ADDR=ip))
    request.user = user
    throttle = WriteThrottle()
    return throttle.allow_request(request, None), throttle.wait()


class Person:
    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


def test_a_person_s_writes_over_a_sliding_minute(any_cache: None, rates: None) -> None:
    marie, jean = Person(1), Person(2)
    with time_machine.travel(START, tick=False) as clock:
        assert call(marie) == (True, None)
        assert call(marie) == (True, None)
        refused, wait = call(marie)
        assert not refused and wait == 60
        assert call(marie, "get")[0]  # reads are never limited
        assert call(jean)[0]  # nor someone else
        clock.move_to(START + timedelta(seconds=59))  # the first minute's 2 still weigh > 1
        assert not call(marie)[0]
        clock.move_to(START + timedelta(seconds=60))
        # Refused calls were not counted: the first minute holds 2, half of it still inside.
        assert call(marie) == (True, None)
        assert not call(marie)[0]


def test_an_address_s_writes_whoever_signs_them(any_cache: None, rates: None) -> None:
    with time_machine.travel(START, tick=False):
        results = [call(Person(pk))[0] for pk in range(7)]
        assert results == [True] * 5 + [False] * 2
        assert call(Person(8), ip="198.51.100.1")[0]
        assert call(AnonymousUser(), ip="198.51.100.2")[0]  # IP limit only, no person


def test_concurrent_writes_never_slip_past_the_limit(redis_cache: None, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write_user": "5/min", "write_ip": "1000/min"},
    }
    marie = Person(1)
    outcomes: list[bool] = []
    barrier = threading.Barrier(20)

    def one() -> None:
        barrier.wait()
        outcomes.append(call(marie)[0])

    with time_machine.travel(START, tick=False):
        threads = [threading.Thread(target=one) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes).count(True) == 5 and len(outcomes) == 20
