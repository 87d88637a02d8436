"""The request page and the account pages, as Marie uses them."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from tests.portal.conftest import close_request
from victo_crm.accounts.models import Consent, User
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db


def test_my_requests_is_paginated_and_filtered(
    marie: Any, citizen: Any, request_type: Any, address: Any, agent: Any
) -> None:
    made = [
        service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "petit"},
            address=address,
        )
        for _ in range(22)
    ]
    close_request(made[0], agent)
    url = reverse("portal:my_requests")
    first = marie.get(url).content.decode()
    assert made[-1].reference in first and made[2].reference in first
    assert made[1].reference not in first and "Plus récentes" not in first
    older = re.search(r'href="\?avant=([0-9-]+)">Plus anciennes', first)
    assert older, first
    # A request filed meanwhile does not shift the next page: it starts after made[2].
    service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "petit"},
        address=address,
    )
    second = marie.get(url, {"avant": older.group(1)}).content.decode()
    assert made[1].reference in second and made[0].reference in second
    assert made[2].reference not in second and "Plus anciennes" not in second
    newer = re.search(r'href="\?apres=([0-9-]+)">«\u00a0Plus récentes', second)
    assert newer, second
    back = marie.get(url, {"apres": newer.group(1)}).content.decode()
    assert made[2].reference in back and made[1].reference not in back
    closed = marie.get(url, {"statut": "fermees"}).content.decode()
    assert made[0].reference in closed and made[5].reference not in closed
    still_open = marie.get(url, {"statut": "ouvertes"}).content.decode()
    assert made[0].reference not in still_open and made[5].reference in still_open
    # A cursor typed by hand is a position, nothing more: junk gives the first page.
    assert made[-1].reference in marie.get(url, {"avant": "n'importe-quoi"}).content.decode()


def test_the_request_page_shows_the_timeline_and_the_actions(
    marie: Any, marie_request: Any
) -> None:
    body = marie.get(
        reverse("portal:request_detail", args=[marie_request.reference])
    ).content.decode()
    assert "Requête reçue" in body and "Grand" in body and "Un gros trou devant chez moi" in body
    assert "Ajouter un commentaire" in body and "Ajouter des photos" in body
    assert "Ce n’est pas réglé" not in body  # open: nothing to reopen


def test_marie_reopens_and_rates_from_the_request_page(
    marie: Any, marie_request: Any, agent: Any
) -> None:
    close_request(marie_request, agent)
    url = reverse("portal:request_detail", args=[marie_request.reference])
    body = marie.get(url).content.decode()
    assert "Ce n’est pas réglé\u00a0?" in body and "Êtes-vous satisfait\u00a0?" in body
    rated = marie.post(
        reverse("portal:request_rate", args=[marie_request.reference]),
        {"rating": "5", "comment": "Bravo"},
    )
    assert rated.status_code == 302
    reopened = marie.post(
        reverse("portal:request_reopen", args=[marie_request.reference]), {"reason": "Revenu"}
    )
    assert reopened.status_code == 302
    sr = ServiceRequest.objects.get(pk=marie_request.pk)
    assert sr.state.code == "rouverte" and sr.rating == 5
    body = marie.get(url).content.decode()
    assert "Nouvel état\u00a0: Rouverte" in body and "Revenu" in body and "5 sur 5" in body


@pytest.mark.parametrize(
    ("action", "data", "files"),
    [
        ("request_reopen", {"reason": ""}, False),
        ("request_rate", {"rating": "9"}, False),
        ("request_comment", {"text": ""}, False),
        ("request_add_photos", {}, True),
    ],
)
def test_a_refused_form_of_the_request_page_is_announced(
    marie: Any, marie_request: Any, agent: Any, action: str, data: dict[str, str], files: bool
) -> None:
    """Whichever of the page's forms is refused, its summary is the one focus.js focuses
    (id error-summary) and the title starts with "Erreur :" (issue 15, keyboard findings)."""
    if action in ("request_reopen", "request_rate"):
        close_request(marie_request, agent)
    if files:
        data = {"photos": io.BytesIO(b"%PDF-1.4 not a picture")}
        data["photos"].name = "plan.png"  # type: ignore[attr-defined]
    response = marie.post(reverse(f"portal:{action}", args=[marie_request.reference]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r"<title>Erreur\u00a0: ", body), body[:400]
    assert body.count('id="error-summary"') == 1 and 'tabindex="-1"' in body


def test_the_profile_sets_a_registry_address_and_the_language(
    marie: Any, citizen: Any, address: Any
) -> None:
    page = marie.post(
        reverse("portal:profile"),
        {
            "first_name": "Marie",
            "last_name": "Tremblay",
            "phone": "819 555-1234",
            "address_query": "1 notre-dame est",
            "preferred_language": "en",
        },
    )
    assert page.status_code == 302
    citizen.refresh_from_db()
    assert citizen.address == address and citizen.preferred_language == "en"
    assert page.cookies["django_language"].value == "en"


def test_the_profile_refuses_an_unknown_address_with_the_text_kept(
    marie: Any, address: Any
) -> None:
    page = marie.post(
        reverse("portal:profile"),
        {"first_name": "Marie", "address_query": "42 rue Nulle", "preferred_language": "fr"},
    )
    body = page.content.decode()
    assert (
        page.status_code == 400 and "«\u00a042 rue Nulle\u00a0»" in body and 'value="Marie"' in body
    )


def test_preferences_and_consents_from_the_portal(marie: Any, citizen: Any) -> None:
    page = marie.get(reverse("portal:preferences")).content.decode()
    assert 'name="pref:request_updates:email" checked' in page
    assert 'name="pref:collections:email">' in page
    marie.post(
        reverse("portal:preferences"),
        {"pref:collections:email": "on", "pref:request_updates:email": "on"},
    )
    keys = set(citizen.preferences.filter(enabled=True).values_list("topic", "channel"))
    assert keys == {("collections", "email")}
    refused = marie.post(reverse("portal:preferences"), {"pref:emergencies:sms": "on"})
    assert refused.status_code == 400 and "numéro de téléphone" in refused.content.decode()
    marie.post(reverse("portal:consent"), {"purpose": "surveys", "action": "give"})
    assert Consent.objects.filter(
        user=citizen, purpose="surveys", withdrawn_at__isnull=True
    ).exists()
    marie.post(reverse("portal:consent"), {"purpose": "surveys", "action": "withdraw"})
    assert not Consent.objects.filter(user=citizen, withdrawn_at__isnull=True).exists()


def test_my_data_downloads_one_archive_with_json_and_csv(marie: Any, marie_request: Any) -> None:
    archive = marie.get(reverse("portal:export"))
    assert archive["Content-Type"] == "application/zip"
    zipped = zipfile.ZipFile(io.BytesIO(archive.content))
    data = json.loads(zipped.read("data.json"))
    assert data["requests"][0]["reference"] == marie_request.reference
    assert "csv/requests.csv" in zipped.namelist()


def test_deleting_the_account_from_the_portal(marie: Any, citizen: Any, marie_request: Any) -> None:
    refused = marie.post(reverse("portal:delete_account"), {"password": "faux", "confirm": "on"})
    assert refused.status_code == 400 and "Mot de passe incorrect." in refused.content.decode()
    done = marie.post(
        reverse("portal:delete_account"), {"password": "correct horse battery", "confirm": "on"}
    )
    assert done.status_code == 302
    assert not User.objects.filter(pk=citizen.pk).exists()
    assert ServiceRequest.objects.get(pk=marie_request.pk).citizen is None
    assert marie.get(reverse("portal:my_requests")).status_code == 302  # signed out


def test_the_pwa_files(client: Any) -> None:
    manifest = client.get(reverse("portal:manifest"))
    data = json.loads(manifest.content)
    assert manifest["Content-Type"] == "application/manifest+json"
    assert data["start_url"] == "/portail/" and {i["sizes"] for i in data["icons"]} == {
        "192x192",
        "512x512",
    }
    worker = client.get(reverse("portal:service_worker"))
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/portail/"
    assert b"hors-ligne" in worker.content and b"OFFLINE_URL" in worker.content
    assert client.get(reverse("portal:offline")).status_code == 200


def test_english_is_one_click_away(client: Any) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/portail/"})
    body = client.get("/portail/").content.decode()
    assert 'lang="en"' in body


def test_address_lookup_returns_registry_addresses(client: Any, address: Any) -> None:
    data = client.get(reverse("portal:address_lookup"), {"q": "notre dame"}).json()
    assert data["results"][0]["id"] == address.pk
    assert client.get(reverse("portal:address_lookup"), {"q": "n"}).json() == {"results": []}


def test_the_home_page_shows_the_notices_in_force_emergencies_first(
    client: Any, supervisor: Any, town: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from victo_crm.alerts.models import AlertTopic, Notice
    from victo_crm.alerts.services import notice_publish, notice_save_draft

    def publish(title: str, topic: str, **extra: Any) -> Notice:
        notice = notice_save_draft(
            notice=Notice(
                topic=AlertTopic.objects.get(code=topic),
                title_fr=title,
                body_fr="…",
                area_kind="town",
                starts_at=timezone.now() - timedelta(minutes=5),
                **extra,
            ),
            actor=supervisor,
        )
        return notice_publish(notice=notice, actor=supervisor)

    publish("Travaux rue Notre-Dame", "travaux")
    boil = publish("Avis d’ébullition", "travaux", severity="emergency")
    over = publish("Terminé", "travaux", ends_at=timezone.now() - timedelta(minutes=1))

    html = client.get(reverse("portal:home")).content.decode()

    assert "Avis en vigueur" in html
    assert html.index("Avis d’ébullition") < html.index("Travaux rue Notre-Dame")
    assert "notice--emergency" in html and "Urgence" in html
    assert reverse("alerts:notice_public", args=[boil.pk]) in html
    assert over.title_fr not in html
    assert reverse("alerts:index") in html


def test_the_location_map_uses_the_town_s_tile_server_or_none(
    marie: Any, request_type: Any, settings: Any
) -> None:
    url = reverse("portal:submit_location", args=[request_type.code])
    settings.VICTO_MAP_TILE_URL = ""
    settings.VICTO_MAP_TILE_ATTRIBUTION = ""

    none = marie.get(url).content.decode()
    settings.VICTO_MAP_TILE_URL = "https://tuiles.victoriaville.ca/{z}/{x}/{y}.png"
    settings.VICTO_MAP_TILE_ATTRIBUTION = '© OSM "><script>alert(1)</script>'
    named = marie.get(url).content.decode()

    # No tiles by default: no third-party server learns where the citizen is looking.
    assert 'data-tiles=""' in none
    assert 'data-tiles="https://tuiles.victoriaville.ca/{z}/{x}/{y}.png"' in named
    assert "<script>alert(1)</script>" not in named
    assert "&lt;script&gt;" in named
