"""Writes of the desk's own data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .models import AccessLog, AccessWhat

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.service_requests.models import ServiceRequest


def access_log_record(
    *,
    user: User,
    what: str,
    request: ServiceRequest | None = None,
    citizen_id: int | None = None,
    detail: str = "",
) -> AccessLog:
    """Record that ``user`` was shown a citizen's personal data."""
    if request is not None and citizen_id is None:
        citizen_id = request.citizen_id
    return AccessLog.objects.create(
        user=user, what=what, request=request, citizen_id=citizen_id, detail=detail[:255]
    )


def access_log_record_many(
    *, user: User, what: str, requests: Iterable[ServiceRequest], detail: str = ""
) -> int:
    """One row per request shown at once (an export), in one query."""
    rows = [
        AccessLog(user=user, what=what, request=r, citizen_id=r.citizen_id, detail=detail[:255])
        for r in requests
    ]
    AccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def access_log_citizen_search(*, user: User, query: str, citizen_ids: Iterable[int]) -> int:
    rows = [
        AccessLog(
            user=user,
            what=AccessWhat.CITIZEN_SEARCH,
            citizen_id=citizen_id,
            detail=query[:255],
        )
        for citizen_id in citizen_ids
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)
