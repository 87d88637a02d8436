from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import Abs

from victo_crm.core.config_cache import memoized
from victo_crm.core.statements import Prepared
from victo_crm.core.text import CIVIC, STREET_TYPES, address_words

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


def address_search(query: str, *, limit: int = 10) -> list[Address]:
    """Addresses matching what is typed, the exact civic number first.

    The query is read the way people write an address (see ``address_words``: comma or
    not, "E." or "Est", "boul." or "boulevard", accents or not). Each word must begin a word
    of the address. A leading number is the civic number: the addresses with exactly that
    number come first (that number and suffix before its other suffixes and units), then,
    for the autocomplete, those whose number merely begins with it."""
    parsed = _parse(query)
    if parsed is None:
        return []
    civic, suffix, words = parsed
    found: list[Address] = []
    for qs in _tiers(civic, suffix, words):
        found += [a for a in qs[: limit - len(found)] if a not in found]
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class AddressMatch:
    """What a query resolves to: one address, or the candidates to choose from.

    ``number_missing`` says the street matched but not the civic number: the candidates are
    then that street's addresses nearest to the number typed."""

    address: Address | None
    candidates: list[Address]
    number_missing: bool = False


def address_resolve(query: str, *, limit: int = 8) -> AddressMatch:
    """The one address a query names, for forms that need exactly one: the exact civic
    number only (never "10" for "1"); when several share it, they are the candidates."""
    parsed = _parse(query)
    if parsed is None:
        return AddressMatch(None, [])
    civic, suffix, words = parsed
    if civic is None:
        candidates = address_search(query, limit=limit)
        if len(candidates) == 1:
            return AddressMatch(candidates[0], [])
        return AddressMatch(None, candidates)
    for words_tried in _with_and_without_street_type(words):
        exact = _matching(words_tried).filter(civic_number=civic)
        if suffix:
            exact = exact.filter(civic_suffix__iexact=suffix)
        matches = list(exact.order_by("street", "civic_suffix", "unit")[: limit + 1])
        if suffix == "" and len(matches) > 1:
            # "4" names 4 itself when 4 and 4A both exist; units stay a choice.
            plain = [a for a in matches if a.civic_suffix == "" and a.unit == ""]
            if len(plain) == 1:
                return AddressMatch(plain[0], [])
        if len(matches) == 1:
            return AddressMatch(matches[0], [])
        if matches:
            return AddressMatch(None, matches[:limit])
    # No such number: offer the street's addresses nearest to it.
    for words_tried in _with_and_without_street_type(words):
        if not words_tried:
            break
        nearest: list[Address] = list(
            _matching(words_tried).order_by(
                Abs(F("civic_number") - civic), "street", "civic_number", "civic_suffix", "unit"
            )[:limit]
        )
        if nearest:
            return AddressMatch(None, nearest, number_missing=True)
    return AddressMatch(None, [])


def _parse(query: str) -> tuple[int | None, str, list[str]] | None:
    words = address_words((query or "")[:200])
    if not words:
        return None
    number = CIVIC.match(words[0])
    if number is None:
        return None, "", words
    suffix = number.group(2)
    rest = words[1:]
    if not suffix and rest and len(rest[0]) == 1 and rest[0].isalpha():
        suffix, rest = rest[0], rest[1:]  # "4 A rue ..."
    return int(number.group(1)), suffix, rest


def _matching(words: list[str]) -> QuerySet[Address]:
    """Addresses in which each word begins a word (search_text is address_words joined)."""
    qs = Address.objects.all()
    for word in words:
        qs = qs.filter(Q(search_text__startswith=word) | Q(search_text__contains=f" {word}"))
    return qs


def _with_and_without_street_type(words: list[str]) -> list[list[str]]:
    """The words as typed, then without "rue"/"avenue"... when the type was mistyped."""
    plain = [w for w in words if w not in STREET_TYPES]
    return [words, plain] if plain != words else [words]


def _tiers(civic: int | None, suffix: str, words: list[str]) -> list[QuerySet[Address]]:
    order = ("street", "civic_number", "civic_suffix", "unit")
    tiers: list[QuerySet[Address]] = []
    for words_tried in _with_and_without_street_type(words):
        qs = _matching(words_tried)
        if civic is None:
            tiers.append(qs.order_by(*order))
            continue
        if suffix:
            tiers.append(
                qs.filter(civic_number=civic, civic_suffix__iexact=suffix).order_by(*order)
            )
        tiers.append(qs.filter(civic_number=civic).order_by(*order))
        # The number typed so far begins the civic number (search_text starts with it).
        prefix = qs.filter(search_text__startswith=f"{civic}{suffix}")
        tiers.append(prefix.order_by(*order))
    return tiers


# How far a pin may be from a registry address for the address to name its place ("près de
# 100, rue Alexandre"): past a street block, the nearest address would mislead more than help.
NEAREST_ADDRESS_METRES = 150
_METRES_PER_DEGREE = 111_320.0


def _nearest(
    latitude: float,
    longitude: float,
    scale: float,
    south: float,
    north: float,
    west: float,
    east: float,
) -> QuerySet[Address]:
    dy = F("latitude") - latitude
    dx = (F("longitude") - longitude) * scale
    return (
        Address.objects.filter(latitude__range=(south, north), longitude__range=(west, east))
        .annotate(distance2=ExpressionWrapper(dy * dy + dx * dx, output_field=FloatField()))
        .order_by("distance2", "pk")[:1]
    )


# Every submission by a pin names its place: compiled once (core/statements.py).
NEAREST = Prepared(_nearest)


def nearest_address(
    *, latitude: float, longitude: float, within: float = NEAREST_ADDRESS_METRES
) -> Address | None:
    """The registry address nearest a point, if one is within ``within`` metres.

    A bounded nearest-neighbour search: the (latitude, longitude) index narrows the rows to
    a small box around the point, and only those few are ordered by (flat-earth) distance,
    which at a town's scale is exact to the metre."""
    scale = math.cos(math.radians(latitude))
    dlat = within / _METRES_PER_DEGREE
    dlon = within / (_METRES_PER_DEGREE * max(scale, 0.01))
    found_rows = NEAREST.objects(
        latitude,
        longitude,
        scale,
        latitude - dlat,
        latitude + dlat,
        longitude - dlon,
        longitude + dlon,
    )
    found = found_rows[0] if found_rows else None
    if found is None:
        return None
    metres = math.hypot(
        (found.latitude - latitude) * _METRES_PER_DEGREE,
        (found.longitude - longitude) * scale * _METRES_PER_DEGREE,
    )
    return found if metres <= within else None
