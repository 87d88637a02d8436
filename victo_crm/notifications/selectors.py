"""Reads of the outbox: rules that apply to a request, a citizen's inbox, a request's
deliveries for the staff page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from victo_crm.core.config_cache import memoized

from .models import Notification, NotificationChannel, NotificationRule, NotificationStatus

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
    """Every delivery of a request with its status and failure reason, for the staff page."""
    return (
        Notification.objects.filter(request=request)
        .select_related("recipient", "rule")
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
