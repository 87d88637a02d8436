"""Writes of the desk's own data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import AccessLog, AccessWhat

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.service_requests.models import ServiceRequest


# Set by ``access.desk_view`` on a superuser in break-glass: the id of the access-log row
# where they stated their reason, named by each read that follows.
BREAK_GLASS_ATTR = "_victo_break_glass"
BREAK_GLASS_MIN_REASON = 15


def _detail(user: User, detail: str) -> str:
    opened = getattr(user, BREAK_GLASS_ATTR, None)
    if opened:
        prefix = str(_("accès d’urgence n° %(id)s") % {"id": opened})
        detail = f"{prefix} — {detail}" if detail else prefix
    return detail[:255]


@transaction.atomic
def break_glass_open(*, user: User, reason: str) -> AccessLog:
    """A superuser without a staff role states why they must read citizens' data; the
    statement is a row of the access log, and so is every read that follows."""
    reason = " ".join((reason or "").split())
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            {
                "reason": _("Expliquez le motif en au moins %(n)d caractères.")
                % {"n": BREAK_GLASS_MIN_REASON}
            }
        )
    return AccessLog.objects.create(user=user, what=AccessWhat.BREAK_GLASS, detail=reason[:255])


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
        user=user, what=what, request=request, citizen_id=citizen_id, detail=_detail(user, detail)
    )


def access_log_record_many(
    *, user: User, what: str, requests: Iterable[ServiceRequest], detail: str = ""
) -> int:
    """One row per request shown at once (an export), in one query."""
    detail = _detail(user, detail)
    rows = [
        AccessLog(user=user, what=what, request=r, citizen_id=r.citizen_id, detail=detail)
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
            detail=_detail(user, query),
        )
        for citizen_id in citizen_ids
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)
