"""Which zones an address is in: point in polygon, kept current when zones change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.places.conftest import EAST, MONTREAL, WEST, polygon
from victo_crm.places.models import Address, Zone, ZoneKind
from victo_crm.places.services import addresses_locate, zone_save

DOWNTOWN_WITH_A_PARK = {  # a square with a square hole (the park) in the middle
    "type": "Polygon",
    "coordinates": [
        [[-71.97, 46.05], [-71.95, 46.05], [-71.95, 46.07], [-71.97, 46.07], [-71.97, 46.05]],
        [
            [-71.965, 46.055],
            [-71.955, 46.055],
            [-71.955, 46.065],
            [-71.965, 46.065],
            [-71.965, 46.055],
        ],
    ],
}
TWO_ISLANDS: dict[str, Any] = {
    "type": "MultiPolygon",
    "coordinates": [
        polygon(46.00, -72.03, 46.02, -72.01)["coordinates"],
        polygon(46.10, -71.89, 46.12, -71.87)["coordinates"],
    ],
}


def make_address(number: int, point: tuple[float, float]) -> Address:
    address = Address.objects.create(
        civic_number=number, street="rue Saint-Jean-Baptiste", latitude=point[0], longitude=point[1]
    )
    addresses_locate(addresses=[address])
    return address


def zone_names(address: Address) -> set[str]:
    return set(address.zones.values_list("code", flat=True))


def test_an_address_is_in_the_zones_that_cover_it(town: dict[str, Zone]):
    west, east = make_address(1, WEST), make_address(2, EAST)

    assert zone_names(west) == {"victoriaville", "ouest", "secteur-a"}
    assert zone_names(east) == {"victoriaville", "est", "secteur-a"}


def test_an_address_outside_town_is_in_no_zone(town: dict[str, Zone]):
    assert zone_names(make_address(1, MONTREAL)) == set()


def test_a_hole_in_a_polygon_is_outside_it(db: None):
    zone_save(
        zone=Zone(
            kind=ZoneKind.DISTRICT, code="centre", name="Centre", geometry=DOWNTOWN_WITH_A_PARK
        )
    )

    in_park = make_address(1, (46.06, -71.96))
    around_park = make_address(2, (46.052, -71.96))

    assert zone_names(in_park) == set()
    assert zone_names(around_park) == {"centre"}


def test_each_part_of_a_multipolygon_counts(db: None):
    zone_save(
        zone=Zone(
            kind=ZoneKind.WORKS_AREA, code="iles", name="Deux chantiers", geometry=TWO_ISLANDS
        )
    )

    assert zone_names(make_address(1, (46.01, -72.02))) == {"iles"}
    assert zone_names(make_address(2, (46.11, -71.88))) == {"iles"}
    assert zone_names(make_address(3, (46.06, -71.95))) == set()


def test_reshaping_a_zone_moves_its_addresses(town: dict[str, Zone]):
    west, east = make_address(1, WEST), make_address(2, EAST)
    district = town["west"]

    district.geometry = polygon(46.00, -71.95, 46.12, -71.87)  # now covers the east half
    zone_save(zone=district)

    assert list(district.addresses.all()) == [east]
    assert "ouest" not in zone_names(west)


def test_a_new_zone_collects_the_addresses_already_there(town: dict[str, Zone]):
    west = make_address(1, WEST)

    works = zone_save(
        zone=Zone(
            kind=ZoneKind.WORKS_AREA,
            code="chantier",
            name="Chantier",
            geometry=polygon(46.05, -72.0, 46.07, -71.98),
        )
    )

    assert list(works.addresses.all()) == [west]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [-71.95, 46.05]}, "Polygon ou un MultiPolygon"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[-72, 46], [-71.9, 46.1], [-71.9, 46], [-72, 46.1], [-72, 46]]],
            },
            "n’est pas valide",
        ),
        (polygon(4_600_000, -7_200_000, 4_610_000, -7_190_000), "longitude/latitude"),
    ],
)
def test_a_broken_polygon_is_refused_with_a_readable_message(db: None, geometry: Any, message: str):
    with pytest.raises(ValidationError, match=message):
        zone_save(zone=Zone(kind=ZoneKind.DISTRICT, code="x", name="X", geometry=geometry))
