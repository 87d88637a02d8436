from __future__ import annotations

from django.db.models import QuerySet

from victo_crm.core.text import fold

from .geometry import Point
from .models import Address, Zone, ZoneKind


def zones_containing(*, latitude: float, longitude: float) -> list[Zone]:
    """Zones whose polygon covers the point: a bounding-box query, then shapely."""
    candidates = Zone.objects.filter(
        min_lon__lte=longitude, max_lon__gte=longitude, min_lat__lte=latitude, max_lat__gte=latitude
    )
    point = Point(longitude, latitude)
    return [zone for zone in candidates if zone.shape.covers(point)]


def point_in_town(*, latitude: float, longitude: float, zones: list[Zone] | None = None) -> bool:
    """Inside the municipal boundary. Without a boundary zone configured, inside any district."""
    if zones is None:
        zones = zones_containing(latitude=latitude, longitude=longitude)
    kinds = {zone.kind for zone in zones}
    if Zone.objects.filter(kind=ZoneKind.BOUNDARY).exists():
        return ZoneKind.BOUNDARY in kinds
    return ZoneKind.DISTRICT in kinds


def address_search(query: str, *, limit: int = 10) -> QuerySet[Address]:
    """Addresses whose folded text starts with or contains every word typed."""
    qs = Address.objects.all()
    for word in fold(query).replace(",", " ").split():
        qs = qs.filter(search_text__contains=word)
    return qs.order_by("street", "civic_number")[:limit]
