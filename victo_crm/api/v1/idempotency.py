"""``Idempotency-Key`` on creating POSTs, after the IETF draft
(draft-ietf-httpapi-idempotency-key-header).

- The first call with a key claims it: a row (caller, key) is inserted and committed in its
  own transaction *before* the work starts.
- The work and the recording of its response happen in one transaction: the stored
  response exists if and only if the work was done.
- A retry with the same key and the same body gets the first response again
  (``Idempotent-Replayed: true``) and creates nothing; the same key with another body (or on
  another endpoint) → 422; a retry while the first call is still running → 409.
- Keys are scoped to the caller and forgotten after ``TTL`` (24 hours). A call that failed
  (an error response, or a crash) releases its key so that it can be retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from ..models import IdempotencyKey, IdempotencyStatus
from .problems import Problem

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
# A claim older than this whose call never finished belongs to a process that died: the
# work was rolled back with it, so a retry may take the key over.
ABANDONED_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location",)


class _LostClaim(Problem):
    pass


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


def _claim(caller: str, key: str, print_: str) -> tuple[IdempotencyKey, Response | None]:
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    caller=caller, key=key, fingerprint=print_, expires_at=now + TTL
                )
            return record, None
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(caller=caller, key=key).first()
        if existing is None:
            continue  # released in the meantime: claim it again
        if existing.expires_at <= now:
            IdempotencyKey.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
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
            return existing, _replay(existing)
        if existing.created_at < now - ABANDONED_AFTER:
            taken = IdempotencyKey.objects.filter(
                pk=existing.pk,
                status=IdempotencyStatus.IN_PROGRESS,
                created_at=existing.created_at,
            ).update(created_at=now)
            if taken:
                return existing, None
            continue
        raise Problem(
            409,
            _(
                "Une requête avec cette clé Idempotency-Key est encore en cours de traitement. "
                "Réessayez dans un instant."
            ),
            type_="urn:victo:problem:idempotency-in-progress",
        )
    raise Problem(
        409,
        _("Cette clé Idempotency-Key est en cours d’utilisation."),
        type_="urn:victo:problem:idempotency-in-progress",
    )


def _release(record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, status=IdempotencyStatus.IN_PROGRESS).delete()


def idempotent(request: Request, caller: str, work: Callable[[], Response]) -> Response:
    """Run ``work`` at most once per (caller, Idempotency-Key); without the header, just run."""
    key = _key_from(request)
    if key is None:
        return work()
    record, replay = _claim(caller, key, fingerprint(request))
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            response = work()
            if 200 <= response.status_code < 300:
                updated = IdempotencyKey.objects.filter(
                    pk=record.pk, status=IdempotencyStatus.IN_PROGRESS
                ).update(
                    status=IdempotencyStatus.COMPLETED,
                    response_status=response.status_code,
                    response_body=json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False),
                    response_headers={
                        name: response[name] for name in REPLAYED_HEADERS if name in response
                    },
                )
                if not updated:  # another process took the key over: let it win
                    raise _LostClaim(
                        409,
                        _("Cette clé Idempotency-Key est en cours d’utilisation."),
                        type_="urn:victo:problem:idempotency-in-progress",
                    )
    except _LostClaim:
        raise
    except BaseException:
        _release(record)
        raise
    if not 200 <= response.status_code < 300:
        _release(record)
    return response
