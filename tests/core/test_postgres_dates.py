"""Dates read from PostgreSQL by psycopg's C parser (core/postgres.py) are the values Django's
own loader gives: aware, in UTC, to the microsecond, on both sides of a change of time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from victo_crm.accounts.models import User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loader"),
]
TORONTO = ZoneInfo("America/Toronto")
MOMENTS = [
    dt.datetime(2026, 3, 8, 1, 59, 59, 999999, tzinfo=TORONTO),  # just before the spring change
    dt.datetime(2026, 3, 8, 3, 0, 0, 1, tzinfo=TORONTO),
    dt.datetime(2026, 11, 1, 1, 30, tzinfo=TORONTO, fold=1),  # the hour that happens twice
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
]


def _read(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_the_c_loader_reads_what_djangos_loader_reads(citizen: User) -> None:
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert loader.__name__ == "UTCLoader"
    sql = "SELECT unnest(%s::timestamptz[])"
    fast = _read(sql, [MOMENTS])
    # (Compared in UTC: Python never finds a fold=1 moment equal to one of another zone.)
    assert fast == [moment.astimezone(dt.UTC) for moment in MOMENTS]
    assert all(value.tzinfo is dt.UTC for value in fast)
    # Django's own loader, on this connection for a moment, reads the same values.
    register_tzloader(dt.UTC, connection.connection)
    try:
        assert _read(sql, [MOMENTS]) == fast
    finally:
        connection.connection.adapters.register_loader("timestamptz", loader)
    User.objects.filter(pk=citizen.pk).update(last_login=MOMENTS[2])
    stored = User.objects.get(pk=citizen.pk).last_login
    assert stored == MOMENTS[2].astimezone(dt.UTC) and stored.tzinfo is dt.UTC
