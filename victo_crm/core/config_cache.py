"""What every request reads and only an administrator or an editor changes, kept in each
process until it changes: the one cache scheme of victo_crm.

Request types with their fields, workflow entry states, zones, assignment and notification
rules, and the website's published pages (home pages, menus, cards) change a few times a
week, yet every submission or page view reads them. Each process keeps what it built in
memory, tagged with one *generation* number. Saving or deleting a watched model, or
publishing a page, bumps the number; every process then rebuilds on its next read.

The number lives in PostgreSQL (``core.models.Generation``), bumped in the very transaction
that changes the configuration, so it can never be ahead of or behind what is committed, and
a Redis outage loses no bump. Redis keeps a copy for ``VICTO_GENERATION_COPY_SECONDS``: a
request usually costs one cache round trip instead of the queries it replaces, and an HTTP
request reads the number once, whatever it consults. While Redis is down the copy is kept in
the database cache (``core.redis_cache``). After the commit the changing process writes the
new number to the copy; a process that rebuilt in between, or a bump written while Redis was
unreachable, is caught up when the copy expires.

Two more things keep it correct:

- Until the change commits, the changing process stops keeping what it builds for others
  (its own transaction may roll back), and forgets what it had. The changing transaction
  itself keeps what it builds for its own later reads, until its next change or its end: a
  long one (``load_demo`` changes the catalogue, then submits hundreds of requests) would
  otherwise rebuild at every read.
- Readers only ``add`` the copy (never overwrite it), so a reader holding an older number
  cannot undo the changer's write.

The objects handed out are shared between requests (and threads): callers read them and never
change them. Bulk ``QuerySet.update()`` sends no signal: code that changes configuration that
way calls :func:`forget` itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import F, Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Generation

T = TypeVar("T")
M = TypeVar("M", bound=Model)

GENERATION = "config"
GENERATION_KEY = "generation:config"

_local: dict[str, tuple[int, Any]] = {}
_pending = threading.Event()  # set while a change of this process waits for its commit
# What the changing transaction built since its last change, for its own reads (per thread:
# each has its own connection, and only that thread's transaction sees the change).
_own = threading.local()
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


def _copy_seconds() -> int:
    return int(getattr(settings, "VICTO_GENERATION_COPY_SECONDS", 30))


def _read_generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = (
            Generation.objects.filter(name=GENERATION).values_list("value", flat=True).first() or 0
        )
        cache.add(GENERATION_KEY, value, _copy_seconds())
    return int(value)


def changing() -> bool:
    """Whether this process changed the configuration in a transaction not yet ended: what
    it builds now may never be committed, so it is not kept (nor shared)."""
    if _pending.is_set() and not connection.in_atomic_block:
        # The changing transaction ended: committed (the bump ran) or rolled back (nothing
        # changed). Either way what is built from now on may be kept again.
        _pending.clear()
    return _pending.is_set()


def _own_copies() -> dict[str, Any] | None:
    """What this thread's changing transaction built since its last change, while that
    transaction (with the savepoint of the change) is still open; None otherwise."""
    marker = getattr(_own, "marker", None)
    if marker is None:
        return None
    # The change's commit callback is still queued only while its transaction is open and
    # the savepoint that made it was not rolled back.
    if connection.in_atomic_block and any(
        entry[1] is marker for entry in reversed(connection.run_on_commit)
    ):
        return _own.values
    _own.marker = None
    _own.values = {}
    return None


def memoized(name: str, build: Callable[[], T]) -> T:
    """What ``build()`` returns, built again only after a configuration change."""
    if changing():
        own = _own_copies()
        if own is None:
            return build()
        if name not in own:
            own[name] = build()
        return own[name]
    current = generation()
    hit = _local.get(name)
    if hit is not None and hit[0] == current and not _pending.is_set():
        return hit[1]
    value = build()
    if not _pending.is_set():
        _local[name] = (current, value)
    return value


def _bump_in_database() -> int:
    """The next number, written in the current transaction (the row stays locked until it
    ends, so two changes commit two different numbers)."""
    rows = Generation.objects.filter(name=GENERATION)
    if not rows.update(value=F("value") + 1):
        Generation.objects.get_or_create(name=GENERATION)
        rows.update(value=F("value") + 1)
    return int(rows.values_list("value", flat=True).get())


def _publish(value: int) -> None:
    _local.clear()
    _request.generation = None  # this request reads the new number
    cache.set(GENERATION_KEY, value, _copy_seconds())
    _pending.clear()


def forget(**_kwargs: Any) -> None:
    """Configuration changed: forget it here now, everywhere once the change is committed."""
    _local.clear()
    _pending.set()
    value = _bump_in_database()

    def publish() -> None:
        _publish(value)

    # This transaction reads its own change: what it builds from now on holds for it until
    # its next change (here again) or its end (``_own_copies``).
    _own.marker = publish
    _own.values = {}
    transaction.on_commit(publish)


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
    _own.marker = None
    _own.values = {}
    _request_ended()


# --- Named generations: data that changes all day, behind public caches ----------------------
#
# The public feeds (Open311) change with every submission and transition, far too often to
# bump the configuration's number (every process would rebuild its catalogue after each
# submission). They get a number of their own, in the same shared cache, bumped by any
# change to the rows they show (at once, and again after its commit). Unlike the configuration's, a named number has
# no memory of its own here: a feed keys its cached answers on it (and on the configuration's,
# since it shows names and publication rules too). A new number is a timestamp in
# nanoseconds, so it is unique without a read and a lost cache never brings an old one back.


def _named_key(name: str) -> str:
    return f"generation:{name}"


def named_generation(name: str) -> int:
    """The current number of ``name`` (may raise if the shared cache is unreachable)."""
    key = _named_key(name)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key, 0)
    return int(value)


def generations_with(name: str) -> tuple[int, int]:
    """The configuration's number and ``name``'s, read together (one cache round trip where
    :func:`generation` and :func:`named_generation` would take two): what a public feed's
    cached answers are keyed on. May raise if the shared cache is unreachable."""
    key = _named_key(name)
    config = getattr(_request, "generation", None) if getattr(_request, "active", False) else None
    if config is not None:
        return int(config), named_generation(name)
    found = cache.get_many([GENERATION_KEY, key])
    if GENERATION_KEY not in found or key not in found:
        return generation(), named_generation(name)
    if getattr(_request, "active", False):
        _request.generation = found[GENERATION_KEY]
    return int(found[GENERATION_KEY]), int(found[key])


def _named_bump(name: str) -> None:
    try:
        cache.set(_named_key(name), time.time_ns(), timeout=None)
    except Exception:  # the shared cache is down: what it held goes with it, or expires
        import logging

        logging.getLogger(__name__).warning("generation %s: cache unreachable", name)


def named_changed(name: str) -> None:
    """Rows shown under ``name`` changed: a new number now, and again once the change
    commits. The first makes the change visible at once to this transaction's own reads;
    the second makes sure that what another process built meanwhile, from the state before
    the commit, is never kept under the number that follows it. One commit bump per
    transaction, however many rows it changes."""
    _named_bump(name)
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        return
    if any(getattr(entry[1], "generation_name", None) == name for entry in conn.run_on_commit):
        return

    def bump_after_commit() -> None:
        _named_bump(name)

    bump_after_commit.generation_name = name  # type: ignore[attr-defined]
    transaction.on_commit(bump_after_commit)


def watch_rows(name: str, models: Iterable[type[Model]]) -> None:
    """Bump ``name`` whenever a row of ``models`` is saved or deleted. ``QuerySet.update()``
    sends no signal: give such models :class:`ChangesQuerySet`'s manager."""

    def changed(**_kwargs: Any) -> None:
        named_changed(name)

    for model in models:
        uid = f"generation-{name}-{model._meta.label}"
        post_save.connect(changed, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}-delete", weak=False)


class ChangesQuerySet(QuerySet[M]):
    """A model's QuerySet whose bulk writes (``update()``, ``bulk_create()``, and so
    ``bulk_update()``) bump the generation named by ``generation_name``, as saves and
    deletes do through :func:`watch_rows`: a service that changes rows with a conditional
    ``UPDATE`` cannot forget to say so."""

    generation_name: ClassVar[str] = ""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        if count:
            named_changed(self.generation_name)
        return count

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            named_changed(self.generation_name)
        return created
