"""What the public Open311 feed publishes (issue 14): privacy by default (Law 25, s. 63.7).

Personas: an anonymous caller, Jean (another citizen, signed in: he sees no more than the
anonymous caller), a regional 311 centre (a partner with an API key), Marie (the citizen
whose requests are read), Luc (an agent of Travaux publics, who approves public summaries).
Every case in JSON and in XML.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client
from PIL import Image

from tests.api.test_open311 import BASE, FORMATS, error_array, parsed, pothole
from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.places.models import Address
from victo_crm.service_requests.models import Attachment, RequestType, ServiceRequest
from victo_crm.service_requests.services import (
    service_request_approve_public_summary,
    service_request_submit,
)

MARIE_S_WORDS = "Une voiture bloque mon entrée de garage près du 95, rue Perreault; 819-555-0199"


@pytest.fixture(params=["anonymous", "another citizen"])
def public(request: Any, other_citizen: Any) -> Client:
    """Whoever is not the requester nor staff: the feed is the same for both."""
    client = Client()
    if request.param == "another citizen":
        client.force_login(other_citizen)
    return client


@pytest.fixture
def filed(town: Any, citizen: Any, request_type: RequestType, make_type: Any) -> Any:
    """Marie files one request of each visibility, with her own words and exact position."""

    def _file(rtype: RequestType, **extra: Any) -> ServiceRequest:
        values: dict[str, Any] = {
            "request_type": rtype,
            "citizen": citizen,
            "description": MARIE_S_WORDS,
            "latitude": CENTRE_LAT,
            "longitude": CENTRE_LON,
            "location_text": "près du 95, rue Perreault",
        }
        if rtype == request_type:
            values["field_values"] = {"taille": "grand"}
        values.update(extra)
        return service_request_submit(**values)

    return _file


def listed(client: Client, fmt: str, **query: str) -> list[dict[str, Any]]:
    response = client.get(f"{BASE}/requests.{fmt}", query)
    assert response.status_code == 200, response.content
    return parsed(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_of_unpublished_and_sensitive_types_are_nowhere_in_the_feed(
    public: Client, filed: Any, request_type: Any, make_type: Any, fmt: str
) -> None:
    pothole_request = filed(request_type)
    noise = filed(make_type("nuisance-sonore", sensitive=True))
    bin_request = filed(make_type("bac-brise"))  # no visibility chosen: not published

    assert [r["service_request_id"] for r in listed(public, fmt)] == [pothole_request.reference]
    by_id = listed(public, fmt, service_request_id=f"{noise.reference},{bin_request.reference}")
    assert not by_id  # an empty array ([] in JSON, an empty element in XML)
    for hidden in (noise, bin_request):
        error_array(public.get(f"{BASE}/requests/{hidden.reference}.{fmt}"), fmt, 404)
    updates = public.get(f"{BASE}/servicerequestupdates.{fmt}").content.decode()
    assert pothole_request.reference in updates
    assert noise.reference not in updates and bin_request.reference not in updates


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_description_is_published_only_once_staff_approved_a_public_summary(
    public: Client, filed: Any, request_type: Any, agent: Any, fmt: str
) -> None:
    sr = filed(request_type)
    url = f"{BASE}/requests/{sr.reference}.{fmt}"

    assert not parsed(public.get(url), fmt)[0]["description"]

    service_request_approve_public_summary(
        request=sr, actor=agent, summary="Véhicule signalé sur la rue Perreault"
    )
    assert parsed(public.get(url), fmt)[0]["description"] == (
        "Véhicule signalé sur la rue Perreault"
    )

    service_request_approve_public_summary(request=sr, actor=agent, summary="")  # withdrawn
    assert not parsed(public.get(url), fmt)[0]["description"]
    for body in (public.get(url).content, public.get(f"{BASE}/requests.{fmt}").content):
        assert b"819-555-0199" not in body and "entrée de garage".encode() not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_type_published_without_description_shows_neither_summary_nor_photo(
    public: Client, filed: Any, make_type: Any, agent: Any, make_image: Any, fmt: str
) -> None:
    sr = filed(make_type("graffiti", visibility="no_description"), photos=[make_image()])
    service_request_approve_public_summary(request=sr, actor=agent, summary="Graffiti signalé")

    [found] = listed(public, fmt)

    assert found["service_request_id"] == sr.reference
    assert not found["description"] and not found["media_url"]
    assert float(found["lat"]) == CENTRE_LAT  # the place of a public nuisance stays exact


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_place_published_is_the_registry_address_never_the_citizen_s_words(
    public: Client, filed: Any, request_type: Any, town: Any, fmt: str
) -> None:
    flat = Address.objects.create(
        civic_number=95,
        street="rue Perreault",
        unit="4",
        postal_code="G6P 2B2",
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )
    at_address = filed(request_type, address=flat, latitude=None, longitude=None)
    typed = filed(request_type)

    found = {r["service_request_id"]: r for r in listed(public, fmt)}

    assert found[at_address.reference]["address"] == "95, rue Perreault, Victoriaville"
    assert str(found[at_address.reference]["zipcode"]) == "G6P 2B2"
    # A pin is published « près de » the registry address nearest to it, never with her words.
    assert found[typed.reference]["address"] == "près de 95, rue Perreault, Victoriaville"
    assert "près du 95".encode() not in public.get(f"{BASE}/requests.{fmt}").content


# --- media_url -------------------------------------------------------------------------------


def _media_path(public: Client, fmt: str, sr: ServiceRequest) -> str:
    found = parsed(public.get(f"{BASE}/requests/{sr.reference}.{fmt}"), fmt)[0]
    assert found["media_url"], found
    return urlparse(found["media_url"]).path


@pytest.mark.parametrize("fmt", FORMATS)
def test_media_url_serves_the_public_copy_without_exif_through_the_application(
    public: Client, filed: Any, request_type: Any, make_image: Any, fmt: str
) -> None:
    sr = filed(request_type, photos=[make_image(exif=True)])
    photo = Attachment.objects.get(request=sr)

    path = _media_path(public, fmt, sr)

    # Named by the request's random public id and the copy's random name, under Open311.
    assert path == f"{BASE}/media/{sr.public_id}/{photo.public_file.name.rsplit('/', 1)[-1]}"
    response = public.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    served = b"".join(response.streaming_content)
    assert served == photo.public_file.open("rb").read()
    assert served != photo.file.open("rb").read()
    assert not Image.open(io.BytesIO(served)).getexif()  # no GPS position of Marie's home


def test_the_media_route_is_404_unless_the_type_and_the_photo_are_public(
    public: Client, filed: Any, request_type: Any, make_image: Any, make_type: Any
) -> None:
    sr = filed(request_type, photos=[make_image(), make_image("b.jpg")])
    first, second = Attachment.objects.filter(request=sr)
    path = _media_path(public, "json", sr)
    folder = path.rsplit("/", 1)[0]
    assert public.get(path).status_code == 200

    # The original (with its EXIF) is never reachable, even by its own random name.
    assert public.get(f"{folder}/{first.file.name.rsplit('/', 1)[-1]}").status_code == 404
    # A photo the requester cannot see (staff's) is not public either.
    second_path = f"{folder}/{second.public_file.name.rsplit('/', 1)[-1]}"
    assert public.get(second_path).status_code == 200
    Attachment.objects.filter(pk=second.pk).update(is_public=False)
    assert public.get(second_path).status_code == 404
    # Another request's folder, a made-up name: nothing.
    other = filed(request_type)
    assert public.get(path.replace(str(sr.public_id), str(other.public_id))).status_code == 404
    assert public.get(f"{folder}/public-{'0' * 32}.jpg").status_code == 404
    # The type is unpublished, or published without description: the photo goes with it.
    for visibility in ("hidden", "no_description"):
        request_type.public_visibility = visibility
        request_type.save(update_fields=["public_visibility"])
        assert public.get(path).status_code == 404, visibility
    sensitive = filed(make_type("terrain-mal-entretenu", sensitive=True), photos=[make_image()])
    photo = Attachment.objects.get(request=sensitive)
    name = photo.public_file.name.rsplit("/", 1)[-1]
    assert public.get(f"{BASE}/media/{sensitive.public_id}/{name}").status_code == 404


# --- Tokens ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_page_of_the_list_names_the_photos_of_its_own_requests(
    public: Client, filed: Any, request_type: Any, make_image: Any, make_type: Any, fmt: str
) -> None:
    """The photos are read for the page's rows only, after its paging and its filters."""
    hidden = make_type("prive")  # hidden: not in the feed, nor its photo
    filed(hidden, photos=[make_image("hidden.jpg")])
    with_photo = [filed(request_type, photos=[make_image(f"{n}.jpg")]) for n in range(4)]
    without = filed(request_type)  # the newest: first on page 1
    photo_names = {
        sr.reference: Attachment.objects.get(request=sr).public_file.name.rsplit("/", 1)[-1]
        for sr in with_photo
    }

    seen: dict[str, Any] = {}
    for page in (1, 2):
        rows = parsed(public.get(f"{BASE}/requests.{fmt}?page_size=2&page={page}"), fmt)
        assert len(rows) == 2
        seen.update({row["service_request_id"]: row["media_url"] for row in rows})

    assert set(seen) == {without.reference, *photo_names} - {with_photo[0].reference}
    assert not seen[without.reference]
    for reference, url in seen.items():
        if reference != without.reference:
            assert urlparse(url).path.endswith("/" + photo_names[reference])


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_open311_token_is_random_and_only_its_hash_is_kept(
    client: Client, request_type: Any, town: Any, partner_key: str, fmt: str
) -> None:
    first = parsed(client.post(f"{BASE}/requests.{fmt}", pothole(partner_key)), fmt)[0]
    second = parsed(client.post(f"{BASE}/requests.{fmt}", pothole(partner_key)), fmt)[0]
    sr = ServiceRequest.objects.get(reference=first["service_request_id"])

    token = first["token"]
    assert token != second["token"] and len(token) >= 32
    assert ":" not in token  # not a signed value (value:signature)
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="victo_crm.open311.token")
    assert sr.open311_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in sr.__dict__.values()}
    found = parsed(client.get(f"{BASE}/tokens/{token}.{fmt}"), fmt)[0]
    assert found["service_request_id"] == sr.reference


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_old_signed_id_token_is_refused(
    client: Client, file_request: Any, citizen: Any, fmt: str
) -> None:
    sr = file_request(citizen)
    forged = signing.dumps(sr.pk, salt="victo_crm.open311.token")

    error_array(client.get(f"{BASE}/tokens/{forged}.{fmt}"), fmt, 404)
    error_array(client.get(f"{BASE}/tokens/{'x' * 200}.{fmt}"), fmt, 404)
