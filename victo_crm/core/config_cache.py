"""Configuration that every request reads, kept in each process until an administrator changes it.

Request types with their fields, workflow entry states, zones and assignment rules change a few
times a year, yet every submission reads them. Each process keeps what it built in memory,
tagged with a *generation* number held in the shared cache (Redis in production, where every
web and worker process sees the same number). Saving or deleting a watched model bumps the
generation when its transaction commits; every process then rebuilds on its next read. A read
costs one cache round trip instead of the queries it replaces, and an HTTP request reads the
generation once, whatever it consults.

Two things keep it correct:

- The bump waits for the commit, so another process can never rebuild from a state that is
  not committed yet. Until that commit, this process stops keeping what it builds (its own
  transaction may roll back), and forgets what it had.
- The first generation is a timestamp in nanoseconds, so a flushed cache never hands out a
  number that a process already holds.

The objects handed out are shared between requests (and threads): callers read them and never
change them. Bulk ``QuerySet.update()`` sends no signal: code that changes configuration that
way calls :func:`forget` itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

GENERATION_KEY = "config:generation"

_local: dict[str, tuple[int, Any]] = {}
_pending = threading.Event()  # set while a change of this process waits for its commit
# Within one HTTP request the generation is read once (per thread: gunicorn's gthread
# workers serve several requests at a time): a submission consults the types, the zones and
# the notification rules, and each would otherwise cost a cache round trip.
_request = threading.local()


def _request_began(**_kwargs: Any) -> None:
    _request.active = True
    _request.generation = None


def _request_ended(**_kwargs: Any) -> None:
    _request.active = False
    _request.generation = None


request_started.connect(_request_began, dispatch_uid="config-cache-request-started")
request_finished.connect(_request_ended, dispatch_uid="config-cache-request-finished")


def generation() -> int:
    """The shared generation number; read once per HTTP request, at every call elsewhere
    (Celery tasks, commands)."""
    if getattr(_request, "active", False):
        if _request.generation is None:
            _request.generation = _read_generation()
        return int(_request.generation)
    return _read_generation()


def _read_generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return int(value)


def memoized(name: str, build: Callable[[], T]) -> T:
    """What ``build()`` returns, built again only after a configuration change."""
    if _pending.is_set() and not connection.in_atomic_block:
        # The changing transaction ended: committed (the bump ran) or rolled back (nothing
        # changed). Either way what is built from now on may be kept again.
        _pending.clear()
    current = generation()
    hit = _local.get(name)
    if hit is not None and hit[0] == current and not _pending.is_set():
        return hit[1]
    value = build()
    if not _pending.is_set():
        _local[name] = (current, value)
    return value


def _bump() -> None:
    _local.clear()
    _request.generation = None  # this request reads the new number
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or the cache was flushed): start a new one
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    _pending.clear()


def forget(**_kwargs: Any) -> None:
    """Configuration changed: forget it here now, everywhere once the change is committed."""
    _local.clear()
    _pending.set()
    transaction.on_commit(_bump)


def watch(models: Iterable[type[Model]]) -> None:
    """Forget the configuration whenever one of ``models`` (or its many-to-many) changes."""
    for model in models:
        uid = f"config-cache-{model._meta.label}"
        post_save.connect(forget, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(forget, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                forget,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-{field.name}",
                weak=False,
            )


def clear_local() -> None:
    """Forget this process's copies (tests, whose database rolls back without signals)."""
    _local.clear()
    _pending.clear()
    _request_ended()
