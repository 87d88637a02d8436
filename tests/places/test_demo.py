"""The demonstration town: real street names of Victoriaville on invented geometry."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.db.models import Count, Q
from shapely.geometry import shape
from shapely.ops import unary_union

from victo_crm.places.demo import DATA_DIR, load_demo_places
from victo_crm.places.models import Address, Zone, ZoneKind


def zones_in_file(name: str) -> list:
    with (DATA_DIR / name).open(encoding="utf-8") as stream:
        return [shape(f["geometry"]) for f in json.load(stream)["features"]]


@pytest.mark.parametrize("name", ["districts.geojson", "collection_sectors.geojson"])
def test_districts_and_sectors_tile_the_boundary(name: str):
    (boundary,) = zones_in_file("boundary.geojson")
    tiles = zones_in_file(name)

    assert all(tile.is_valid for tile in tiles)
    assert unary_union(tiles).symmetric_difference(boundary).area < 1e-12
    assert sum(tile.area for tile in tiles) == pytest.approx(boundary.area, rel=1e-9)


def test_the_boundary_stays_within_the_limits_of_victoriaville():
    (boundary,) = zones_in_file("boundary.geojson")
    min_lon, min_lat, max_lon, max_lat = boundary.bounds

    assert 46.00 <= min_lat < max_lat <= 46.12
    assert -72.03 <= min_lon < max_lon <= -71.87


def test_the_address_file_uses_many_streets_and_victoriaville_postal_codes():
    with (DATA_DIR / "addresses.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))

    assert len(rows) >= 2500
    assert len({row["street"] for row in rows}) >= 80
    assert {row["postal_code"][:3] for row in rows} <= {"G6P", "G6R", "G6S", "G6T"}


@pytest.mark.django_db
def test_loading_the_demo_places_builds_a_located_town_and_is_idempotent():
    started = time.monotonic()
    first = load_demo_places()
    elapsed = time.monotonic() - started

    assert elapsed < 20
    assert all(not report["rejected"] for report in first.values())
    assert Zone.objects.filter(kind=ZoneKind.BOUNDARY).count() == 1
    assert Zone.objects.filter(kind=ZoneKind.DISTRICT).count() == 8
    assert Zone.objects.filter(kind=ZoneKind.COLLECTION_SECTOR).count() >= 4
    addresses = Address.objects.count()
    assert addresses >= 2000
    assert Address.objects.values("street").distinct().count() >= 80

    counts = Address.objects.annotate(
        boundaries=Count("zones", filter=Q(zones__kind=ZoneKind.BOUNDARY)),
        districts=Count("zones", filter=Q(zones__kind=ZoneKind.DISTRICT)),
        sectors=Count("zones", filter=Q(zones__kind=ZoneKind.COLLECTION_SECTOR)),
    )
    assert not counts.exclude(boundaries=1, districts=1, sectors=1).exists()
    assert Zone.objects.filter(kind=ZoneKind.DISTRICT, addresses__isnull=True).count() == 0

    output = io.StringIO()
    second = load_demo_places(stdout=output)

    assert second["addresses"]["created"] == 0 and second["addresses"]["updated"] == 0
    assert all(r["created"] == 0 and r["updated"] == 0 for r in second.values())
    assert Address.objects.count() == addresses
    assert (
        Zone.objects.count() == 1 + 8 + Zone.objects.filter(kind=ZoneKind.COLLECTION_SECTOR).count()
    )
    assert "Adresses — créées\u00a0: 0, mises à jour\u00a0: 0" in output.getvalue()
