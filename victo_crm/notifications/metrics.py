"""The outbox and the SLA in Prometheus's terms (core/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from victo_crm.core.metrics import on_scrape

from .models import Notification, NotificationStatus, RuleEvent, SlaAlert

if TYPE_CHECKING:
    from .services import DeliveryReport

DELIVERIES = Counter(
    "victo_notification_deliveries",
    "Outbox rows a worker finished, by channel and outcome (sent, failed, retry: a "
    "temporary failure to try again, skipped: refused by preferences or suppression, held: "
    "quiet hours).",
    ["channel", "outcome"],
)


def count_deliveries(channel: str, report: DeliveryReport) -> None:
    for outcome in ("sent", "failed", "retry", "skipped", "held"):
        number = getattr(report, outcome)
        if number:
            DELIVERIES.labels(channel=channel, outcome=outcome).inc(number)


@on_scrape
def outbox() -> Iterable[Metric]:
    """Backlog and its age through the relay index (status, queued_at): the backlog is what
    is not yet finished, normally a few rows."""
    now = timezone.now()
    waiting = [NotificationStatus.PENDING, NotificationStatus.SENDING]
    backlog = GaugeMetricFamily(
        "victo_outbox_backlog",
        "Outbox rows not yet delivered (pending or being sent), by channel.",
        labels=["channel"],
    )
    for channel, count in (
        Notification.objects.filter(status__in=waiting)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        backlog.add_metric([channel], count)
    failed = GaugeMetricFamily(
        "victo_outbox_failed",
        "Outbox rows whose delivery failed for good (an operator may retry them), by channel.",
        labels=["channel"],
    )
    for channel, count in (
        Notification.objects.filter(status=NotificationStatus.FAILED)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        failed.add_metric([channel], count)
    oldest = Notification.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now),
        status=NotificationStatus.PENDING,
    ).aggregate(oldest=Min("created_at"))["oldest"]
    age = GaugeMetricFamily(
        "victo_outbox_oldest_pending_age_seconds",
        "Age of the oldest outbox row due and not yet sent (0 when none): a growing value "
        "means no worker delivers.",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )
    return [backlog, failed, age]


@on_scrape
def sla() -> Iterable[Metric]:
    from victo_crm.service_requests.models import ServiceRequest

    from .sla import _running_clock

    breaches = CounterMetricFamily(
        "victo_sla_breaches",
        "Due dates the SLA scan announced as missed (one per request and due date).",
        value=SlaAlert.objects.filter(kind=RuleEvent.SLA_BREACHED).count(),
    )
    overdue = GaugeMetricFamily(
        "victo_requests_overdue",
        "Open requests whose SLA clock runs and whose due date has passed.",
        value=ServiceRequest.objects.filter(_running_clock(), due_at__lt=timezone.now()).count(),
    )
    return [breaches, overdue]
