"""``Idempotency-Key`` on creating POSTs, after the IETF draft
(draft-ietf-httpapi-idempotency-key-header).

- The call holds the key for its whole transaction (a PostgreSQL advisory lock), checks
  what was answered under it before, does the work and stores its response, all in one
  transaction: the stored response exists if and only if the work was done, and no extra
  commit is paid for the claim. The unique (caller, key) row settles any remaining race.
- A retry with the same key and the same body gets the first response again
  (``Idempotent-Replayed: true``) and creates nothing; the same key with another body (or on
  another endpoint) → 422; a retry while the first call is still running → 409.
- Keys are scoped to the caller and forgotten after ``ttl()`` (``VICTO_RETENTION_IDEMPOTENCY_HOURS``,
  24 by default; ``privacy.purge`` deletes the expired records). A call that failed
  (an error response, or a crash) stores nothing, so that it can be retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from ..models import IdempotencyKey, IdempotencyStatus
from .problems import Problem

HEADER = "Idempotency-Key"


def ttl() -> timedelta:
    """How long a response is kept for replay (it holds the caller's data, so not forever)."""
    return settings.VICTO_RETENTION["idempotency_records"]


# A claim older than this whose call never finished belongs to a process that died: the
# work was rolled back with it, so a retry may take the key over.
ABANDONED_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location",)


def _key_from(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # the draft's sf-string form
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Problem(
            400,
            _("L’en-tête Idempotency-Key doit compter de 1 à %(max)d caractères.")
            % {"max": MAX_KEY_LENGTH},
            type_="urn:victo:problem:idempotency-key-invalid",
        )
    return key


def fingerprint(request: Request) -> str:
    """The same request, byte for byte or not: method, path, and the parsed body (JSON
    canonicalised; form fields sorted; files by their SHA-256)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if isinstance(data, QueryDict):
        # DRF puts the files among the form fields: they are fingerprinted by content below.
        canonical: Any = sorted(
            (key, [str(value) for value in data.getlist(key)])
            for key in data
            if key not in request.FILES
        )
        files = []
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                hasher = hashlib.sha256()
                for chunk in upload.chunks():
                    hasher.update(chunk)
                upload.seek(0)
                files.append((name, hasher.hexdigest()))
        canonical = {"fields": canonical, "files": files}
    else:
        canonical = data
    digest.update(json.dumps(canonical, sort_keys=True, cls=JSONEncoder).encode())
    return digest.hexdigest()


def _replay(record: IdempotencyKey) -> Response:
    headers = {**record.response_headers, "Idempotent-Replayed": "true"}
    return Response(
        json.loads(record.response_body) if record.response_body else None,
        status=record.response_status or 200,
        headers=headers,
    )


def _in_progress() -> Problem:
    return Problem(
        409,
        _(
            "Une requête avec cette clé Idempotency-Key est encore en cours de traitement. "
            "Réessayez dans un instant."
        ),
        type_="urn:victo:problem:idempotency-in-progress",
    )


class _KeyTaken(Exception):
    """Another call stored a response under the same key between our check and our insert."""


def _lock(caller: str, key: str) -> None:
    """Hold (caller, key) until the transaction ends; a concurrent duplicate is told 409.

    On PostgreSQL a transaction-level advisory lock; elsewhere (SQLite) writers are serialised
    by the database itself, so a duplicate waits for the first call and then replays it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [f"{caller}\n{key}"]
        )
        if not cursor.fetchone()[0]:
            raise _in_progress()


_BY_CALLER_AND_KEY = (
    f'SELECT * FROM "{IdempotencyKey._meta.db_table}" WHERE "caller" = %s AND "key" = %s'  # noqa: S608
)


def _earlier(caller: str, key: str, print_: str) -> Response | None:
    """The answer already given under this key: its replay, or a refusal; None to go on."""
    # Written out (unique on caller and key): every keyed POST runs it, and the ORM would
    # compile it, with an ORDER BY for .first(), each time.
    found = list(IdempotencyKey.objects.raw(_BY_CALLER_AND_KEY, [caller, key]))
    existing = found[0] if found else None
    if existing is None:
        return None
    now = timezone.now()
    if existing.expires_at <= now:
        existing.delete()
        return None
    if existing.fingerprint != print_:
        raise Problem(
            422,
            _(
                "Cette clé Idempotency-Key a déjà servi pour une autre requête : "
                "utilisez une nouvelle clé pour un nouveau contenu."
            ),
            type_="urn:victo:problem:idempotency-key-reused",
        )
    if existing.status == IdempotencyStatus.COMPLETED:
        return _replay(existing)
    # A claim row of an earlier version of this code, still running or abandoned by a process
    # that died (its work was rolled back with it).
    if existing.created_at < now - ABANDONED_AFTER:
        existing.delete()
        return None
    raise _in_progress()


def _record(caller: str, key: str, print_: str, response: Response) -> None:
    """Store the response; if a concurrent call stored one first, let it win (``_KeyTaken``).

    ``ON CONFLICT DO NOTHING`` rather than a savepoint around the insert: one statement
    instead of three, and the transaction stays usable either way."""
    now = timezone.now()
    record = IdempotencyKey(
        caller=caller,
        key=key,
        fingerprint=print_,
        status=IdempotencyStatus.COMPLETED,
        response_status=response.status_code,
        response_body=json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False),
        response_headers={name: response[name] for name in REPLAYED_HEADERS if name in response},
        created_at=now,
        expires_at=now + ttl(),
    )
    table = IdempotencyKey._meta.db_table
    columns = [
        field
        for field in IdempotencyKey._meta.concrete_fields
        if not field.primary_key  # the id comes from the database
    ]
    values = [
        field.get_db_prep_save(getattr(record, field.attname), connection) for field in columns
    ]
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks}) "  # noqa: S608 - names from the model
            "ON CONFLICT (caller, key) DO NOTHING",
            values,
        )
        if cursor.rowcount != 1:
            raise _KeyTaken


def idempotent(request: Request, caller: str, work: Callable[[], Response]) -> Response:
    """Run ``work`` at most once per (caller, Idempotency-Key); without the header, just run.

    The check, the work and the recording of its response are one transaction: the stored
    response exists if and only if the work was done, and a call that fails (an error
    response, an exception, a crash) leaves nothing behind, so it can be retried."""
    key = _key_from(request)
    if key is None:
        return work()
    print_ = fingerprint(request)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                _lock(caller, key)
                replay = _earlier(caller, key, print_)
                if replay is not None:
                    return replay
                response = work()
                if 200 <= response.status_code < 300:
                    _record(caller, key, print_, response)
                else:
                    transaction.set_rollback(True)
                return response
        except _KeyTaken:
            continue  # rolled back: the next turn replays the response stored first
    raise _in_progress()
