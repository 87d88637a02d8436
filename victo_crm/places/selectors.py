from __future__ import annotations

from django.db.models import QuerySet

from victo_crm.core.config_cache import memoized
from victo_crm.core.text import fold

from .geometry import Point
from .models import Address, Zone, ZoneKind


def all_zones() -> list[Zone]:
    """Every zone, kept in memory between changes (a town has dozens, read by every
    submission); the instances are shared, never change them."""
    return memoized("places:zones", _load_zones)


def _load_zones() -> list[Zone]:
    zones = list(Zone.objects.all())
    for zone in zones:
        zone.shape  # noqa: B018 - parsed once here, not by concurrent readers
    return zones


def zones_containing(*, latitude: float, longitude: float) -> list[Zone]:
    """Zones whose polygon covers the point: their bounding box first, then shapely."""
    point = Point(longitude, latitude)
    return [
        zone
        for zone in all_zones()
        if zone.min_lon <= longitude <= zone.max_lon
        and zone.min_lat <= latitude <= zone.max_lat
        and zone.shape.covers(point)
    ]


def point_in_town(*, latitude: float, longitude: float, zones: list[Zone] | None = None) -> bool:
    """Inside the municipal boundary. Without a boundary zone configured, inside any district."""
    if zones is None:
        zones = zones_containing(latitude=latitude, longitude=longitude)
    kinds = {zone.kind for zone in zones}
    if any(zone.kind == ZoneKind.BOUNDARY for zone in all_zones()):
        return ZoneKind.BOUNDARY in kinds
    return ZoneKind.DISTRICT in kinds


def address_search(query: str, *, limit: int = 10) -> QuerySet[Address]:
    """Addresses whose folded text starts with or contains every word typed."""
    qs = Address.objects.all()
    for word in fold(query).replace(",", " ").split():
        qs = qs.filter(search_text__contains=word)
    return qs.order_by("street", "civic_number")[:limit]
