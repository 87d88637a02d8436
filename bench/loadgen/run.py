"""The run itself: plan, reserve, write the chunks (in forked worker processes on
PostgreSQL), then analyse."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from victo_crm.accounts.models import User
from victo_crm.core.config_cache import named_changed
from victo_crm.service_requests.models import (
    PUBLIC_REQUESTS_GENERATION,
    ServiceRequest,
)
from victo_crm.service_requests.references import ensure_sequence

from .common import DEFAULT_YEARS, OTHER_BATCH, POSTGRES_BATCH, LoadDataError, LoadReport, _n
from .planning import _build_chunk, _plan_chunks, _plan_citizens, _plan_days
from .snapshot import _Context, _snapshot
from .writing import _reserve_ids, _reserve_references, _Tables

# State of a run, inherited by the worker processes (they are forked once it is complete).
_RUN: tuple[_Context, _Tables] | None = None


def _write_chunk(index: int) -> tuple[int, int, int]:
    """Build one chunk and COPY it in its own transaction; (requests, events, zone links)."""
    assert _RUN is not None
    ctx, tables = _RUN
    requests, events, links = _build_chunk(ctx, ctx.chunks[index])
    if len(tables.links.fields) == 2:  # the plain auto-created table: skip the dicts
        link_data = "".join(f"{r}\t{z}\n" for r, z in links).encode()
    else:
        link_data = tables.links.copy_text(tables.link_rows(links))
    request_data = tables.requests.copy_text(requests)
    event_data = tables.events.copy_text(events)
    # Foreign keys and triggers (the desk's search document) do their work row by row, as for
    # any insert: skipping them (session_replication_role) would leave requests unsearchable.
    with transaction.atomic():
        tables.requests.copy(request_data)
        tables.links.copy(link_data)
        tables.events.copy(event_data)
    return len(requests), len(events), len(links)


def _write_chunk_in_worker(index: int) -> tuple[int, int, int]:
    try:
        return _write_chunk(index)
    finally:
        connections.close_all()  # a clean goodbye to the server, chunk by chunk


def _write_chunks(count: int, workers: int) -> Iterable[tuple[int, int, int]]:
    """Each worker process builds a chunk and writes it on its own connection, so building
    rows (Python) and writing them (PostgreSQL) overlap across processes and cores."""
    if not workers:
        for index in range(count):
            yield _write_chunk(index)
        return
    connections.close_all()  # a forked child must never share the parent's connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap_unordered(_write_chunk_in_worker, range(count))


# --- The run -----------------------------------------------------------------------------------


def default_workers() -> int:
    """A process per CPU (each alternates building rows and waiting on PostgreSQL)."""
    return max(2, min(8, os.cpu_count() or 2))


def generate_load_data(
    *,
    requests: int,
    citizens: int | None = None,
    years: Sequence[int] = DEFAULT_YEARS,
    seed: int | None = None,
    batch: int | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Add ``requests`` realistic requests (and their events and citizens) to the database.

    Adds to what is there: running it twice gives twice as many. See the module docstring
    for what is kept consistent. ``citizens`` defaults to one for twenty requests.
    """
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    if requests < 0 or (citizens is not None and citizens < 0):
        raise LoadDataError("Les nombres de requêtes et de citoyens doivent être positifs.")
    # COPY goes through psycopg 3's cursor.copy(); psycopg2 takes the portable path.
    driver = getattr(connection, "Database", None)
    postgres = connection.vendor == "postgresql" and getattr(driver, "__name__", "") == "psycopg"
    citizens = requests // 20 if citizens is None else citizens
    batch = batch or (POSTGRES_BATCH if postgres else OTHER_BATCH)
    if seed is None:
        seed = random.SystemRandom().getrandbits(31)
    rng = random.Random(seed)
    if not postgres or connection.in_atomic_block:
        workers = 0  # the connection cannot be handed over to forked processes
    elif workers is None:
        workers = default_workers()
    if workers and "fork" not in multiprocessing.get_all_start_methods():
        workers = 0

    _check_migrations()
    ctx = _snapshot(timezone.now())
    tables = _Tables.build()
    _plan_days(ctx, years, rng, requests)
    per_year = _plan_chunks(ctx, batch, rng)
    say(
        f"Plan : {_n(requests)} requêtes sur {len(ctx.days)} jours "
        f"({', '.join(f'{y} : {_n(c)}' for y, c in sorted(per_year.items()))}), "
        f"{_n(citizens)} citoyens, {len(ctx.types)} types, {len(ctx.places)} lieux, "
        f"{len(ctx.chunks)} lots, graine {seed}."
    )

    events_total = links_total = 0
    with transaction.atomic():
        taken = set(
            User.objects.filter(email__endswith="@example.ca").values_list("email", flat=True)
        )
        users = _plan_citizens(ctx, rng, _reserve_ids(User, citizens), taken)
        ctx.references = _reserve_references(per_year)
        ctx.request_ids = _reserve_ids(ServiceRequest, requests)
        if not postgres:
            _write_users(tables, users, postgres=False, batch=batch)
    if postgres:
        for start in range(0, len(users), batch):
            with transaction.atomic():
                _write_users(tables, users[start : start + batch], postgres=True, batch=batch)
    say(f"Citoyens : {_n(len(users))} ({time.perf_counter() - started:.1f} s)")

    done = 0
    if postgres:
        global _RUN
        _RUN = (ctx, tables)
        try:
            for n_req, n_ev, n_link in _write_chunks(len(ctx.chunks), workers):
                done += n_req
                events_total += n_ev
                links_total += n_link
                say(_progress_line(done, requests, events_total, started))
        finally:
            _RUN = None
        _analyze(tables)
    else:
        with transaction.atomic():
            for chunk in ctx.chunks:
                rows, events, links = _build_chunk(ctx, chunk)
                tables.requests.insert(rows, batch)
                tables.links.insert(tables.link_rows(links), batch)
                tables.events.insert(events, batch)
                done += len(rows)
                events_total += len(events)
                links_total += len(links)
                say(_progress_line(done, requests, events_total, started))
    for year, numbers in ctx.references.items():
        if numbers:
            ensure_sequence(year, start_after=numbers[-1])
    # Rows written with COPY send no signal: the public feeds' cached answers are dropped here.
    named_changed(PUBLIC_REQUESTS_GENERATION)
    return LoadReport(
        requests=done,
        events=events_total,
        citizens=len(users),
        zone_links=links_total,
        seconds=time.perf_counter() - started,
        workers=workers,
        seed=seed,
    )


def _check_migrations() -> None:
    """Rows are built from the models: the tables must have every column the models have."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise LoadDataError("Des migrations ne sont pas appliquées : lancez manage.py migrate.")


def _write_users(
    tables: _Tables, users: list[dict[str, Any]], *, postgres: bool, batch: int
) -> None:
    if postgres:
        tables.users.copy(tables.users.copy_text(users))
        if tables.emails is not None:
            tables.emails.copy(tables.emails.copy_text(tables.email_rows(users)))
    else:
        tables.users.insert(users, batch)
        if tables.emails is not None:
            tables.emails.insert(tables.email_rows(users), batch)


def _progress_line(done: int, total: int, events: int, started: float) -> str:
    elapsed = time.perf_counter() - started
    percent = 100 * done / total if total else 100
    return (
        f"  {_n(done)} / {_n(total)} requêtes ({percent:.0f} %), {_n(events)} événements — "
        f"{_n(done / elapsed if elapsed else 0)} requêtes/s"
    )


def _analyze(tables: _Tables) -> None:
    """Fresh statistics, so that the first queries after a big load get sensible plans."""
    with connection.cursor() as cursor:
        for table in (tables.requests, tables.events, tables.links, tables.users):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")
