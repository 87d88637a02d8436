"""Human references ``YYYY-NNNNNN``: unique and gap-tolerant under concurrency.

On PostgreSQL each year has its own sequence: ``nextval`` never blocks and never hands the
same number twice, at the cost of a gap when a transaction rolls back, which is fine for a
reference. Elsewhere (SQLite, where writers are serialised anyway) a counter row is bumped
inside the submitting transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .models import ReferenceCounter


def format_reference(year: int, number: int) -> str:
    return f"{year}-{number:06d}"


def _sequence_name(year: int) -> str:
    return f"service_request_ref_{int(year)}"


def next_reference_number(year: int) -> int:
    if connection.vendor == "postgresql":
        name = _sequence_name(year)
        with connection.cursor() as cursor:
            # to_regclass() is NULL for a sequence that does not exist yet, and nextval(NULL)
            # is NULL: one statement, no error to recover from, so no savepoint.
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])
            number = cursor.fetchone()[0]
            if number is not None:
                return int(number)
            ensure_sequence(year)
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])
            return int(cursor.fetchone()[0])
    updated = ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last=1)
                return 1
        except IntegrityError:
            ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    return ReferenceCounter.objects.get(year=year).last


def ensure_sequence(year: int, *, start_after: int = 0) -> None:
    """Create the year's sequence (PostgreSQL); safe when two sessions race to do it."""
    if connection.vendor != "postgresql":
        return
    name = _sequence_name(year)
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START 1")
        except IntegrityError:
            pass  # another session created it between our check and our create
        if start_after:
            cursor.execute(
                # The name is built from an int above; setval takes it as a parameter.
                "SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM " + name + ")))",  # noqa: S608
                [name, start_after],
            )


def next_reference(year: int) -> str:
    return format_reference(year, next_reference_number(year))
