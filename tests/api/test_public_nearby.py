"""``GET /api/v1/requests/nearby/`` (duplicate suggestions in the app) follows the publication
rule of issue 14: Jean (another citizen) learns of Marie's open request only when its type is
published, and then sees its registry address, never her words.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.places.models import Address
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db
API = "/api/v1"


def nearby(client: Any, code: str) -> Any:
    return client.get(
        f"{API}/requests/nearby/",
        {"request_type": code, "latitude": CENTRE_LAT, "longitude": CENTRE_LON + 0.0003},
    )


def marie_files(citizen: Any, rtype: Any, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "request_type": rtype,
        "citizen": citizen,
        "description": "Mon voisin du 95 bloque mon entrée, 819-555-0199",
        "latitude": CENTRE_LAT,
        "longitude": CENTRE_LON,
        "location_text": "devant chez le voisin du 95",
    }
    if rtype.code == "nid-de-poule":
        values["field_values"] = {"taille": "grand"}
    values.update(extra)
    return service_request_submit(**values)


@pytest.mark.parametrize(
    ("code", "visibility", "sensitive"),
    [("stationnement-illegal", "hidden", True), ("bac-brise", "hidden", False)],
)
def test_jean_is_told_nothing_of_requests_of_an_unpublished_type(
    jean_api: Any,
    citizen: Any,
    town: Any,
    make_type: Any,
    code: str,
    visibility: str,
    sensitive: bool,
) -> None:
    sr = marie_files(citizen, make_type(code, visibility=visibility, sensitive=sensitive))

    response = nearby(jean_api, code)

    assert response.status_code == 200, response.content
    assert response.json() == []
    assert str(sr.public_id) not in response.content.decode()


def test_jean_sees_a_published_request_by_its_registry_address_only(
    jean_api: Any, marie_api: Any, citizen: Any, town: Any, request_type: Any
) -> None:
    flat = Address.objects.create(
        civic_number=95,
        street="rue Perreault",
        unit="4",
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )
    sr = marie_files(citizen, request_type, address=flat, latitude=None, longitude=None)

    response = nearby(jean_api, "nid-de-poule")

    [found] = response.json()
    assert found["id"] == str(sr.public_id) and found["followed"] is False
    assert found["location_text"] == "95, rue Perreault, Victoriaville"
    body = response.content.decode()
    for secret in ("voisin", "819-555-0199", "app. 4", "apt. 4", "Marie"):
        assert secret not in body
    # Marie sees her own request among the suggestions as followed.
    assert nearby(marie_api, "nid-de-poule").json()[0]["followed"] is True


def test_an_anonymous_caller_gets_no_suggestion(
    anonymous_api: Any, citizen: Any, town: Any, request_type: Any
) -> None:
    marie_files(citizen, request_type)
    assert nearby(anonymous_api, "nid-de-poule").status_code in (401, 403)


@pytest.mark.parametrize(
    ("code", "visibility", "sensitive"),
    [("stationnement-illegal", "hidden", True), ("bac-brise", "hidden", False)],
)
def test_jean_cannot_follow_a_request_the_public_does_not_know_of(
    jean_api: Any,
    other_citizen: Any,
    citizen: Any,
    town: Any,
    make_type: Any,
    code: str,
    visibility: str,
    sensitive: bool,
) -> None:
    """Following is how a stranger comes to read a request: holding its public id (an
    earlier answer, a shared link) must not open an unpublished or sensitive one."""
    from django.core.exceptions import ValidationError
    from django.test import Client

    from tests.conftest import sign_in
    from victo_crm.service_requests.citizen import service_request_follow
    from victo_crm.service_requests.models import RequestFollower

    sr = marie_files(citizen, make_type(code, visibility=visibility, sensitive=sensitive))

    by_app = jean_api.post(
        f"{API}/follows/",
        json.dumps({"request_id": str(sr.public_id)}),
        content_type="application/json",
    )
    assert by_app.status_code == 404, by_app.content
    by_portal = sign_in(Client(), other_citizen).post(f"/portail/requetes/{sr.public_id}/suivre/")
    assert by_portal.status_code == 404
    with pytest.raises(ValidationError):
        service_request_follow(request=sr, user=other_citizen)
    assert not RequestFollower.objects.filter(request=sr).exists()
    assert jean_api.get(f"{API}/requests/{sr.reference}/").status_code == 404
