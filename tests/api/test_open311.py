"""Open311 GeoReport v2, written from the specification (wiki.open311.org/GeoReport_v2) and
the servicerequestupdates extension; every case in XML and in JSON.

Personas: a regional 311 centre (a partner system with an API key), Marie (a citizen whose
requests the public lists show without her name), an agent of Travaux publics.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import CENTRE_LAT, CENTRE_LON, OUTSIDE_TOWN
from victo_crm.api.services import api_key_create
from victo_crm.service_requests.models import (
    Channel,
    RequestTypeField,
    ServiceRequest,
    Transition,
)
from victo_crm.service_requests.services import (
    service_request_add_note,
    service_request_approve_public_summary,
    service_request_reply,
    service_request_transition,
)

BASE = "/open311/v2"
FORMATS = ["json", "xml"]


# --- Helpers: one reading of a response, whatever its format -----------------------------------


def xml_of(response: Any) -> ET.Element:
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def _element_to_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or None
    tags = {child.tag for child in children}
    if len(children) > 1 and len(tags) == 1 and element.tag.endswith("s"):
        return [_element_to_value(child) for child in children]
    if element.tag in (
        "services",
        "service_requests",
        "service_request_updates",
        "attributes",
        "values",
        "endpoints",
        "formats",
        "errors",
    ):
        return [_element_to_value(child) for child in children]
    return {child.tag: _element_to_value(child) for child in children}


def parsed(response: Any, fmt: str) -> Any:
    """The document as Python values; XML text values stay strings."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("application/xml")
    return _element_to_value(xml_of(response))


def error_array(response: Any, fmt: str, status: int) -> list[str]:
    """Check the specification's error array and return its descriptions."""
    assert response.status_code == status, response.content
    errors = parsed(response, fmt)
    if fmt == "xml":
        assert xml_of(response).tag == "errors"
    assert isinstance(errors, list) and errors
    for error in errors:
        assert str(error["code"]) == str(status)
        assert error["description"]
    return [error["description"] for error in errors]


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def agent_takes_in_charge(agent: Any) -> Any:
    def _take(sr: ServiceRequest, *, to: str = "assignee") -> None:
        transition = Transition.objects.get(from_state=sr.state, to_state__code=to)
        service_request_transition(request=sr, transition=transition, actor=agent, comment="")

    return _take


# --- Discovery ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_v2_endpoint_and_both_formats(client: Client, db: None, fmt: str):
    response = client.get(f"{BASE}/discovery.{fmt}")

    assert response.status_code == 200
    document = parsed(response, fmt)
    endpoint = document["endpoints"][0] if fmt == "json" else document["endpoints"]
    if isinstance(endpoint, list):
        endpoint = endpoint[0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert document["changeset"]


# --- Services -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_lists_every_active_request_type(
    client: Client, request_type: Any, fmt: str
) -> None:
    response = client.get(f"{BASE}/services.{fmt}")

    assert response.status_code == 200
    services = parsed(response, fmt)
    if fmt == "xml":
        assert xml_of(response).tag == "services"
        assert xml_of(response)[0].tag == "service"
    pothole = next(s for s in services if s["service_code"] == "nid-de-poule")
    assert pothole["service_name"] == "Nid-de-poule"
    assert str(pothole["metadata"]).lower() == "true"
    assert pothole["type"] == "realtime"
    assert pothole["group"] == "Rues et trottoirs"
    assert "chaussée" in pothole["keywords"]


def test_services_are_in_english_when_asked(client: Client, request_type: Any) -> None:
    response = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en")

    assert parsed(response, "json")[0]["service_name"] == "Pothole"


def test_inactive_types_are_not_services(client: Client, request_type: Any) -> None:
    request_type.is_active = False
    request_type.save()

    assert parsed(client.get(f"{BASE}/services.json"), "json") == []
    assert client.get(f"{BASE}/services/nid-de-poule.json").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_maps_fields_to_attributes(
    client: Client, request_type: Any, fmt: str
) -> None:
    # A date field and two fields with the same stored order: Open311 wants datetime and
    # positive, unique orders.
    RequestTypeField.objects.create(
        request_type=request_type, code="depuis", label_fr="Depuis le", datatype="date", order=4
    )

    response = client.get(f"{BASE}/services/nid-de-poule.{fmt}")

    assert response.status_code == 200
    definition = parsed(response, fmt)
    if fmt == "xml":
        assert xml_of(response).tag == "service_definition"
    assert definition["service_code"] == "nid-de-poule"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert [str(a["order"]) for a in definition["attributes"]] == ["1", "2", "3", "4", "5"]
    assert attributes["taille"]["datatype"] == "singlevaluelist"
    assert str(attributes["taille"]["required"]).lower() == "true"
    assert str(attributes["taille"]["variable"]).lower() == "true"
    assert attributes["taille"]["description"] == "Taille"
    assert attributes["taille"]["values"] == [
        {"key": "petit", "name": "Petit"},
        {"key": "moyen", "name": "Moyen"},
        {"key": "grand", "name": "Grand"},
    ]
    assert attributes["nombre"]["datatype"] == "number"
    assert attributes["releve"]["datatype"] == "datetime"
    assert attributes["depuis"]["datatype"] == "datetime"
    assert attributes["voies"]["datatype"] == "multivaluelist"
    assert "values" not in attributes["nombre"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_is_404_with_the_error_array(client: Client, db: None, fmt: str) -> None:
    response = client.get(f"{BASE}/services/inconnu.{fmt}")

    assert "inconnu" in error_array(response, fmt, 404)[0]


# --- POST requests ------------------------------------------------------------------------------


def pothole(key: str | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service_code": "nid-de-poule",
        "lat": str(CENTRE_LAT),
        "long": str(CENTRE_LON),
        "email": "denise@example.ca",
        "first_name": "Denise",
        "last_name": "Roy",
        "phone": "819-555-0101",
        "description": "Trou profond au coin de la rue",
        "attribute[taille]": "moyen",
    }
    if key is not None:
        data["api_key"] = key
    data.update(extra)
    return data


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_partner_files_a_request_that_enters_the_workflow(
    client: Client, request_type: Any, town: Any, partner_key: str, fmt: str
) -> None:
    response = client.post(
        f"{BASE}/requests.{fmt}",
        pothole(
            partner_key,
            **{
                "attribute[nombre]": "3",
                "attribute[releve]": "2026-04-14T06:37:38-04:00",
                "attribute[voies][]": ["nord", "sud"],
            },
        ),
    )

    assert response.status_code == 201, response.content
    body = parsed(response, fmt)
    if fmt == "xml":
        assert xml_of(response).tag == "service_requests"
        assert xml_of(response)[0].tag == "request"
    created = body[0]
    sr = ServiceRequest.objects.get(reference=created["service_request_id"])
    assert created["token"]
    assert sr.channel == Channel.OPEN311
    assert sr.state.is_initial
    assert sr.team.code == "travaux-publics"
    assert sr.due_at is not None
    assert sr.field_values == {
        "taille": "moyen",
        "nombre": 3,
        "releve": "2026-04-14T06:37:38-04:00",
        "voies": ["nord", "sud"],
    }
    assert sr.contact_name == "Denise Roy"
    assert sr.contact_email == "denise@example.ca"
    assert sr.contact_phone == "819-555-0101"
    assert sr.citizen is None
    assert sr.zones.exists()
    assert sr.events.filter(kind="submitted").exists()


def test_repeated_attribute_fills_a_multivaluelist(
    client: Client, request_type: Any, town: Any, partner_key: str
) -> None:
    client.post(f"{BASE}/requests.json", pothole(partner_key, **{"attribute[voies]": ["nord"]}))

    assert ServiceRequest.objects.get().field_values["voies"] == ["nord"]


def test_a_date_field_takes_the_local_date_of_an_open311_datetime(
    client: Client, request_type: Any, town: Any, partner_key: str
) -> None:
    RequestTypeField.objects.create(
        request_type=request_type, code="depuis", label_fr="Depuis le", datatype="date", order=5
    )

    client.post(
        f"{BASE}/requests.json",
        pothole(partner_key, **{"attribute[depuis]": "2026-04-15T01:00:00Z"}),
    )

    assert ServiceRequest.objects.get().field_values["depuis"] == "2026-04-14"


def test_media_url_is_kept_as_text_and_never_fetched(
    client: Client, request_type: Any, town: Any, partner_key: str
) -> None:
    client.post(
        f"{BASE}/requests.json",
        pothole(partner_key, media_url="http://192.0.2.1/photo.jpg"),
    )

    assert "http://192.0.2.1/photo.jpg" in ServiceRequest.objects.get().description
    assert not ServiceRequest.objects.get().attachments.exists()


def test_an_address_string_found_in_the_registry_locates_the_request(
    client: Client, request_type: Any, address: Any, partner_key: str
) -> None:
    response = client.post(
        f"{BASE}/requests.json",
        pothole(partner_key, lat="", long="", address_string="1 rue Notre-Dame Est"),
    )

    assert response.status_code == 201, response.content
    sr = ServiceRequest.objects.get()
    assert sr.address == address
    assert sr.location_text == "1 rue Notre-Dame Est"


def test_an_address_id_locates_the_request(
    client: Client, request_type: Any, address: Any, partner_key: str
) -> None:
    response = client.post(
        f"{BASE}/requests.json", pothole(partner_key, lat="", long="", address_id=str(address.pk))
    )

    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get().address == address


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "v311_not-a-key"])
def test_post_without_a_valid_api_key_is_403(
    client: Client, request_type: Any, town: Any, fmt: str, key: str | None
) -> None:
    response = client.post(f"{BASE}/requests.{fmt}", pothole(key))

    assert "api_key" in error_array(response, fmt, 403)[0]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_key_is_403(client: Client, request_type: Any, town: Any, fmt: str) -> None:
    api_key, key = api_key_create(name="Ancien partenaire")
    api_key.is_active = False
    api_key.save()

    error_array(client.post(f"{BASE}/requests.{fmt}", pothole(key)), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_to_an_unknown_service_is_404(
    client: Client, request_type: Any, partner_key: str, fmt: str
) -> None:
    response = client.post(f"{BASE}/requests.{fmt}", pothole(partner_key, service_code="ovni"))

    error_array(response, fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "change, words",
    [
        ({"service_code": ""}, "service_code"),
        ({"attribute[taille]": ""}, "Taille"),
        ({"attribute[taille]": "immense"}, "immense"),
        ({"attribute[nombre]": "beaucoup"}, "nombre"),
        ({"attribute[inconnu]": "x"}, "inconnu"),
        ({"lat": "nord"}, "lat"),
        ({"lat": str(OUTSIDE_TOWN[0]), "long": str(OUTSIDE_TOWN[1])}, "territoire"),
        ({"lat": "", "long": ""}, "lieu"),
        ({"long": ""}, "latitude"),
        ({"address_id": "999999"}, "address_id"),
        ({"email": ""}, "courriel"),
        ({"email": "pas-un-courriel"}, "courriel"),
        ({"description": "x" * 5001}, "long"),
    ],
)
def test_every_other_refusal_is_400_and_creates_nothing(
    client: Client,
    request_type: Any,
    town: Any,
    partner_key: str,
    fmt: str,
    change: dict[str, str],
    words: str,
) -> None:
    response = client.post(f"{BASE}/requests.{fmt}", pothole(partner_key, **change))

    descriptions = error_array(response, fmt, 400)
    assert any(words.lower() in d.lower() for d in descriptions), descriptions
    assert not ServiceRequest.objects.exists()


def test_errors_are_in_english_when_asked(
    client: Client, request_type: Any, town: Any, partner_key: str
) -> None:
    response = client.post(f"{BASE}/requests.json", pothole(None), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert "clé" not in error_array(response, "json", 403)[0]


# --- Tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_gives_the_request_id(
    client: Client, request_type: Any, town: Any, partner_key: str, fmt: str
) -> None:
    created = parsed(client.post(f"{BASE}/requests.json", pothole(partner_key)), "json")[0]

    response = client.get(f"{BASE}/tokens/{created['token']}.{fmt}")

    assert response.status_code == 200
    found = parsed(response, fmt)[0]
    assert found == {"service_request_id": created["service_request_id"], "token": created["token"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_token_is_404(client: Client, db: None, fmt: str) -> None:
    error_array(client.get(f"{BASE}/tokens/1:forged-signature.{fmt}"), fmt, 404)


# --- GET requests -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_reads_never_expose_personal_data(
    client: Client, file_request: Any, citizen: Any, fmt: str
) -> None:
    sr = file_request(citizen)
    from victo_crm.service_requests.services import Contact

    guest = file_request(
        None, contact=Contact(name="Denise Roy", email="denise@example.ca", phone="8195550101")
    )

    for url in (f"{BASE}/requests.{fmt}", f"{BASE}/requests/{sr.reference}.{fmt}"):
        body = client.get(url).content.decode()
        for secret in (
            "Marie",
            "Tremblay",
            "marie@example.ca",
            "Denise",
            "denise@",
            "8195550101",
            str(guest.public_id),
        ):
            assert secret not in body, (url, secret)
    for item in parsed(client.get(f"{BASE}/requests.{fmt}"), fmt):
        assert not set(item) & {"account_id", "device_id", "email", "phone", "first_name"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_reads_with_the_specified_fields(
    client: Client, file_request: Any, citizen: Any, agent: Any, fmt: str
) -> None:
    sr = file_request(citizen)
    service_request_approve_public_summary(
        request=sr, actor=agent, summary="Nid-de-poule signalé sur la chaussée"
    )

    response = client.get(f"{BASE}/requests/{sr.reference}.{fmt}")

    assert response.status_code == 200
    found = parsed(response, fmt)[0]
    assert found["service_request_id"] == sr.reference
    assert found["status"] == "open"
    assert found["service_code"] == "nid-de-poule"
    assert found["service_name"] == "Nid-de-poule"
    assert found["agency_responsible"] == "Travaux publics"
    assert found["description"] == "Nid-de-poule signalé sur la chaussée"
    assert float(found["lat"]) == CENTRE_LAT
    assert float(found["long"]) == CENTRE_LON
    requested = dt.datetime.fromisoformat(found["requested_datetime"])
    assert requested.tzinfo is not None  # W3C, with its offset
    assert found["requested_datetime"][-6:] in ("-04:00", "-05:00")
    assert dt.datetime.fromisoformat(found["expected_datetime"]).tzinfo is not None
    for key in (
        "status_notes",
        "service_notice",
        "updated_datetime",
        "address",
        "address_id",
        "zipcode",
        "media_url",
    ):
        assert key in found


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(client: Client, db: None, fmt: str) -> None:
    error_array(client.get(f"{BASE}/requests/2026-999999.{fmt}"), fmt, 404)


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in parsed(response, "json")]


def test_the_default_window_is_the_last_90_days(
    client: Client, file_request: Any, citizen: Any
) -> None:
    recent = file_request(citizen)
    old = file_request(citizen)
    ServiceRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=91)
    )

    assert ids(client.get(f"{BASE}/requests.json")) == [recent.reference]
    # An empty parameter is the same as an absent one.
    assert ids(
        client.get(
            f"{BASE}/requests.json?start_date=&end_date=&status=&service_code=&page=&page_size="
        )
    ) == [recent.reference]


def test_dates_status_and_service_code_filter(
    client: Client, file_request: Any, citizen: Any, agent_takes_in_charge: Any
) -> None:
    january = file_request(citizen)
    ServiceRequest.objects.filter(pk=january.pk).update(
        created_at=dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    )
    closed = file_request(citizen)
    agent_takes_in_charge(closed, to="resolue")
    still_open = file_request(citizen)

    assert ids(
        client.get(
            f"{BASE}/requests.json",
            {"start_date": "2026-01-01T00:00:00-05:00", "end_date": "2026-02-01T00:00:00-05:00"},
        )
    ) == [january.reference]
    assert ids(client.get(f"{BASE}/requests.json?status=closed")) == [closed.reference]
    assert ids(client.get(f"{BASE}/requests.json?status=open")) == [still_open.reference]
    assert set(ids(client.get(f"{BASE}/requests.json?status=open,closed"))) == {
        closed.reference,
        still_open.reference,
    }
    assert ids(client.get(f"{BASE}/requests.json?service_code=autre")) == []
    assert len(ids(client.get(f"{BASE}/requests.json?service_code=autre,nid-de-poule"))) == 2


def test_service_request_id_takes_a_comma_list_and_overrides_the_rest(
    client: Client, file_request: Any, citizen: Any
) -> None:
    first, _second, third = (file_request(citizen) for _ in range(3))
    ServiceRequest.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )

    found = ids(
        client.get(
            f"{BASE}/requests.json",
            {"service_request_id": f"{first.reference},{third.reference}", "status": "closed"},
        )
    )

    assert sorted(found) == sorted([first.reference, third.reference])


def test_pages_split_the_results(client: Client, file_request: Any, citizen: Any) -> None:
    made = [file_request(citizen).reference for _ in range(5)]

    page1 = ids(client.get(f"{BASE}/requests.json?page_size=2"))
    page2 = ids(client.get(f"{BASE}/requests.json?page_size=2&page=2"))
    page3 = ids(client.get(f"{BASE}/requests.json?page_size=2&page=3"))

    assert len(page1) == 2 and len(page2) == 2 and len(page3) == 1
    assert sorted(page1 + page2 + page3) == sorted(made)


def test_at_most_1000_results(client: Client, file_request: Any, citizen: Any) -> None:
    from victo_crm.api.open311 import selectors

    original = selectors.MAX_RESULTS
    selectors.MAX_RESULTS = 3  # the same rule, on a handful of rows
    try:
        for _ in range(4):
            file_request(citizen)
        assert len(ids(client.get(f"{BASE}/requests.json"))) == 3
    finally:
        selectors.MAX_RESULTS = original
    assert original == 1000


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query",
    [
        "start_date=hier",
        "end_date=2026-13-45",
        "start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z",
        "status=pending",
        "page=0",
        "page=abc",
        "page_size=1001",
        "page_size=0",
    ],
)
def test_bad_list_parameters_are_400(client: Client, db: None, fmt: str, query: str) -> None:
    error_array(client.get(f"{BASE}/requests.{fmt}?{query}"), fmt, 400)


# --- servicerequestupdates ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_list_public_state_changes_without_private_text(
    client: Client, file_request: Any, citizen: Any, agent: Any, fmt: str
) -> None:
    sr = file_request(citizen)
    service_request_add_note(request=sr, actor=agent, text="Note interne confidentielle")
    service_request_reply(request=sr, actor=agent, text="Bonjour Mme Tremblay, nous y allons")
    transition = Transition.objects.get(from_state=sr.state, to_state__code="fermee-sans-suite")
    service_request_transition(
        request=sr, transition=transition, actor=agent, comment="Mme Tremblay a déménagé"
    )

    response = client.get(f"{BASE}/servicerequestupdates.{fmt}")

    assert response.status_code == 200
    if fmt == "xml":
        assert xml_of(response).tag == "service_request_updates"
    updates = parsed(response, fmt)
    assert [u["status"] for u in updates] == ["open", "closed"]
    for update in updates:
        assert update["service_request_id"] == sr.reference
        assert update["update_id"]
        assert dt.datetime.fromisoformat(update["updated_datetime"]).tzinfo is not None
        assert update["description"]
    body = response.content.decode()
    for secret in ("confidentielle", "Tremblay", "Marie", "marie@example.ca"):
        assert secret not in body


def test_updates_filter_by_dates(client: Client, file_request: Any, citizen: Any) -> None:
    sr = file_request(citizen)
    sr.events.update(created_at=dt.datetime(2026, 1, 10, tzinfo=dt.UTC))

    inside = client.get(
        f"{BASE}/servicerequestupdates.json?start_date=2026-01-01&end_date=2026-01-31"
    )
    outside = client.get(f"{BASE}/servicerequestupdates.json?start_date=2026-02-01")

    assert len(parsed(inside, "json")) == 1
    assert parsed(outside, "json") == []
    error_array(client.get(f"{BASE}/servicerequestupdates.json?end_date=x"), "json", 400)


# --- The rest is 400 or 404 ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_400(client: Client, db: None, fmt: str) -> None:
    response = client.post(f"{BASE}/services.{fmt}")

    error_array(response, fmt, 400)
    assert "GET" in response["Allow"]
    error_array(client.delete(f"{BASE}/requests.{fmt}"), fmt, 400)


def test_an_unknown_endpoint_is_404_and_a_missing_format_is_400(client: Client, db: None) -> None:
    error_array(client.get(f"{BASE}/nothing.json"), "json", 404)
    error_array(client.get(f"{BASE}/nothing.xml"), "xml", 404)
    error_array(client.get(f"{BASE}/services"), "json", 400)
    error_array(client.get(f"{BASE}/services.csv"), "json", 404)


def _tree_serialisation(root: str, value: Any) -> str:
    """What the XML writer replaced: an ElementTree built and serialised."""
    from victo_crm.api.open311.formats import ITEM_TAGS, XML_DECLARATION, _text

    def fill(element: ET.Element, tag: str, item: Any) -> None:
        if isinstance(item, dict):
            for key, child in item.items():
                fill(ET.SubElement(element, key), key, child)
        elif isinstance(item, list | tuple):
            for child in item:
                child_tag = ITEM_TAGS.get(tag, "item")
                fill(ET.SubElement(element, child_tag), child_tag, child)
        else:
            element.text = _text(item)

    element = ET.Element(root)
    fill(element, root, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def test_the_xml_writer_writes_what_elementtree_would() -> None:
    from victo_crm.api.open311.formats import to_xml

    document = [
        {
            "service_request_id": "2026-000001",
            "description": "Trou <profond> & dangereux > 10 cm, « près » du 12\n2e ligne",
            "lat": 46.05,
            "media_url": None,
            "service_notice": "",
            "accepted": True,
            "closed": False,
            "values": [{"key": "a&b", "name": "A < B"}, {"key": "c", "name": ""}],
            "keywords": [],
            "nested": {},
        },
        {"service_request_id": "2026-000002", "address_id": 0},
    ]
    for root in ("service_requests", "services", "errors"):
        assert to_xml(root, document) == _tree_serialisation(root, document)
    assert to_xml("errors", []) == _tree_serialisation("errors", [])
