"""Reads of alerts: who is in a notice's area, a citizen's subscriptions, active notices."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.utils import timezone

from victo_crm.accounts.preferences import DEFAULTS
from victo_crm.core.text import fold
from victo_crm.notifications.models import NotificationChannel
from victo_crm.notifications.preferences import PreferenceBook
from victo_crm.places.geometry import bbox_around, distance_m
from victo_crm.places.models import Address

from .models import (
    PREFERENCE_TOPIC,
    AreaKind,
    Notice,
    NoticePolicy,
    NoticeStatus,
    Severity,
    Subscription,
)

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
    """Explicit subscriptions the notice reaches: those of its topic in its area, or, for an
    emergency, every active subscription in the area whatever its topic."""
    qs = Subscription.objects.filter(
        is_active=True, address__in=area_addresses(notice).values("pk"), user__is_active=True
    )
    if not notice.is_emergency:
        qs = qs.filter(topic=notice.topic)
    return qs


def _implicit_topics(notice: Notice) -> list[str]:
    """The preference topics that make a resident of the area part of the notice's audience:
    the notice's own, or, for an emergency, any alert topic (as an explicit subscription of
    any topic is reached by an emergency)."""
    if notice.is_emergency:
        return sorted({str(topic) for topic in PREFERENCE_TOPIC.values()})
    return [notice.topic.preference_topic]


def audience_residents(notice: Notice) -> QuerySet[Any]:
    """People whose profile address lies in the notice's area and who turned the notice's
    topic on (on at least one channel) in their communication preferences: their address
    and preferences are a subscription to their own area (implicit subscription)."""
    from victo_crm.accounts.models import CommunicationPreference, User

    topics = _implicit_topics(notice)
    residents = User.objects.filter(is_active=True, address__in=area_addresses(notice).values("pk"))
    if any(DEFAULTS.get((topic, channel)) for topic in topics for channel in EVERY_CHANNEL):
        return residents  # on by default: the preferences decide each channel later
    return residents.filter(
        pk__in=CommunicationPreference.objects.filter(topic__in=topics, enabled=True).values(
            "user_id"
        )
    )


def audience_chunk(notice: Notice, *, after: int, size: int) -> list[int]:
    """The next ``size`` people of the notice's audience (explicit subscribers and residents
    of the area, once each) whose id is above ``after``, in id order: the fan-out and the
    confirmation counts walk the audience with it."""
    subscribers = list(
        audience_subscriptions(notice)
        .filter(user_id__gt=after)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:size]
    )
    residents = list(
        audience_residents(notice)
        .filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    return sorted(set(subscribers) | set(residents))[:size]


def notice_audience_count(notice: Notice) -> int:
    """How many people the notice will reach (shown before sending): its subscribers in the
    area and the residents of the area who chose its topic, each counted once."""
    from victo_crm.accounts.models import User

    return (
        User.objects.filter(
            Q(pk__in=audience_subscriptions(notice).values("user_id"))
            | Q(pk__in=audience_residents(notice).values("pk"))
        )
        .distinct()
        .count()
    )


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


def notice_recipients(notice: Notice, user_ids: Sequence[int]) -> list[Recipient]:
    """Who among ``user_ids`` (people of the notice's audience, ``audience_chunk``) gets the
    notice, on which channels, in which language.

    A person's channels are those of her explicit subscriptions in the area, plus, when her
    profile address lies in the area (an implicit subscription to her own area), the
    channels she turned on for the notice's topic in her preferences; every channel for an
    emergency. Each channel once, whatever the number of subscriptions: one message per
    person per channel. Then her preferences, consents, means and unsubscribes refuse what
    they refuse. The fan-out writes exactly these; the confirmation page counts them."""
    if not user_ids:
        return []
    from victo_crm.accounts.models import User

    emergency = notice.is_emergency
    topic = notice.topic.preference_topic
    subscribed: dict[int, set[str]] = defaultdict(set)
    for uid, channels in (
        audience_subscriptions(notice)
        .filter(user_id__in=user_ids)
        .values_list("user_id", "channels")
    ):
        subscribed[uid].update(channels or [])
    residents = set(audience_residents(notice).filter(pk__in=user_ids).values_list("pk", flat=True))
    people = {
        pk: (email, lang)
        for pk, email, lang in User.objects.filter(pk__in=user_ids).values_list(
            "pk", "email", "preferred_language"
        )
    }
    book = PreferenceBook.load(user_ids, (email for email, _lang in people.values()))
    recipients = []
    for uid in user_ids:
        if uid not in people:
            continue
        email, language = people[uid]
        if emergency:
            chosen = set(EVERY_CHANNEL)
        else:
            chosen = set(subscribed[uid])
            if uid in residents:
                chosen.update(c for c in EVERY_CHANNEL if book.wants(uid, topic, c))
        channels = tuple(
            channel
            for channel in sorted(chosen)
            if not book.refusal_code(
                user_id=uid,
                email=email,
                topic=topic,
                channel=channel,
                is_emergency=emergency,
                # A channel of an explicit subscription is a choice only an explicit "no"
                # overrides; an implicit one is the preference itself.
                subscribed=channel in subscribed[uid],
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
    after = 0
    while user_ids := audience_chunk(notice, after=after, size=chunk):
        for recipient in notice_recipients(notice, user_ids):
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


@dataclass(frozen=True)
class AlertLine:
    """One line of "Vos alertes": a topic, where, and the channels it will come by."""

    topic: str
    where: str
    channels: tuple[str, ...]
    own_address: bool


def citizen_alerts(user: User) -> list[AlertLine]:
    """What alerts a citizen will receive, where and how: her own address for each alert
    topic she turned on in her preferences (the implicit subscription the notices and the
    collection reminders honour), then her explicit subscriptions. Channels her consents,
    means or unsubscribes would refuse are left out, as the sending leaves them out."""
    from victo_crm.accounts.models import Topic

    book = PreferenceBook.load([user.pk], [user.email])

    def sendable(topic: str, channels: Sequence[str], *, subscribed: bool) -> tuple[str, ...]:
        return tuple(
            channel
            for channel in EVERY_CHANNEL
            if channel in channels
            and not book.refusal_code(
                user_id=user.pk,
                email=user.email,
                topic=topic,
                channel=channel,
                subscribed=subscribed,
            )
        )

    lines = []
    if user.address is not None:
        where = user.address.label
        for topic in dict.fromkeys(PREFERENCE_TOPIC.values()):
            wanted = [c for c in EVERY_CHANNEL if book.wants(user.pk, topic, c)]
            channels = sendable(topic, wanted, subscribed=False)
            if channels:
                lines.append(AlertLine(str(Topic(topic).label), where, channels, True))
    for subscription in subscriptions_for(user):
        channels = sendable(
            subscription.topic.preference_topic, subscription.channels or [], subscribed=True
        )
        if channels:
            where = subscription.address.label
            if subscription.label:
                where = f"{subscription.label} — {where}"
            lines.append(AlertLine(subscription.topic.name, where, channels, False))
    return lines
