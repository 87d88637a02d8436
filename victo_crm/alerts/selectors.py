"""Reads of alerts: who is in a notice's area, a citizen's subscriptions, active notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.utils import timezone

from victo_crm.core.text import fold
from victo_crm.places.geometry import bbox_around, distance_m
from victo_crm.places.models import Address

from .models import AreaKind, Notice, NoticeStatus, Severity, Subscription


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
