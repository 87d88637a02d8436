from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import CENTRE_LAT, CENTRE_LON, square
from victo_crm.alerts.models import AlertTopic, CollectionCalendar
from victo_crm.places.models import Address, Zone
from victo_crm.places.services import addresses_locate


@pytest.fixture
def topics(db):
    return {t.code: t for t in AlertTopic.objects.all()}


@pytest.fixture
def sector_b(town):
    zone = Zone(
        kind="collection_sector",
        code="secteur-b",
        name="Secteur B",
        geometry=square(46.00, -71.95, 46.12, -71.87),
    )
    zone.full_clean()
    zone.save()
    return zone


def make_address(
    number: int, street: str, lat: float = CENTRE_LAT, lon: float = CENTRE_LON
) -> Address:
    address = Address.objects.create(
        civic_number=number, street=street, latitude=lat, longitude=lon
    )
    addresses_locate(addresses=[address])
    return address


@pytest.fixture
def west_address(town):
    """In the west district and sector A only."""
    return make_address(10, "rue des Érables", CENTRE_LAT, -72.00)


@pytest.fixture
def east_address(town, sector_b):
    """In the east district, sectors A and B."""
    return make_address(20, "boulevard Jutras Est", CENTRE_LAT, -71.90)


@pytest.fixture
def garbage_monday(town, topics):
    """Garbage every other Monday in sector A, from Monday 2026-01-12 (so Labour Day,
    2026-09-07, is a collection day)."""
    return CollectionCalendar.objects.create(
        zone=town["sector"],
        topic=topics["ordures"],
        frequency="biweekly",
        weekday=0,
        reference_date=date(2026, 1, 12),
    )
