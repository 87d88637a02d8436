"""Writing rows (COPY on PostgreSQL, batched inserts elsewhere) and reserving ids and
references before anything is written."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connection, models

from victo_crm.accounts.models import User
from victo_crm.service_requests.models import (
    ReferenceCounter,
    RequestEvent,
    ServiceRequest,
)
from victo_crm.service_requests.references import ensure_sequence

from .common import NULL, LoadDataError
from .realism import _words

# --- Writing -----------------------------------------------------------------------------------


def _escape(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


_DAY_TEXT: list[str] = []
_TIME_TEXT: list[str] = []


def _timestamp(value: Any) -> str:
    """COPY text of a timestamp given as epoch seconds (UTC); the fast path of the load."""
    if isinstance(value, datetime):
        return value.isoformat()
    day, second = divmod(int(value), 86400)
    if not _TIME_TEXT:
        _TIME_TEXT.extend(
            f" {h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        )
    if day >= len(_DAY_TEXT):
        origin = date(1970, 1, 1)
        _DAY_TEXT.extend(
            (origin + timedelta(days=d)).isoformat() for d in range(len(_DAY_TEXT), day + 3650)
        )
    return _DAY_TEXT[day] + _TIME_TEXT[second]


def _json(value: Any) -> str:
    if value == {}:
        return "{}"
    return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _copy_converter(model_field: models.Field[Any, Any]) -> Callable[[Any], str]:
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        return _timestamp
    if kind == "BooleanField":
        return lambda v: "t" if v else "f"
    if kind == "JSONField":
        return _json
    if kind == "FloatField":
        return repr
    if kind == "DateField":
        return lambda v: v.isoformat() if isinstance(v, date) else str(v)
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        return _escape
    if model_field.is_relation or kind.endswith(("IntegerField", "AutoField")):
        return str
    return _escape


class _Table:
    """The columns of one model's table and how to fill the ones the generator leaves out."""

    def __init__(
        self, model: type[models.Model], provided: Iterable[str], *, with_pk: bool
    ) -> None:
        provided = set(provided)
        self.model = model
        self.name = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults: dict[str, Any] = {}
        self.dynamic: dict[str, Callable[[], Any]] = {}
        for f in self.fields:
            if f.attname not in provided and f.has_default() and callable(f.default):
                self.dynamic[f.attname] = f.default
            elif f.has_default() or f.null or f.empty_strings_allowed:
                # Also for the columns the generator fills only sometimes (rating, …).
                self.defaults[f.attname] = f.get_default()
            elif f.attname in provided:
                self.defaults[f.attname] = None
            else:
                raise LoadDataError(
                    f"Le générateur ne sait pas remplir {self.name}.{f.column} : "
                    "ajoutez-le à victo_crm/service_requests/loadgen.py."
                )
        self.copy_columns = [
            (f.attname, self.defaults.get(f.attname), _copy_converter(f)) for f in self.fields
        ]

    @property
    def column_list(self) -> str:
        return ", ".join(connection.ops.quote_name(f.column) for f in self.fields)

    def copy_text(self, rows: Iterable[dict[str, Any]]) -> bytes:
        columns, dynamic = self.copy_columns, self.dynamic
        lines = []
        for row in rows:
            if dynamic:
                row = {**{name: make() for name, make in dynamic.items()}, **row}
            get = row.get
            lines.append(
                "\t".join(
                    [NULL if (v := get(name, d)) is None else conv(v) for name, d, conv in columns]
                )
            )
        lines.append("")
        return "\n".join(lines).encode()

    def db_rows(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Rows as the database adapter takes them (the slow, portable path)."""
        prepared = []
        for row in rows:
            values = []
            for f in self.fields:
                if f.attname in row:
                    value = row[f.attname]
                elif f.attname in self.dynamic:
                    value = self.dynamic[f.attname]()
                else:
                    value = self.defaults[f.attname]
                if isinstance(value, int) and f.get_internal_type() == "DateTimeField":
                    value = datetime.fromtimestamp(value, UTC)
                values.append(f.get_db_prep_save(value, connection))
            prepared.append(tuple(values))
        return prepared

    def insert(self, rows: list[dict[str, Any]], batch: int) -> None:
        sql = (
            f"INSERT INTO {connection.ops.quote_name(self.name)} ({self.column_list}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch):
                cursor.executemany(sql, self.db_rows(rows[start : start + batch]))

    def copy(self, data: bytes) -> None:
        if not data:
            return
        sql = f"COPY {connection.ops.quote_name(self.name)} ({self.column_list}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)


REQUEST_COLUMNS = _words(
    "id created_at updated_at reference request_type_id state_id citizen_id contact_name "
    "contact_email contact_phone language channel description field_values address_id "
    "location_text latitude longitude team_id assignee_id priority due_at sla_paused_at "
    "first_response_at closed_at citizen_updated_at version tracking_token_hash public_id "
    "merged_into_id rating rating_comment rated_at"
)
EVENT_COLUMNS = _words(
    "request_id kind is_public actor_id from_state_id to_state_id transition_id message data "
    "created_at"
)
USER_COLUMNS = _words(
    "id password is_superuser email first_name last_name phone address_id address_unit "
    "preferred_language is_staff is_active date_joined"
)


@dataclass
class _Tables:
    requests: _Table
    events: _Table
    links: _Table
    link_columns: tuple[str, str]
    users: _Table
    emails: _Table | None

    @classmethod
    def build(cls) -> _Tables:
        zones = ServiceRequest._meta.get_field("zones")
        assert isinstance(zones, models.ManyToManyField)
        through = zones.remote_field.through
        assert through is not None
        link_columns = (zones.m2m_column_name(), zones.m2m_reverse_name())
        emails = None
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            emails = _Table(
                EmailAddress, ("user_id", "email", "verified", "primary"), with_pk=False
            )
        return cls(
            requests=_Table(ServiceRequest, REQUEST_COLUMNS, with_pk=True),
            events=_Table(RequestEvent, EVENT_COLUMNS, with_pk=False),
            links=_Table(through, link_columns, with_pk=False),
            link_columns=link_columns,
            users=_Table(User, USER_COLUMNS, with_pk=True),
            emails=emails,
        )

    def link_rows(self, links: list[tuple[int, int]]) -> list[dict[str, Any]]:
        source, target = self.link_columns
        return [{source: request_id, target: zone_id} for request_id, zone_id in links]

    def email_rows(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {"user_id": u["id"], "email": u["email"], "verified": True, "primary": True}
            for u in users
        ]


# --- Reservations ------------------------------------------------------------------------------


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
            return _nextvals(cursor, cursor.fetchone()[0], count)
        cursor.execute(
            f"SELECT MAX({connection.ops.quote_name(pk.column)}) "
            f"FROM {connection.ops.quote_name(table)}"
        )
        start = (cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))


def _nextvals(cursor: Any, sequence: str, count: int) -> list[int]:
    """``count`` numbers from a sequence. nextval never hands a number twice, even to the
    application submitting meanwhile; the numbers come back as runs (usually one) rather
    than a million rows."""
    cursor.execute(
        "SELECT min(v), max(v) FROM ("
        "  SELECT v, v - row_number() OVER (ORDER BY v) AS run"
        "  FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) numbers"
        ") runs GROUP BY run ORDER BY 1",
        [sequence, count],
    )
    return [n for low, high in cursor.fetchall() for n in range(low, high + 1)]


def _highest_reference(year: int) -> int:
    prefix = f"{year}-"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT max(substring(reference from 6)::bigint) FROM "
                f"{ServiceRequest._meta.db_table} "
                "WHERE reference LIKE %s AND reference ~ %s",
                [f"{prefix}%", f"^{year}-[0-9]+$"],
            )
            return int(cursor.fetchone()[0] or 0)
    numbers = ServiceRequest.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    return max((int(r[5:]) for r in numbers if r[5:].isdigit()), default=0)


def _reserve_references(per_year: dict[int, int]) -> dict[int, list[int]]:
    """Numbers for each year, after every reference already given; the counter moves first."""
    reserved: dict[int, list[int]] = {}
    for year, count in sorted(per_year.items()):
        highest = _highest_reference(year)
        if connection.vendor == "postgresql":
            ensure_sequence(year, start_after=highest)
            with connection.cursor() as cursor:
                reserved[year] = _nextvals(cursor, f"service_request_ref_{int(year)}", count)
        else:
            counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
                year=year
            )
            start = max(counter.last, highest)
            counter.last = start + count
            counter.save(update_fields=["last"])
            reserved[year] = list(range(start + 1, start + count + 1))
    return reserved
