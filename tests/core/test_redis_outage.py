"""Redis down does not take the town offline: PostgreSQL is the source of truth.

Our own redis-server (never the shared one) is stopped under the application: a citizen
still signs in, submits and follows her requests, partners still file through Open311, the
sign-in and write limits still hold (counted in the database, never "no limit"), and /readyz
says which dependency fails. The chaos test does it under traffic and lets a real worker
drain the backlog once Redis is back.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client

from tests.conftest import CENTRE_LAT, CENTRE_LON
from tests.notifications.conftest import (
    RedisServer,
    Worker,
    _require_redis_binary,
    reseed_rules,
    worker_env,
)
from victo_crm.api.services import api_key_create
from victo_crm.core.models import RateCounter
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.models import ServiceRequest

pytestmark = pytest.mark.redis

POTHOLE = {
    "request_type": "nid-de-poule",
    "description": "Un trou profond devant le 12",
    "field_values": {"taille": "grand"},
    "latitude": CENTRE_LAT,
    "longitude": CENTRE_LON,
}


def redis_cache_settings(settings: Any, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "victo_crm.core.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "victo",
            "FALLBACK": "database",
            "RETRY_SECONDS": 0.5,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        },
        "database": settings.CACHES["database"],
    }


@pytest.fixture
def redis(tmp_path: Path, settings: Any) -> Iterator[RedisServer]:
    """Our own Redis as the cache; the test stops and starts it."""
    _require_redis_binary()
    server = RedisServer(tmp_path)
    server.start()
    original = settings.CACHES
    redis_cache_settings(settings, server.url)
    yield server
    server.stop()
    settings.CACHES = original


def sign_in_app(client: Client, email: str, password: str) -> Any:
    return client.post(
        "/_allauth/app/v1/auth/login",
        json.dumps({"email": email, "password": password}),
        content_type="application/json",
    )


def submit(client: Client, token: str) -> Any:
    return client.post(
        "/api/v1/requests/",
        json.dumps(POTHOLE),
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=token,
    )


@pytest.mark.django_db
def test_with_redis_down_citizens_partners_and_staff_keep_working(
    redis: RedisServer, citizen: Any, request_type: Any, town: Any
):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    _api_key, key = api_key_create(name="Centre 311 régional")
    redis.stop()
    client = Client(raise_request_exception=False)

    assert client.get("/").status_code == 200
    assert client.get("/api/v1/request-types/").status_code == 200
    assert client.get("/open311/v2/requests.json").status_code == 200

    signed_in = sign_in_app(client, citizen.email, "correct horse battery")
    assert signed_in.status_code == 200, signed_in.content
    token = signed_in.json()["meta"]["session_token"]
    created = submit(client, token)
    assert created.status_code == 201, created.content
    mine = client.get("/api/v1/requests/", HTTP_X_SESSION_TOKEN=token)
    assert mine.status_code == 200
    assert created.json()["reference"] in mine.content.decode()

    filed = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "nid-de-poule",
            "lat": str(CENTRE_LAT),
            "long": str(CENTRE_LON),
            "email": "denise@example.ca",
            "description": "Trou profond au coin de la rue",
            "attribute[taille]": "moyen",
        },
    )
    assert filed.status_code == 201, filed.content
    assert ServiceRequest.objects.count() == 2

    ready = client.get("/readyz")
    assert ready.status_code == 200  # the site serves: not a reason to leave the balancer
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"] == {"status": "fail", "error": "ConnectionError", "ms": ANY}
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in ready.content.decode()
    assert client.get("/readyz?strict=1").status_code == 503

    redis.start()
    time.sleep(0.6)  # the retry delay of the test settings
    assert client.get("/readyz").json()["checks"]["redis"]["status"] == "ok"


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


ANY = _Any()


@pytest.mark.django_db
def test_sign_in_limits_hold_with_redis_down(redis: RedisServer, citizen: Any, settings: Any):
    """allauth's limit of 5 failed sign-ins per address in 5 minutes goes on counting in the
    database cache: a brute force gains nothing from a Redis outage."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    redis.stop()
    client = Client(raise_request_exception=False)
    statuses = [sign_in_app(client, citizen.email, "wrong").status_code for _ in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
    # Even the right password waits now.
    assert sign_in_app(client, citizen.email, "correct horse battery").status_code == 429


@pytest.mark.django_db
def test_api_write_limits_count_in_the_database_while_redis_is_down(
    redis: RedisServer, citizen: Any, request_type: Any, town: Any, settings: Any
):
    from tests.api.conftest import session_token_for

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write_user": "3/min", "write_ip": "1000/min"},
    }
    token = session_token_for(citizen)
    client = Client(raise_request_exception=False)
    redis.stop()
    assert [submit(client, token).status_code for _ in range(4)] == [201, 201, 201, 429]
    assert RateCounter.objects.exists()  # the outage's counts, kept in PostgreSQL
    assert cache.get("anything") is None  # and the cache answers (from the database)
    assert caches["default"].is_down  # type: ignore[attr-defined]


# --- Chaos: Redis stopped and started under traffic ---------------------------------------------

THREADS = 4
PER_THREAD = 12


@pytest.mark.slow
@pytest.mark.postgres
def test_a_redis_outage_under_traffic_loses_and_duplicates_nothing(
    transactional_db: None,
    seeded: Any,
    request_type: Any,
    town: Any,
    citizen: Any,
    redis: RedisServer,
    smtp_sink: Any,
    settings: Any,
    tmp_path: Path,
):
    """Citizens submit from 4 threads while Redis (cache and broker) is stopped and started:
    no submission fails, each has its outbox rows once, and a real worker with beat delivers
    the backlog, exactly once, with nobody's help."""
    from tests.api.conftest import session_token_for
    from victo_crm.celery import app

    reseed_rules()
    sink, port = smtp_sink
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write_user": "10000/min", "write_ip": "10000/min"},
    }
    saved = (app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_BROKER_URL)
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_BROKER_URL = redis.url
    app._pool = None
    app.amqp._producer_pool = None
    settings.CELERY_TASK_ALWAYS_EAGER = False
    token = session_token_for(citizen)
    statuses: list[int] = []
    lock = threading.Lock()
    started = threading.Barrier(THREADS + 1)

    def citizen_on_her_phone() -> None:
        client = Client(raise_request_exception=False)
        started.wait()
        for _ in range(PER_THREAD):
            status = submit(client, token).status_code
            with lock:
                statuses.append(status)
        connection.close()

    worker = None
    try:
        threads = [threading.Thread(target=citizen_on_her_phone) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        started.wait()
        while len(statuses) < THREADS * PER_THREAD // 4:
            time.sleep(0.02)
        redis.stop()
        outage_started = time.monotonic()
        # Down for half the submissions, and at least 1.5 s (unless they are all done).
        while len(statuses) < THREADS * PER_THREAD and (
            len(statuses) < THREADS * PER_THREAD * 3 // 4 or time.monotonic() - outage_started < 1.5
        ):
            time.sleep(0.02)
        during = len(statuses)
        redis.start()
        outage = time.monotonic() - outage_started
        for thread in threads:
            thread.join(timeout=120)

        assert statuses == [201] * THREADS * PER_THREAD, Counter(statuses)
        assert ServiceRequest.objects.count() == THREADS * PER_THREAD
        rows = Notification.objects.filter(channel="email")
        expected = rows.count()
        assert expected >= THREADS * PER_THREAD  # an acknowledgement per submission at least
        assert rows.filter(status="pending").exists()  # the outage left a backlog

        # The worker and beat come back (fast relay): nobody re-queues anything by hand.
        env = worker_env(broker=redis.url, smtp_port=port, fast_relay=True)
        worker = Worker(env, tmp_path / "worker.log", beat=True, concurrency=2)
        worker.start()
        drain_started = time.monotonic()
        sink.wait_for(expected, 90)
        drained = time.monotonic() - drain_started
        time.sleep(3)  # another relay round: a duplicate would show up now
    finally:
        if worker is not None:
            worker.kill()
        app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_BROKER_URL = saved
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    message_ids = Counter(m["Message-ID"] for m in sink.messages)
    assert len(sink.messages) == expected, (len(sink.messages), expected)
    assert max(message_ids.values()) == 1
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    print(
        f"\nredis chaos: {len(statuses)} submissions ({during} before Redis came back, "
        f"outage {outage:.1f} s), 0 errors; {expected} e-mails delivered once, "
        f"backlog drained {drained:.1f} s after the worker started"
    )
