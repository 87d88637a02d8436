"""``Idempotency-Key`` on creating POSTs, after the IETF draft
(draft-ietf-httpapi-idempotency-key-header).

- The call holds the key for its whole transaction, checks what was answered under it
  before, does the work and stores its response as a receipt, all in one transaction
  (``service_requests.receipts``, which the portal's resent forms use too): the stored
  response exists if and only if the work was done.
- A retry with the same key and the same body gets the first response again
  (``Idempotent-Replayed: true``) and creates nothing; the same key with another body (or on
  another endpoint) → 422; a retry while the first call is still running → 409.
- Keys are scoped to the caller and forgotten after ``ttl()`` (``VICTO_RETENTION_IDEMPOTENCY_HOURS``,
  24 by default; ``privacy.purge`` deletes the expired receipts). A call that failed
  (an error response, or a crash) stores nothing, so that it can be retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from victo_crm.service_requests.receipts import Receipt, ReceiptBusy, ReceiptMismatch, receipt_once

from .problems import Problem

HEADER = "Idempotency-Key"


def ttl() -> timedelta:
    """How long a response is kept for replay (it holds the caller's data, so not forever)."""
    return settings.VICTO_RETENTION["idempotency_records"]


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


def _replay(receipt: Receipt) -> Response:
    return Response(
        json.loads(receipt.response_body) if receipt.response_body else None,
        status=receipt.response_status or 200,
        headers={**receipt.response_headers, "Idempotent-Replayed": "true"},
    )


def _kept(response: Response) -> dict[str, Any] | None:
    """What the receipt keeps of a success to replay it; nothing of an error."""
    if not 200 <= response.status_code < 300:
        return None
    return {
        "response_status": response.status_code,
        "response_body": json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False),
        "response_headers": {name: response[name] for name in REPLAYED_HEADERS if name in response},
    }


def idempotent(request: Request, caller: str, work: Callable[[], Response]) -> Response:
    """Run ``work`` at most once per (caller, Idempotency-Key); without the header, just run.

    The check, the work and the receipt of its response are one transaction
    (``service_requests.receipts``): a call that fails (an error response, an exception, a
    crash) leaves nothing behind, so it can be retried."""
    key = _key_from(request)
    if key is None:
        return work()
    try:
        outcome = receipt_once(
            scope=caller,
            key=key,
            fingerprint=fingerprint(request),
            lifetime=ttl(),
            wait=False,
            work=work,
            result=_kept,
        )
    except ReceiptBusy:
        raise Problem(
            409,
            _(
                "Une requête avec cette clé Idempotency-Key est encore en cours de traitement. "
                "Réessayez dans un instant."
            ),
            type_="urn:victo:problem:idempotency-in-progress",
        ) from None
    except ReceiptMismatch:
        raise Problem(
            422,
            _(
                "Cette clé Idempotency-Key a déjà servi pour une autre requête : "
                "utilisez une nouvelle clé pour un nouveau contenu."
            ),
            type_="urn:victo:problem:idempotency-key-reused",
        ) from None
    return _replay(outcome) if isinstance(outcome, Receipt) else outcome
