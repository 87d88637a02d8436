"""SLA warnings and breaches: the periodic scan that turns due dates into ``sla_warning``
and ``sla_breached`` notifications, through the same rules as every other event.

A request is announced once per kind and due date: an ``SlaAlert`` row is written in the
transaction of its outbox rows, and the scan skips requests that have one for their current
due date. Rerunning the scan (beat every ``VICTO_SLA_SCAN_INTERVAL_SECONDS``), two scans at
once or a retried task therefore send nothing twice, while a new due date (the clock paused
and resumed) may warn again.

The scan reads only a window of due dates — the next few hours for warnings, the last
``VICTO_SLA_BREACH_LOOKBACK_HOURS`` for breaches — through the index on ``due_at``, in
batches, so its cost follows the number of requests near their due date, not the size of
the table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import RuleEvent, SlaAlert
from .services import outbox_for_request

logger = logging.getLogger(__name__)

WARNING = RuleEvent.SLA_WARNING.value
BREACHED = RuleEvent.SLA_BREACHED.value


@dataclass
class SlaScanReport:
    warnings: int = 0
    breaches: int = 0
    notifications: int = 0


def warning_window(sla_hours: int | None) -> timedelta:
    """How long before its due date a request is announced as "due soon".

    ``VICTO_SLA_WARNING_HOURS`` at most, and no more than ``VICTO_SLA_WARNING_FRACTION`` of
    the type's target, so a four-hour target does not warn the moment it is filed.
    """
    hours = float(settings.VICTO_SLA_WARNING_HOURS)
    if sla_hours:
        hours = min(hours, float(settings.VICTO_SLA_WARNING_FRACTION) * sla_hours)
    return timedelta(hours=max(hours, 0.0))


def _running_clock() -> Q:
    """Open requests whose SLA clock runs."""
    return Q(
        closed_at__isnull=True,
        sla_paused_at__isnull=True,
        state__is_final=False,
        state__sla_running=True,
    )


def _candidates(
    kind: str, low: datetime, high: datetime, batch: int
) -> Iterator[list[tuple[int, datetime, int | None]]]:
    """(id, due date, type's target) of running requests due in (low, high] that were not
    yet announced for that due date, by due date, a batch at a time (keyset pagination, so
    a request skipped in a batch is not read again in this run)."""
    from victo_crm.service_requests.models import ServiceRequest

    announced = SlaAlert.objects.filter(
        request_id=OuterRef("pk"), kind=kind, due_at=OuterRef("due_at")
    )
    base = (
        ServiceRequest.objects.filter(_running_clock(), due_at__gt=low, due_at__lte=high)
        .filter(~Exists(announced))
        .order_by("due_at", "pk")
        .values_list("pk", "due_at", "request_type__sla_hours")
    )
    after: tuple[datetime, int] | None = None
    while True:
        qs = base
        if after is not None:
            qs = qs.filter(Q(due_at__gt=after[0]) | Q(due_at=after[0], pk__gt=after[1]))
        rows = [(pk, due, hours) for pk, due, hours in qs[:batch] if due is not None]
        if not rows:
            return
        yield rows
        after = (rows[-1][1], rows[-1][0])
        if len(rows) < batch:
            return


def _announce(request_id: int, due_at: datetime, kind: str) -> int | None:
    """Write the marker and the outbox rows of one announcement in one transaction.

    Returns the number of notifications written, or None when there was nothing to announce
    any more (the request changed since it was read, or another scan announced it).
    """
    from victo_crm.service_requests.models import ServiceRequest

    with transaction.atomic():
        # Lock the request so a transition (which updates the row) cannot close it or pause
        # its clock between this check and the outbox rows.
        still_due = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .filter(_running_clock(), pk=request_id, due_at=due_at)
            .values_list("pk", flat=True)
        )
        if not list(still_due):
            return None
        _, created = SlaAlert.objects.get_or_create(request_id=request_id, kind=kind, due_at=due_at)
        if not created:
            return None
        request = ServiceRequest.objects.select_related(
            "request_type", "state", "team", "citizen", "assignee"
        ).get(pk=request_id)
        stamp = int(due_at.timestamp())
        rows = outbox_for_request(request=request, kind=kind, key=f"{kind}:r{request_id}:{stamp}")
        return len(rows)


def sla_scan(*, now: datetime | None = None) -> SlaScanReport:
    """Announce the requests that reached their warning window or their due date."""
    now = now or timezone.now()
    batch = max(int(settings.VICTO_SLA_SCAN_BATCH), 1)
    lookback = timedelta(hours=float(settings.VICTO_SLA_BREACH_LOOKBACK_HOURS))
    report = SlaScanReport()

    for rows in _candidates(BREACHED, now - lookback, now, batch):
        for request_id, due_at, _sla_hours in rows:
            written = _announce(request_id, due_at, BREACHED)
            if written is not None:
                report.breaches += 1
                report.notifications += written

    widest = warning_window(None)
    for rows in _candidates(WARNING, now, now + widest, batch):
        for request_id, due_at, sla_hours in rows:
            if due_at - now > warning_window(sla_hours):
                continue  # not yet: this type warns closer to its due date
            written = _announce(request_id, due_at, WARNING)
            if written is not None:
                report.warnings += 1
                report.notifications += written
    if report.warnings or report.breaches:
        logger.info(
            "SLA scan: %d warnings, %d breaches, %d notifications",
            report.warnings,
            report.breaches,
            report.notifications,
        )
    return report
