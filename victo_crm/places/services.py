"""Writes to the address registry and zones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .geometry import ZoneIndex
from .models import Address, Zone

BATCH = 2000


@transaction.atomic
def zone_save(*, zone: Zone) -> Zone:
    """Validate and save a zone, then recompute which addresses it covers."""
    zone.full_clean()
    zone.save()
    zone_recompute_addresses(zone=zone)
    return zone


@transaction.atomic
def zone_recompute_addresses(*, zone: Zone) -> int:
    through = Address.zones.through
    through.objects.filter(zone_id=zone.pk).delete()
    index = ZoneIndex([zone])
    candidates = Address.objects.filter(
        longitude__gte=zone.min_lon,
        longitude__lte=zone.max_lon,
        latitude__gte=zone.min_lat,
        latitude__lte=zone.max_lat,
    ).values_list("pk", "latitude", "longitude")
    rows = [
        through(address_id=pk, zone_id=zone.pk)
        for pk, lat, lon in candidates.iterator(chunk_size=BATCH)
        if index.zones_for(lat, lon)
    ]
    through.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@transaction.atomic
def addresses_locate(*, addresses: Iterable[Address] | None = None) -> int:
    """Recompute the zones of the given addresses (all of them when none are given)."""
    index = ZoneIndex(Zone.objects.all())
    through = Address.zones.through
    if addresses is None:
        through.objects.all().delete()
        addresses = Address.objects.only("pk", "latitude", "longitude").iterator(chunk_size=BATCH)
    else:
        addresses = list(addresses)
        through.objects.filter(address_id__in=[a.pk for a in addresses]).delete()
    rows: list[Any] = []
    for address in addresses:
        rows.extend(
            through(address_id=address.pk, zone_id=zone.pk)
            for zone in index.zones_for(address.latitude, address.longitude)
        )
    through.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def zone_delete(*, zone: Zone) -> None:
    zone.delete()
