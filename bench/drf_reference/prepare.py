"""Creates and fills the reference app's database when needed, then prints what bench/api.py
needs as one JSON line: a token of an owner with twenty tickets and one of its references.

    DJANGO_SETTINGS_MODULE=bench.drf_reference.settings python -m bench.drf_reference.prepare
"""

from __future__ import annotations

import json
import os

import psycopg

OWNERS = 50_000
TICKETS = 1_000_000


def _ensure_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def _fill() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user")
        if cursor.fetchone()[0] < OWNERS:
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
                " email, is_staff, is_active, date_joined)"
                " SELECT '!', false, 'owner' || g, '', '', 'owner' || g || '@example.ca',"
                " false, true, now() FROM generate_series(1, %s) g",
                [OWNERS],
            )
        # What earlier runs submitted (their references are UUIDs, the generated ones "T…")
        # goes: every run starts from the same million.
        for table in ("drf_reference_outbox", "drf_reference_ticketevent"):
            cursor.execute(
                f"DELETE FROM {table} WHERE ticket_id IN"
                " (SELECT id FROM drf_reference_ticket WHERE reference NOT LIKE 'T%%')"
            )
        cursor.execute("DELETE FROM drf_reference_ticket WHERE reference NOT LIKE 'T%%'")
        cursor.execute("SELECT count(*) FROM drf_reference_ticket")
        if cursor.fetchone()[0] >= TICKETS:
            return
        cursor.execute("SELECT min(id) FROM auth_user")
        first = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO drf_reference_ticket (owner_id, reference, request_type, description,"
            " field_values, latitude, longitude, state, created_at, updated_at)"
            " SELECT %s + g %% %s, 'T' || g, 'nid-de-poule', 'Description ' || g,"
            ' \'{"profondeur": "42"}\', 46.05 + (g %% 100) / 10000.0,'
            " -71.96 - (g %% 100) / 10000.0, 'submitted', now() - g * interval '95 seconds',"
            " now() - g * interval '90 seconds' FROM generate_series(1, %s) g",
            [first, OWNERS, TICKETS],
        )
        cursor.execute(
            "INSERT INTO drf_reference_ticketevent (ticket_id, kind, created_at)"
            " SELECT id, 'submitted', created_at FROM drf_reference_ticket"
        )


def _vacuum() -> None:
    """Dead rows of the deleted submissions gone and statistics fresh (autovacuum may be off):
    each run's plans are the first run's."""
    from django.db import connection

    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM cannot run in a transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE drf_reference_ticket, drf_reference_ticketevent, drf_reference_outbox"
        )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.drf_reference.settings")
    import django

    django.setup()
    _ensure_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _fill()
    _vacuum()
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from .models import Ticket

    # One owner reads (twenty tickets, as generated), another submits: the reader's list
    # stays the same size whatever the submissions add.
    reader, submitter = User.objects.order_by("id")[:2]
    token, _ = Token.objects.get_or_create(user=reader)
    submit_token, _ = Token.objects.get_or_create(user=submitter)
    ticket = Ticket.objects.filter(owner=reader).order_by("-created_at").first()
    assert ticket is not None
    print(
        json.dumps(
            {"token": token.key, "submit_token": submit_token.key, "reference": ticket.reference}
        )
    )


if __name__ == "__main__":
    main()
