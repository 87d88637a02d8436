"""Reads of the outbox: rules that apply to a request, a citizen's inbox, a request's
deliveries for the staff page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from victo_crm.core.config_cache import memoized

from .models import (
    DeliveryReceipt,
    Notification,
    NotificationChannel,
    NotificationRule,
    NotificationStatus,
)

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.service_requests.models import ServiceRequest


@dataclass
class RuleConditions:
    """A rule's filters as plain values, so an unsaved rule (the admin preview) is judged
    exactly like a saved one."""

    request_types: set[int] = field(default_factory=set)
    request_groups: set[int] = field(default_factory=set)
    states: set[int] = field(default_factory=set)
    zones: set[int] = field(default_factory=set)
    priorities: set[int] = field(default_factory=set)
    submission_channels: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, rule: NotificationRule) -> RuleConditions:
        return cls(
            request_types={o.pk for o in rule.request_types.all()},
            request_groups={o.pk for o in rule.request_groups.all()},
            states={o.pk for o in rule.states.all()},
            zones={o.pk for o in rule.zones.all()},
            priorities={int(p) for p in rule.priorities or []},
            submission_channels=set(rule.submission_channels or []),
        )

    def match(self, request: ServiceRequest, zone_ids: Iterable[int]) -> bool:
        return (
            (not self.request_types or request.request_type_id in self.request_types)
            and (not self.request_groups or request.request_type.group_id in self.request_groups)
            and (not self.states or request.state_id in self.states)
            and (not self.zones or bool(self.zones & set(zone_ids)))
            and (not self.priorities or request.priority in self.priorities)
            and (not self.submission_channels or request.channel in self.submission_channels)
        )


def _active_rules() -> dict[str, list[tuple[NotificationRule, RuleConditions]]]:
    by_event: dict[str, list[tuple[NotificationRule, RuleConditions]]] = {}
    rules = NotificationRule.objects.filter(is_active=True).prefetch_related(
        "request_types", "request_groups", "states", "zones"
    )
    for rule in rules:  # in the rules' order (event, order, pk)
        by_event.setdefault(rule.event, []).append((rule, RuleConditions.of(rule)))
    return by_event


def rules_for_request(*, event: str, request: ServiceRequest) -> list[NotificationRule]:
    """Active rules of the event whose conditions the request meets, in order.

    The rules and their conditions are kept in memory between changes (core.config_cache),
    since every submission and transition reads them; the request's zones are read only
    when a rule of the event filters on zones."""
    entries = memoized("notifications:rules", _active_rules).get(event, [])
    if not entries:
        return []
    zone_ids: list[int] = []
    if any(conditions.zones for _rule, conditions in entries):
        zone_ids = list(request.zones.values_list("pk", flat=True))
    return [rule for rule, conditions in entries if conditions.match(request, zone_ids)]


def inbox_for(user: User) -> QuerySet[Notification]:
    """The citizen's in-app notifications, newest first."""
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, status="sent"
    ).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()


def notifications_for_request(request: ServiceRequest) -> QuerySet[Notification]:
    """Every delivery of a request with its status and failure reason, for the staff page,
    with what last came back about each (``receipt_kind``, ``receipt_code``, ``receipt_at``:
    delivered, bounced; in the same statement, the page's query budget being tight)."""
    latest = DeliveryReceipt.objects.filter(notification=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )[:1]
    return (
        Notification.objects.filter(request=request)
        .select_related("recipient", "rule")
        .annotate(
            receipt_kind=Subquery(latest.values("kind")),
            receipt_code=Subquery(latest.values("status_code")),
            receipt_at=Subquery(latest.values("created_at")),
        )
        .order_by("-created_at", "-pk")
    )


def acknowledged_by_email(request: ServiceRequest) -> bool:
    """Whether the rules queued an e-mail to the requester about the request's filing (so
    the portal need not send a guest her tracking link separately)."""
    from .models import NotificationStatus

    return (
        Notification.objects.filter(
            request=request,
            kind="request_received",
            channel=NotificationChannel.EMAIL,
            address__iexact=request.contact_email,
        )
        .exclude(status=NotificationStatus.SKIPPED)
        .exists()
    )


def outbox_readiness() -> dict[str, object]:
    """For ``/readyz``: the age of the oldest message that is due and not sent yet (held
    ones — quiet hours, a retry's back-off — count from when they became due). Older than
    ``VICTO_READY_OUTBOX_MAX_AGE_SECONDS``: delivery is stuck (a worker, the broker, a
    provider)."""
    now = timezone.now()
    oldest = (
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .aggregate(due=Min(Coalesce("not_before", "created_at")))["due"]
    )
    age = round((now - oldest).total_seconds()) if oldest else 0
    limit = float(settings.VICTO_READY_OUTBOX_MAX_AGE_SECONDS)
    return {"status": "ok" if age <= limit else "fail", "oldest_unsent_seconds": age}


# --- Delivery rates (the desk's dashboard) ----------------------------------------------------

RATE_WINDOWS = (7, 30)
# Delivery is known for a text from the provider's reports (when they come: the status
# callback is connected) and for an in-app message the moment it is in the inbox. Nobody
# reports an e-mail's or a push's delivery (a DSN of success is never asked for): None.


@dataclass
class ChannelRates:
    channel: str
    sent: int = 0
    delivered: int | None = None
    refused: int = 0  # failed at sending: refused, or given up after the retries
    bounced: int = 0  # sent, then reported not delivered
    complaints: int = 0

    @property
    def failed(self) -> int:
        return self.refused + self.bounced

    @property
    def attempted(self) -> int:
        return self.sent + self.refused

    @staticmethod
    def _percent(part: int | None, whole: int) -> float | None:
        return round(100 * part / whole, 1) if part is not None and whole else None

    @property
    def delivered_rate(self) -> float | None:
        return self._percent(self.delivered, self.sent)

    @property
    def failed_rate(self) -> float | None:
        return self._percent(self.failed, self.attempted)

    @property
    def complaint_rate(self) -> float | None:
        return self._percent(self.complaints, self.sent)


def delivery_rates(*, now: datetime | None = None) -> dict[int, list[ChannelRates]]:
    """Per window (7 and 30 days) and channel, the messages written in that window: sent,
    delivered (where known), failed (refused at sending, given up, or reported not
    delivered: an e-mail's hard bounce, a text the provider reports undelivered or failed),
    complaints. Two grouped queries, whatever the size of the outbox: one over the outbox
    through its ``created_at`` index, one over the receipts."""
    from .models import DeliveryReceipt

    now = now or timezone.now()
    since = {days: now - timedelta(days=days) for days in RATE_WINDOWS}
    oldest = since[max(RATE_WINDOWS)]
    sent, failed = NotificationStatus.SENT, NotificationStatus.FAILED
    counts = {
        f"{name}_{days}": Count("id", filter=Q(status=status, created_at__gte=since[days]))
        for days in RATE_WINDOWS
        for name, status in (("sent", sent), ("failed", failed))
    }
    table: dict[int, dict[str, ChannelRates]] = {
        days: {c: ChannelRates(channel=c) for c in NotificationChannel.values}
        for days in RATE_WINDOWS
    }
    for row in (
        Notification.objects.filter(created_at__gte=oldest)
        .values("channel")
        .annotate(**counts)
        .order_by()
    ):
        for days in RATE_WINDOWS:
            rates = table[days].get(row["channel"])
            if rates is not None:
                rates.sent = row[f"sent_{days}"]
                rates.refused = row[f"failed_{days}"]
    Kind = DeliveryReceipt.Kind
    # A text reported undelivered (even "temporarily") is not retried by the provider: that
    # message did not arrive. An e-mail's soft bounce may still be delivered later.
    not_delivered = Q(kind=Kind.HARD_BOUNCE) | Q(
        kind=Kind.SOFT_BOUNCE, notification__channel=NotificationChannel.SMS
    )
    receipts = {
        f"{name}_{days}": Count(
            "notification",
            distinct=True,
            filter=condition & Q(notification__created_at__gte=since[days]),
        )
        for days in RATE_WINDOWS
        for name, condition in (
            ("delivered", Q(kind=Kind.DELIVERED)),
            ("bounced", not_delivered),
            ("complaints", Q(kind=Kind.COMPLAINT)),
        )
    }
    for row in (
        DeliveryReceipt.objects.filter(notification__created_at__gte=oldest)
        .values("notification__channel")
        .annotate(**receipts)
        .order_by()
    ):
        for days in RATE_WINDOWS:
            rates = table[days].get(row["notification__channel"])
            if rates is None:
                continue
            rates.bounced = row[f"bounced_{days}"]
            rates.complaints += row[f"complaints_{days}"]
            if rates.channel == NotificationChannel.SMS:
                rates.delivered = row[f"delivered_{days}"]
    for days in RATE_WINDOWS:
        for rates in table[days].values():
            if rates.channel == NotificationChannel.IN_APP:
                rates.delivered = rates.sent
    return {days: list(table[days].values()) for days in RATE_WINDOWS}
