"""Readiness: what ``/readyz`` checks, each dependency on its own.

Liveness (``/healthz``) only says the process answers. Readiness tries each dependency and
says which one fails, without secrets: a check reports ``ok`` or ``fail`` with the class of
the error (never its text, which names hosts, ports and users) and, for the backlog checks,
an age in seconds. Apps above core add their own checks (``register``) from their
``AppConfig.ready``: the outbox is the notifications app's.

Only PostgreSQL makes the process unready (HTTP 503): without Redis, the broker or beat the
site still serves everyone (the cache runs on the database, the outbox keeps every message),
so a load balancer must not take every process out because Redis is down. Those failures
answer 200 with ``"status": "degraded"``; ``?strict=1`` answers 503 for them too, for a
monitor that alerts on status codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from .models import Heartbeat
from .redis_cache import RedisCache

Check = Callable[[], dict[str, Any]]
OK: dict[str, Any] = {"status": "ok"}
NOT_USED: dict[str, Any] = {"status": "not used"}
ESSENTIAL = frozenset({"database"})

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def failure(error: BaseException) -> dict[str, Any]:
    return {"status": "fail", "error": type(error).__name__}


def run_checks() -> tuple[bool, bool, dict[str, dict[str, Any]]]:
    """(ready, everything ok, each check's result)."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in _checks.items():
        started = time.monotonic()
        try:
            result = dict(check())
        except Exception as error:  # a check that cannot run has failed
            result = failure(error)
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    failed = {name for name, result in results.items() if result["status"] == "fail"}
    return not (failed & ESSENTIAL), not failed, results


# --- The checks of core ---------------------------------------------------------------------


def check_database() -> dict[str, Any]:
    # Hand-written on purpose: the ORM has no statement that reaches the server without
    # reading a table, and readiness must ask PostgreSQL only whether it answers (listed in
    # docs/architecture.md with the other surviving statements).
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def check_redis() -> dict[str, Any]:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return NOT_USED
    backend.ping()
    return OK


def _broker_used() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER and not str(settings.CELERY_BROKER_URL).startswith(
        "memory://"
    )


def check_broker() -> dict[str, Any]:
    if not _broker_used():
        return NOT_USED
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return OK


def check_beat() -> dict[str, Any]:
    """Beat queues ``core.heartbeat`` every relay interval and a worker runs it: a stale
    heartbeat means beat, the broker or every worker stopped."""
    if not _broker_used():
        return NOT_USED
    last = Heartbeat.objects.filter(name="beat").values_list("at", flat=True).first()
    limit = float(settings.VICTO_READY_BEAT_MAX_AGE_SECONDS)
    if last is None:
        return {"status": "fail", "error": "never ran"}
    age = (timezone.now() - last).total_seconds()
    return {"status": "ok" if age <= limit else "fail", "age_seconds": round(age)}


register("database", check_database)
register("redis", check_redis)
register("broker", check_broker)
register("beat", check_beat)


def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})
