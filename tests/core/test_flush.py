"""The flush between transactional tests (tests/conftest.py, ``_flush_by_delete``) empties
every table on PostgreSQL as ``TRUNCATE`` did, with ``DELETE``: what makes the two the same
holds, and a flush leaves no row anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rows() -> dict[str, int]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def test_the_flush_deletes_every_row(seeded: Any, request_type: Any) -> None:
    # Rows in tables that reference each other (a user in a team and a group, a type of a
    # group with its fields, the workflow the migrations seeded and its permissions).
    make_user("agent@victoriaville.ca", role="agent", teams=(request_type.team,))
    before = _rows()
    assert before["accounts_user"] == 1 and before["service_requests_requesttypefield"] == 4
    assert before["auth_permission"] > 100 and before["django_content_type"] > 50

    with connection.cursor() as cursor:
        # DELETE does what TRUNCATE does only if no trigger acts on a delete...
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE NOT tgisinternal AND (tgtype & 8 = 8 OR tgtype & 32 = 32)"
        )
        assert cursor.fetchall() == []
        # ...and every foreign key waits for the commit, whatever order the tables go in.
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE contype = 'f' AND NOT (condeferrable AND condeferred)"
        )
        assert cursor.fetchall() == []

    flush_sql = connection.ops.sql_flush(None, ["accounts_user"])
    assert flush_sql == ['DELETE FROM "accounts_user";']
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)

    assert {table: n for table, n in _rows().items() if n} == {}
