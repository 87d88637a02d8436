"""Hostile input never makes a 5xx, on any address of any face.

Every URL pattern of the project (the resolver walked, Django admin and Wagtail included) is
called with what a fuzzer or a careless client sends: a NUL or a vertical tab in the path
and the query, impossible dates, huge and non-finite numbers, a cursor of garbage, JSON
nested ten thousand deep, text in a JSON body or a form full of control characters, a body
of the wrong content type. As an anonymous caller, a citizen, a supervisor and an
administrator. The only assertion: no answer is a server error.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import CENTRE_LAT, CENTRE_LON, sign_in
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = "a\x00b\x0bc\x1fd\x7fe"
LONE_SURROGATE = "a\ud800b"  # only JSON can carry one ("\\ud800")
NESTED = "[" * 10_000 + "]" * 10_000
HOSTILE_QUERY = (
    "q=%27%22%3Cscript%3E&page=999999999999999999999&limit=-1&offset=1e400"
    "&date=2026-02-30&start_date=2026-02-30&end_date=0000-00-00&updated_after=2026-13-45"
    "&lat=1e400&long=nan&cursor=%21%21%21&sort=zzz&ordering=-zzz&status=zzz&type=%5B%5D"
    "&service_code=%00x&zone=-1&team=abc&format=zzz&id=1%3B%20DROP"
)
HOSTILE_FIELDS: dict[str, Any] = {
    "description": HOSTILE_TEXT,
    "q": HOSTILE_TEXT,
    "name": HOSTILE_TEXT,
    "title": HOSTILE_TEXT,
    "email": "x\x00@example.ca",
    "phone": "\x0b819",
    "date": "2026-02-30",
    "start_date": "2026-02-30",
    "end_date": "2026-02-30",
    "starts_at": "2026-02-30T10:00",
    "lat": "1e400",
    "long": "nan",
    "latitude": "1e400",
    "longitude": "-inf",
    "page": "99999999999999999999",
    "limit": "-5",
    "service_code": "nid-de-poule",
    "request_type": "nid-de-poule",
    "type": "nid-de-poule",
    "field_values": json.dumps({"releve": "2026-02-30", "date": "2026-02-30", "nombre": "1e400"}),
    "attribute[releve]": "2026-02-30",
    "attribute[nombre]": "1e400",
    "address_id": "99999999999999999999999",
    "address_string": HOSTILE_TEXT,
    "subscription": "{",
    "password": "x\x00",
    "key": "\x00",
}
JSON_BODY = json.dumps(
    {
        **HOSTILE_FIELDS,
        "description": LONE_SURROGATE + HOSTILE_TEXT,
        "field_values": {"releve": "2026-02-30", "nombre": 10**400},
        "location": {"lat": 10**400, "lon": "x"},
        "channels": [["x"]],
        "keys": {"p256dh": "\x00"},
    }
)
SAMPLES = {
    "fmt": "json",
    "app_label": "accounts",
    "model_name": "user",
    "code": "nid-de-poule",
    "uidb36": "1",
    "uidb64": "MQ",
    "filter_spec": "original",
}
SKIP_POST = re.compile(r"logout|deconnexion|/delete|supprimer")


def sample_path(route: str, reference: str) -> str:
    """A concrete address for a route or a regex pattern (values that reach the view)."""

    def value(name: str) -> str:
        if name == "reference" or name.endswith("request_id"):
            return reference
        return SAMPLES.get(name, "1")

    route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: value(m.group(2)), route)
    route = re.sub(r"\(\?P<(\w+)>[^()]*(?:\([^()]*\)[^()]*)*\)", lambda m: value(m.group(1)), route)
    route = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("\\", "")
    route = re.sub(r"\(\(\?:.*\)\*\)", "page-inconnue/", route)
    return "/" + route


def every_route() -> list[str]:
    routes: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                routes.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return routes


def with_nul(path: str) -> str:
    """The path with a NUL (percent-encoded, as on the wire) at the end of its last segment."""
    stem, slash = (path[:-1], "/") if path.endswith("/") else (path, "")
    return stem + "%00" + slash


@pytest.fixture
def personas(
    citizen: Any, supervisor: Any, administrator: Any, request_type: Any, town: Any
) -> dict[str, Client]:
    from allauth.account.models import EmailAddress

    for user in (citizen, supervisor, administrator):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    clients = {"anonyme": Client(raise_request_exception=False)}
    for name, user in (
        ("citoyenne", citizen),
        ("superviseur", supervisor),
        ("admin", administrator),
    ):
        client = Client(raise_request_exception=False)
        sign_in(client, user)  # staff with both factors (MFA is mandatory for them)
        clients[name] = client
    return clients


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> Any:
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            key: "100000/min" for key in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.mark.slow
def test_no_hostile_input_makes_a_server_error_anywhere(
    personas: dict[str, Client], citizen: Any, request_type: Any, address: Any
) -> None:
    request = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Un trou profond",
        field_values={"taille": "grand"},
        address=address,
        channel="web",
    )
    assert isinstance(request, ServiceRequest)
    paths = sorted({sample_path(route, request.reference) for route in every_route()})
    assert len(paths) > 400  # the walk found the whole project, admin and CMS included
    errors: list[str] = []

    def check(persona: str, method: str, path: str, answer: Any) -> None:
        if answer.status_code >= 500:
            errors.append(f"{persona} {method} {path} → {answer.status_code}")

    for persona, client in personas.items():
        ours = persona != "admin"
        for path in paths:
            if not ours and not path.startswith(("/admin/", "/cms/", "/documents/")):
                continue
            if ours and path.startswith(("/admin/", "/cms/")):
                continue
            check(persona, "GET", with_nul(path), client.get(with_nul(path)))
            check(persona, "GET", path + "?q=ab%00", client.get(path, QUERY_STRING="q=ab%00"))
            check(persona, "GET", path + "?…", client.get(path, QUERY_STRING=HOSTILE_QUERY))
            if SKIP_POST.search(path):
                continue
            check(
                persona,
                "POST nested",
                path,
                client.post(path, NESTED, content_type="application/json"),
            )
            if not ours:
                continue
            check(
                persona,
                "POST json",
                path,
                client.post(path, JSON_BODY, content_type="application/json"),
            )
            check(persona, "POST form", path, client.post(path, HOSTILE_FIELDS))
            check(
                persona,
                "POST text",
                path,
                client.post(path, "\x00{<?xml", content_type="text/plain"),
            )
            check(
                persona,
                "PATCH json",
                path,
                client.patch(path, JSON_BODY, content_type="application/json"),
            )
    assert errors == [], "\n".join(errors)


def test_a_nul_in_a_path_or_query_is_a_translated_400_in_each_faces_format(
    client: Client, citizen: Any
) -> None:
    api = client.get("/api/v1/requests/2026-000001%00/")
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    assert "caractères invalides" in api.json()["detail"]
    english = client.get("/api/v1/requests/x%00/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "The requested address contains invalid characters."
    open311 = client.get("/open311/v2/requests.xml", QUERY_STRING="service_code=a%00")
    assert open311.status_code == 400 and b"<errors>" in open311.content
    # A line break or a tab in a path too (a search may hold one, an address never).
    for broken in ("%0A", "%0D", "%09"):
        reply = client.get(f"/api/v1/requests/2026-000001{broken}/")
        assert reply.status_code == 400, broken
        assert reply["Content-Type"] == "application/problem+json"
        assert client.get(f"/portail/requetes/2026{broken}/").status_code == 400, broken
    assert client.get("/portail/adresses/", QUERY_STRING="q=rue%0Aprincipale").status_code != 400
    page = client.get("/portail/adresses/", QUERY_STRING="q=ab%00")
    assert page.status_code == 400 and "text/html" in page["Content-Type"]
    assert "La recherche contient des caractères invalides." in page.content.decode()


def test_json_nested_too_deep_is_a_400_on_the_api_and_on_allauth(client: Client) -> None:
    api = client.post("/api/v1/requests/", NESTED, content_type="application/json")
    assert api.status_code == 400 and "imbriqué" in api.json()["detail"]
    headless = client.post("/_allauth/app/v1/auth/login", NESTED, content_type="application/json")
    assert headless.status_code == 400 and headless.json()["status"] == 400


def test_control_characters_are_removed_from_text_before_it_is_stored(
    citizen: Any, request_type: Any, address: Any, settings: Any
) -> None:
    from tests.api.conftest import ApiClient, session_token_for

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            key: "100000/min" for key in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        },
    }
    api = ApiClient(session_token_for(citizen))
    answer = api.post(
        "/api/v1/requests/",
        data=json.dumps(
            {
                "request_type": request_type.code,
                "description": "Trou\x0b profond\x00 ici\ttab\nligne",
                "field_values": {"taille": "grand"},
                "latitude": CENTRE_LAT,
                "longitude": CENTRE_LON,
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    stored = ServiceRequest.objects.get()
    assert stored.description == "Trou profond ici\ttab\nligne"


def test_an_impossible_date_is_a_field_error_not_a_crash(
    citizen: Any, request_type: Any, address: Any
) -> None:
    from tests.api.conftest import ApiClient, session_token_for
    from victo_crm.service_requests.models import RequestTypeField

    RequestTypeField.objects.create(
        request_type=request_type, code="jour", label_fr="Jour", datatype="date", order=9
    )
    api = ApiClient(session_token_for(citizen))
    answer = api.post(
        "/api/v1/requests/",
        data=json.dumps(
            {
                "request_type": request_type.code,
                "description": "Trou",
                "field_values": {"taille": "grand", "jour": "2026-02-30"},
                "latitude": CENTRE_LAT,
                "longitude": CENTRE_LON,
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.content
    assert [e["pointer"] for e in answer.json()["errors"]] == ["#/field_values/jour"]
    assert quote("AAAA-MM-JJ") in quote(answer.json()["errors"][0]["detail"])


def test_text_stored_before_the_boundary_cannot_break_xml_or_xlsx(
    citizen: Any, supervisor: Any, request_type: Any, address: Any, client: Client
) -> None:
    from xml.etree import ElementTree

    request = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="propre",
        field_values={"taille": "grand"},
        address=address,
        channel="web",
    )
    from django.utils import timezone

    from victo_crm.service_requests.models import PublicVisibility

    request_type.public_visibility = PublicVisibility.PUBLISHED
    request_type.save()
    # An old row, written before the boundary cleaned input.
    ServiceRequest.objects.filter(pk=request.pk).update(
        description="Trou\x0bprofond\x1f",
        public_summary="Trou\x0bprofond\x1f",  # PostgreSQL cannot hold a NUL
        public_summary_approved_at=timezone.now(),
    )

    feed = client.get("/open311/v2/requests.xml")
    assert feed.status_code == 200
    ElementTree.fromstring(feed.content)  # noqa: S314 — our own output, checked well-formed
    assert b"Trouprofond" in feed.content

    sign_in(client, supervisor)
    sheet = client.get("/bureau/exporter.xlsx")
    assert sheet.status_code == 200
    assert sheet.content[:2] == b"PK"
