"""Reads of alerts: who is in a notice's area, a citizen's subscriptions, active notices."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.utils import timezone

from victo_crm.core.text import fold
from victo_crm.notifications.models import NotificationChannel
from victo_crm.notifications.preferences import PreferenceBook, among
from victo_crm.places.geometry import bbox_around, distance_m
from victo_crm.places.models import Address

from .models import AreaKind, Notice, NoticePolicy, NoticeStatus, Severity, Subscription

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

EVERY_CHANNEL = [
    NotificationChannel.EMAIL.value,
    NotificationChannel.IN_APP.value,
    NotificationChannel.SMS.value,
    NotificationChannel.PUSH.value,
]
PUBLISH_TOWNWIDE = "alerts.publish_townwide_notice"


def area_addresses(notice: Notice) -> QuerySet[Address]:
    """The registry addresses inside the notice's area."""
    if notice.area_kind == AreaKind.TOWN:
        return Address.objects.all()
    if notice.area_kind == AreaKind.ZONES:
        if notice.pk is None:
            return Address.objects.none()
        return Address.objects.filter(zones__in=notice.zones.all()).distinct()
    if notice.area_kind == AreaKind.STREETS:
        wanted = {fold(street) for street in notice.street_list()}
        streets = [
            s
            for s in Address.objects.values_list("street", flat=True).distinct()
            if fold(s) in wanted
        ]
        return Address.objects.filter(street__in=streets)
    if notice.latitude is None or notice.longitude is None or not notice.radius_m:
        return Address.objects.none()
    min_lat, max_lat, min_lon, max_lon = bbox_around(
        notice.latitude, notice.longitude, notice.radius_m
    )
    inside = [
        pk
        for pk, lat, lon in Address.objects.filter(
            latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon)
        ).values_list("pk", "latitude", "longitude")
        if distance_m(notice.latitude, notice.longitude, lat, lon) <= notice.radius_m
    ]
    return Address.objects.filter(pk__in=inside)


def audience_subscriptions(notice: Notice) -> QuerySet[Subscription]:
    """Subscriptions the notice reaches: those of its topic in its area, or, for an
    emergency, every active subscription in the area whatever its topic."""
    qs = Subscription.objects.filter(
        is_active=True, address__in=area_addresses(notice).values("pk"), user__is_active=True
    )
    if not notice.is_emergency:
        qs = qs.filter(topic=notice.topic)
    return qs


def notice_audience_count(notice: Notice) -> int:
    """How many people the notice will reach (shown before sending)."""
    return audience_subscriptions(notice).values("user_id").distinct().count()


def notice_is_broad(
    notice: Notice, *, audience: int | None = None, policy: NoticePolicy | None = None
) -> bool:
    """Whether publishing the notice needs the permission ``publish_townwide_notice``: an
    emergency (every subscriber of the area, every channel, past quiet hours), a notice to
    the whole town, one whose area covers every address of the registry however it is
    drawn (every zone, a radius round the town), or, when the policy sets a threshold, one
    that reaches at least that many people."""
    if notice.is_emergency or notice.area_kind == AreaKind.TOWN:
        return True
    policy = policy or NoticePolicy.current()
    if policy.broad_audience_from is not None:
        if audience is None:
            audience = notice_audience_count(notice)
        if audience >= policy.broad_audience_from:
            return True
    everywhere = Address.objects.count()
    return bool(everywhere) and area_addresses(notice).count() >= everywhere


def may_publish_broad(user: User) -> bool:
    return user.has_perm(PUBLISH_TOWNWIDE)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    language: str
    channels: tuple[str, ...]


def notice_recipients(
    notice: Notice, user_ids: Sequence[int], base: QuerySet[Subscription] | None = None
) -> list[Recipient]:
    """Who among ``user_ids`` (people of the notice's audience) gets the notice, on which
    channels, in which language: their subscriptions' channels (every channel for an
    emergency), less what their preferences, consents, means and unsubscribes refuse. The
    fan-out writes exactly these; the confirmation page counts them."""
    if not user_ids:
        return []
    from victo_crm.accounts.models import User

    base = audience_subscriptions(notice) if base is None else base
    emergency = notice.is_emergency
    topic = notice.topic.preference_topic
    chosen: dict[int, set[str]] = defaultdict(set)
    if emergency:
        for uid in user_ids:
            chosen[uid] = set(EVERY_CHANNEL)
    else:
        for uid, channels in base.filter(among("user_id", user_ids)).values_list(
            "user_id", "channels"
        ):
            chosen[uid].update(channels or [])
    people = {
        pk: (email, lang)
        for pk, email, lang in User.objects.filter(among("pk", user_ids)).values_list(
            "pk", "email", "preferred_language"
        )
    }
    book = PreferenceBook.load(user_ids, (email for email, _lang in people.values()))
    recipients = []
    for uid in user_ids:
        email, language = people[uid]
        channels = tuple(
            channel
            for channel in sorted(chosen[uid])
            if not book.refusal_code(
                user_id=uid,
                email=email,
                topic=topic,
                channel=channel,
                is_emergency=emergency,
                subscribed=True,
            )
        )
        recipients.append(
            Recipient(uid, email, language if language in ("fr", "en") else "fr", channels)
        )
    return recipients


def notice_channel_counts(notice: Notice, *, chunk: int = 5000) -> dict[str, int]:
    """How many messages the notice's fan-out would write on each channel now, by the rule
    the fan-out itself applies (``notice_recipients``), read in chunks of people."""
    counts: Counter[str] = Counter()
    base = audience_subscriptions(notice)
    after = 0
    while True:
        user_ids = list(
            base.filter(user_id__gt=after)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:chunk]
        )
        if not user_ids:
            break
        for recipient in notice_recipients(notice, user_ids, base):
            counts.update(recipient.channels)
        after = user_ids[-1]
    return {channel: counts[channel] for channel in EVERY_CHANNEL}


def pending_notices() -> QuerySet[Notice]:
    """Notices waiting for a second person's approval, oldest request first."""
    return (
        Notice.objects.filter(status=NoticeStatus.PENDING)
        .select_related("topic", "requested_by")
        .order_by("requested_at", "pk")
    )


def subscriptions_for(user: Any) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(user=user, is_active=True)
        .select_related("topic", "address")
        .order_by("topic__order", "address__street", "address__civic_number")
    )


def active_notices(*, at: datetime | None = None) -> QuerySet[Notice]:
    """Published notices in force now: for the portal, the API and the public page."""
    now = at or timezone.now()
    return (
        # In force from its publication, while it is still being sent to its audience.
        Notice.objects.filter(
            status__in=[NoticeStatus.PUBLISHING, NoticeStatus.PUBLISHED], starts_at__lte=now
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gte=now))
        .select_related("topic")
        .annotate(
            rank=Case(
                When(severity=Severity.EMERGENCY, then=0), default=1, output_field=IntegerField()
            )
        )
        .order_by("rank", "-starts_at")
    )


def notice_covers(notice: Notice, address: Address, zone_ids: set[int]) -> bool:
    """Whether ``address`` (in the zones ``zone_ids``) lies in the area of a saved notice:
    the test ``area_addresses`` makes on the whole registry, made on one address in memory.
    ``notice.zones`` is best prefetched."""
    if notice.area_kind == AreaKind.TOWN:
        return True
    if notice.area_kind == AreaKind.ZONES:
        return any(zone.pk in zone_ids for zone in notice.zones.all())
    if notice.area_kind == AreaKind.STREETS:
        return fold(address.street) in {fold(street) for street in notice.street_list()}
    if notice.latitude is None or notice.longitude is None or not notice.radius_m:
        return False
    return (
        distance_m(notice.latitude, notice.longitude, address.latitude, address.longitude)
        <= notice.radius_m
    )


def active_notices_for_address(address: Address, *, at: datetime | None = None) -> list[Notice]:
    """Notices in force whose area covers the address: two reads, whatever their number."""
    zone_ids = set(address.zones.values_list("pk", flat=True))
    return [
        notice
        for notice in active_notices(at=at).prefetch_related("zones")
        if notice_covers(notice, address, zone_ids)
    ]
