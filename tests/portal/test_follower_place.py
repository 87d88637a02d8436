"""Where a followed request is, as its follower sees it: the public side of the place only.

Marie files at 95, rue Perreault, apartment 4, and adds "devant chez le voisin du 95". Jean
follows her request. On the portal (the request page and his list) and in the app (detail
and list) he sees the registry address without the unit and never her precision; if the
request is of a sensitive type (he follows it because his own duplicate was merged into it),
he sees no address and only a position snapped to the grid.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import ApiClient, session_token_for
from tests.conftest import CENTRE_LAT, CENTRE_LON, sign_in
from victo_crm.places.models import Address
from victo_crm.service_requests.models import RequestFollower
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db
PRECISION = "devant chez le voisin du 95"
LAT, LON = CENTRE_LAT + 0.00123, CENTRE_LON + 0.00077


def marie_files(citizen: Any, rtype: Any) -> Any:
    flat = Address.objects.create(
        civic_number=95, street="rue Perreault", unit="4", latitude=LAT, longitude=LON
    )
    values: dict[str, Any] = {
        "request_type": rtype,
        "citizen": citizen,
        "description": "Le voisin bloque mon entrée",
        "address": flat,
        "latitude": LAT,
        "longitude": LON,
        "location_text": PRECISION,
    }
    if rtype.code == "nid-de-poule":
        values["field_values"] = {"taille": "grand"}
    return service_request_submit(**values)


def jean_reads(sr: Any, other_citizen: Any) -> dict[str, str]:
    RequestFollower.objects.get_or_create(request=sr, user=other_citizen)
    portal = sign_in(Client(), other_citizen)
    app = ApiClient(session_token_for(other_citizen))
    detail = app.get(f"/api/v1/requests/{sr.reference}/")
    listing = app.get("/api/v1/requests/")
    assert detail.status_code == 200 and listing.status_code == 200
    return {
        "portal page": portal.get(f"/portail/mes-requetes/{sr.reference}/").content.decode(),
        "portal list": portal.get("/portail/mes-requetes/").content.decode(),
        "app detail": detail.content.decode(),
        "app list": listing.content.decode(),
        "detail": detail.json(),
    }


def test_jean_sees_the_registry_address_without_her_unit_or_her_words(
    citizen: Any, other_citizen: Any, town: Any, request_type: Any
) -> None:
    sr = marie_files(citizen, request_type)

    seen = jean_reads(sr, other_citizen)

    for face in ("portal page", "portal list", "app detail", "app list"):
        assert "rue Perreault" in seen[face], face
        assert PRECISION not in seen[face], face
        assert not [unit for unit in ("app. 4", "apt. 4", "apt 4") if unit in seen[face]], face
    assert seen["detail"]["address"] is None
    assert seen["detail"]["location_text"] == ""
    # Marie herself still sees all of it.
    mine = ApiClient(session_token_for(citizen)).get(f"/api/v1/requests/{sr.reference}/").json()
    assert PRECISION in mine["place"] and mine["location_text"] == PRECISION


def test_a_sensitive_request_followed_through_a_merge_shows_no_address_and_a_coarse_position(
    citizen: Any, other_citizen: Any, town: Any, make_type: Any
) -> None:
    sr = marie_files(citizen, make_type("nuisance-sonore", sensitive=True))

    seen = jean_reads(sr, other_citizen)

    for face in ("portal page", "portal list", "app detail", "app list"):
        assert "Perreault" not in seen[face], face
        assert PRECISION not in seen[face], face
    detail = seen["detail"]
    assert detail["address"] is None and detail["place"] == ""
    assert (detail["latitude"], detail["longitude"]) != (LAT, LON)
    assert abs(detail["latitude"] - LAT) < 0.002 and abs(detail["longitude"] - LON) < 0.003
