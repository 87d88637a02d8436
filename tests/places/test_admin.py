"""The administrator edits zones and addresses in the Django admin.

Memberships follow every save: a reshaped zone gathers the addresses now inside it, a moved
address lands in its new zones. Broken input is refused with a message the administrator
can act on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.places.conftest import EAST, WEST, polygon
from victo_crm.places.models import Address, Zone, ZoneKind
from victo_crm.places.services import addresses_locate


def zone_form(zone: Zone, **changes: Any) -> dict[str, Any]:
    data = {"kind": zone.kind, "code": zone.code, "name": zone.name, "geometry": zone.geometry}
    data.update(changes)
    data["geometry"] = (
        json.dumps(data["geometry"]) if isinstance(data["geometry"], dict) else data["geometry"]
    )
    return data


def address_form(**values: Any) -> dict[str, Any]:
    data = {
        "civic_number": "10",
        "civic_suffix": "",
        "street": "rue Carignan",
        "unit": "",
        "postal_code": "g6p 1a1",
        "city": "Victoriaville",
        "latitude": str(WEST[0]),
        "longitude": str(WEST[1]),
    }
    data.update(values)
    return data


@pytest.fixture
def residents(town: dict[str, Zone]) -> dict[str, Address]:
    west = Address.objects.create(
        civic_number=1, street="rue Perreault", latitude=WEST[0], longitude=WEST[1]
    )
    east = Address.objects.create(
        civic_number=2, street="rue Perreault", latitude=EAST[0], longitude=EAST[1]
    )
    addresses_locate()
    return {"west": west, "east": east}


def test_reshaping_a_district_in_the_admin_moves_its_addresses(
    admin_client_fr: Client, town: dict[str, Zone], residents: dict[str, Address]
):
    district = town["west"]
    url = reverse("admin:places_zone_change", args=[district.pk])

    response = admin_client_fr.post(
        url, zone_form(district, geometry=polygon(46.00, -71.95, 46.12, -71.87)), follow=True
    )

    assert response.status_code == 200
    assert "1 adresse se trouve dans cette zone." in response.content.decode()
    assert list(district.addresses.all()) == [residents["east"]]
    district.refresh_from_db()
    assert district.min_lon == -71.95  # the bounding box follows the new shape


def test_a_self_crossing_polygon_is_refused_with_a_readable_message(
    admin_client_fr: Client, town: dict[str, Zone], residents: dict[str, Address]
):
    district = town["west"]
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[-72.0, 46.0], [-71.9, 46.1], [-71.9, 46.0], [-72.0, 46.1], [-72.0, 46.0]]
        ],
    }

    response = admin_client_fr.post(
        reverse("admin:places_zone_change", args=[district.pk]),
        zone_form(district, geometry=bowtie),
    )

    assert response.status_code == 200  # the form again, with the error
    assert "La géométrie n’est pas valide" in response.content.decode()
    district.refresh_from_db()
    assert district.geometry != bowtie
    assert list(district.addresses.all()) == [residents["west"]]


def test_a_geometry_that_is_not_json_is_refused(admin_client_fr: Client, town: dict[str, Zone]):
    district = town["west"]

    response = admin_client_fr.post(
        reverse("admin:places_zone_change", args=[district.pk]),
        zone_form(district, geometry="{pas du json"),
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_a_zone_added_in_the_admin_gathers_its_addresses(
    admin_client_fr: Client, residents: dict[str, Address]
):
    data = {
        "kind": ZoneKind.WORKS_AREA,
        "code": "chantier-perreault",
        "name": "Chantier rue Perreault",
    }
    data["geometry"] = json.dumps(polygon(46.05, -72.0, 46.07, -71.98))

    response = admin_client_fr.post(reverse("admin:places_zone_add"), data)

    assert response.status_code == 302
    assert list(Zone.objects.get(code="chantier-perreault").addresses.all()) == [residents["west"]]


def test_the_zone_list_shows_address_counts_without_a_query_per_row(
    admin_client_fr: Client, residents: dict[str, Address], django_assert_max_num_queries: Any
):
    with django_assert_max_num_queries(8):
        response = admin_client_fr.get(
            reverse("admin:places_zone_changelist"), {"kind__exact": "district"}
        )

    assert response.status_code == 200
    counts = {zone.name: zone._address_count for zone in response.context["cl"].result_list}
    assert counts == {"District Ouest": 1, "District Est": 1}


def test_an_address_saved_in_the_admin_is_located_and_normalised(
    admin_client_fr: Client, town: dict[str, Zone]
):
    response = admin_client_fr.post(reverse("admin:places_address_add"), address_form())

    assert response.status_code == 302
    address = Address.objects.get()
    assert address.postal_code == "G6P 1A1"
    assert set(address.zones.values_list("code", flat=True)) == {
        "victoriaville",
        "ouest",
        "secteur-a",
    }

    admin_client_fr.post(
        reverse("admin:places_address_change", args=[address.pk]),
        address_form(latitude=str(EAST[0]), longitude=str(EAST[1])),
    )

    assert set(address.zones.values_list("code", flat=True)) == {
        "victoriaville",
        "est",
        "secteur-a",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"postal_code": "12345"}, "Code postal invalide"),
        ({"latitude": "-71.99", "longitude": "46.06"}, "semblent inversées"),
    ],
)
def test_an_address_with_bad_values_is_refused(
    admin_client_fr: Client, town: dict[str, Zone], values: dict[str, str], message: str
):
    response = admin_client_fr.post(reverse("admin:places_address_add"), address_form(**values))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Address.objects.exists()


def test_the_address_list_searches_without_accents_and_filters_by_district(
    admin_client_fr: Client,
    residents: dict[str, Address],
    town: dict[str, Zone],
    django_assert_max_num_queries: Any,
):
    Address.objects.create(
        civic_number=3, street="rue des Hospitalières", latitude=WEST[0], longitude=WEST[1]
    )
    url = reverse("admin:places_address_changelist")

    found = admin_client_fr.get(url, {"q": "3 hospitalieres"})
    with django_assert_max_num_queries(12):
        in_east = admin_client_fr.get(url, {"district": str(town["east"].pk)})

    assert [a.civic_number for a in found.context["cl"].result_list] == [3]
    assert list(in_east.context["cl"].result_list) == [residents["east"]]
    assert "District Est" in in_east.content.decode()


def test_the_change_pages_open_and_show_memberships(
    admin_client_fr: Client, town: dict[str, Zone], residents: dict[str, Address]
):
    zone_page = admin_client_fr.get(reverse("admin:places_zone_change", args=[town["west"].pk]))
    address_page = admin_client_fr.get(
        reverse("admin:places_address_change", args=[residents["west"].pk])
    )

    assert zone_page.status_code == address_page.status_code == 200
    assert "District Ouest, Secteur A, Victoriaville" in address_page.content.decode()


def test_a_lower_case_suffix_is_stored_in_capitals(admin_client_fr: Client, town: dict[str, Zone]):
    admin_client_fr.post(reverse("admin:places_address_add"), address_form(civic_suffix="a"))

    assert Address.objects.get().civic_suffix == "A"
