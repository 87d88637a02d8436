"""Every page carries a Content-Security-Policy and a Permissions-Policy; personal answers
(a citizen's portal, profile, API account and requests) are never kept by a shared cache or
the browser; public answers keep their own caching (the catalogue's ETag and max-age)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import ApiClient, session_token_for
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(response: Any) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def test_a_public_page_has_a_strict_policy_and_keeps_its_public_caching(client: Client) -> None:
    page = client.get("/api/v1/request-types/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "public, max-age=300" and page.has_header("ETag")
    csp = directives(page)
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "https://tile.openstreetmap.org" in csp["img-src"]
    assert "geolocation=(self)" in page["Permissions-Policy"]
    assert "camera=()" in page["Permissions-Policy"]
    assert "microphone=()" in page["Permissions-Policy"]


def test_the_tile_server_named_in_settings_is_the_one_allowed(client: Client, settings: Any):
    settings.VICTO_MAP_TILE_URL = "https://{s}.tuiles.victoriaville.ca/{z}/{x}/{y}.png"
    csp = directives(client.get("/healthz"))  # the policy follows the settings in force
    assert "https://*.tuiles.victoriaville.ca" in csp["img-src"]
    assert "openstreetmap" not in csp["img-src"]


def test_a_citizen_s_pages_and_api_answers_are_private_and_not_stored(
    citizen: Any, request_type: Any, address: Any
) -> None:
    from allauth.account.models import EmailAddress

    from victo_crm.service_requests.services import service_request_submit

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    request = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Un trou",
        field_values={"taille": "grand"},
        address=address,
    )
    portal = sign_in(Client(), citizen)
    for path in ("/portail/", "/portail/profil/", f"/portail/mes-requetes/{request.reference}/"):
        answer = portal.get(path)
        assert answer.status_code == 200, path
        assert "no-store" in answer["Cache-Control"] and "private" in answer["Cache-Control"]
    api = ApiClient(session_token_for(citizen))
    for path in ("/api/v1/me/", f"/api/v1/requests/{request.reference}/"):
        answer = api.get(path)
        assert answer.status_code == 200, path
        assert answer["Cache-Control"] == "private, no-store", path


def test_the_sign_in_page_is_not_stored_either(client: Client) -> None:
    answer = client.get("/compte/login/")
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]


def test_no_template_of_ours_has_an_inline_script_or_event_handler() -> None:
    """What makes script-src 'self' possible: scripts are static files; a <script> in a
    template only carries JSON data."""
    offenders = []
    for template in (ROOT / "victo_crm").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.relative_to(ROOT)}: {tag}")
        for handler in re.findall(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{template.relative_to(ROOT)}: {handler.strip()}")
        if "javascript:" in text:
            offenders.append(f"{template.relative_to(ROOT)}: javascript: URL")
    assert offenders == []
