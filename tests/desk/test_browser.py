"""The desk in a real Chromium: an agent's day on one request, the citizen's view of it,
axe-core on every desk page, and screenshots at desktop (1280 x 800) and phone (390 x 844) size.

The desk's maps draw OpenStreetMap's tiles by default; here the browser gets a stand-in
image for each tile (``keep_offline``) and any other request leaving the machine is refused,
so nothing needs the Internet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import DESKTOP, PHONE, axe_violations, keep_offline, login, screenshot
from victo_crm.desk.models import CannedResponse
from victo_crm.service_requests.models import EventKind, RequestEvent, ServiceRequest
from victo_crm.service_requests.services import service_request_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Note interne : vérifier la conduite d’eau avant de creuser."
ADDED = " Une équipe passera cette semaine."


@pytest.fixture
def world(
    seeded: Any, town: Any, address: Any, request_type: Any, citizen: Any, agent: Any
) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    canned = CannedResponse.objects.create(
        title="Prise en charge",
        body_fr="Bonjour {citizen_name}, votre requête {reference} ({type}) est prise en charge.",
    )
    pothole = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "grand"},
        description="Trou profond devant l’école Notre-Dame.",
        address=address,
    )
    return {"pothole": pothole, "canned": canned, "citizen": citizen, "agent": agent}


@pytest.fixture
def tab(page: Any) -> Any:
    return page  # already offline: the ``page`` fixture's context answers outside requests


def no_violations(page: Any, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], (name, violations)


def test_an_agent_takes_answers_and_moves_a_new_request_and_the_citizen_sees_only_the_public_part(
    tab: Any, world: dict[str, Any], live_server: Any, browser: Any
) -> None:
    page, pothole = tab, world["pothole"]
    login(page, world["agent"], live_server.url)

    # The new request waits in the team's unassigned queue.
    page.goto("/bureau/?file=unassigned")
    page.get_by_role("link", name=pothole.reference).click()
    page.wait_for_url(f"**/bureau/requetes/{pothole.reference}/")

    # Leaflet's zoom buttons speak French on a French page (core/templatetags/maps.py).
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Zoom avant")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Zoom arrière")

    page.get_by_role("button", name="Me l’attribuer").click()
    page.wait_for_load_state()
    assert "Requête prise en charge" in page.content()  # assigned and taken in one step

    page.fill("#id_note_text", NOTE)
    page.get_by_role("button", name="Ajouter la note interne").click()
    page.wait_for_load_state()

    # One click on the canned response fills the reply (htmx); the agent edits it, sends it.
    page.get_by_role("link", name="Prise en charge").click()
    box = page.locator("#id_reply_text")
    # A locator assertion, not wait_for_function: the page's CSP forbids evaluating strings.
    expect(box).to_have_value(re.compile("Bonjour Marie Tremblay"))
    box.press("Control+End")
    box.type(ADDED)
    page.get_by_role("button", name="Envoyer la réponse").click()
    page.wait_for_load_state()
    assert "Réponse envoyée au citoyen" in page.content()

    page.get_by_role("radio", name=re.compile("Commencer les travaux")).check()
    page.get_by_role("button", name="Faire l’action").click()
    page.wait_for_load_state()
    assert "maintenant «\u00a0En cours\u00a0»" in page.locator("#messages").inner_text()
    internal = page.locator(".desk-event--internal", has_text=NOTE)
    assert internal.count() == 1
    no_violations(page, "request page after the actions")
    screenshot(page, "desk-request-desktop")

    pothole = ServiceRequest.objects.select_related("state").get(pk=pothole.pk)
    assert pothole.state.code == "en-cours" and pothole.assignee == world["agent"]
    reply = f"Bonjour Marie Tremblay, votre requête {pothole.reference} (Nid-de-poule) est prise en charge.{ADDED}"
    public = RequestEvent.objects.filter(request=pothole, is_public=True)
    assert public.filter(kind=EventKind.PUBLIC_REPLY, message=reply).exists()
    assert not public.filter(message__contains="conduite d’eau").exists()

    # The citizen's own timeline, in the portal: the reply and the new state, not the note.
    citizen_context = browser.new_context(
        viewport=DESKTOP, locale="fr-CA", base_url=live_server.url
    )
    keep_offline(citizen_context)
    citizen_page = citizen_context.new_page()
    login(citizen_page, world["citizen"], live_server.url)
    response = citizen_page.goto(f"/portail/mes-requetes/{pothole.reference}/")
    assert response is not None and response.status == 200
    text = citizen_page.content()
    assert "Une équipe passera cette semaine." in text
    assert "Travaux en cours" in text  # the citizen label of "en-cours"
    assert "conduite d’eau" not in text and "Note interne" not in text
    citizen_context.close()


DESK_PAGES = [
    ("queue", "/bureau/?file=team"),
    ("queue-filtered", "/bureau/?file=team&q=ecole&channel=web"),
    ("request", "/bureau/requetes/{ref}/"),
    ("on-behalf", "/bureau/requetes/nouvelle/?citoyen=Tremblay"),
    ("on-behalf-type", "/bureau/requetes/nouvelle/?type={type}"),
    ("map", "/bureau/carte/"),
    ("dashboard", "/bureau/tableau-de-bord/"),
]


@pytest.mark.slow
@pytest.mark.parametrize("viewport_name", ["desktop", "phone"])
def test_every_desk_page_has_no_axe_violation_and_fits_the_screen(
    tab: Any, world: dict[str, Any], live_server: Any, supervisor: Any, viewport_name: str
) -> None:
    viewport = DESKTOP if viewport_name == "desktop" else PHONE
    page = tab
    page.set_viewport_size(viewport)
    login(page, supervisor, live_server.url)
    fmt = {"ref": world["pothole"].reference, "type": world["pothole"].request_type_id}
    for name, template in DESK_PAGES:
        response = page.goto(template.format(**fmt))
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("networkidle")
        no_violations(page, name)
        # Nothing wider than the screen except inside a scrolling table wrapper.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, overflow)
        screenshot(page, f"desk-{name}-{viewport_name}")

    # A bulk report with a refusal, and a conflict on the request page.
    page.goto("/bureau/?file=team")
    page.locator("input[name=ids]").first.check()
    page.select_option("#bulk-action", "transition")
    page.select_option("#bulk-state", "rouverte")
    page.get_by_role("button", name="Appliquer aux requêtes cochées").click()
    page.wait_for_load_state()
    assert "refusée" in page.content()
    no_violations(page, "bulk report")
    screenshot(page, f"desk-bulk-report-{viewport_name}")


def test_the_map_draws_the_filtered_requests_and_a_click_opens_one(
    tab: Any, world: dict[str, Any], live_server: Any, agent: Any
) -> None:
    page, pothole = tab, world["pothole"]
    login(page, agent, live_server.url)
    page.goto("/bureau/carte/?file=team")
    marker = page.locator(".leaflet-marker-icon").first
    marker.wait_for()
    assert page.locator("#map-status").text_content() == "1 requête(s) sur la carte"
    # A street map under the markers, with the credit OpenStreetMap's licence asks for.
    tile = page.locator(".leaflet-tile-pane img").first
    tile.wait_for()
    assert (tile.get_attribute("src") or "").startswith("https://tile.openstreetmap.org/")
    credit = page.locator(
        ".leaflet-control-attribution a[href='https://www.openstreetmap.org/copyright']"
    )
    assert credit.inner_text() == "© OpenStreetMap contributors"
    no_violations(page, "map with markers")
    screenshot(page, "desk-map-markers-desktop")
    marker.click()
    page.wait_for_url(f"**/bureau/requetes/{pothole.reference}/")
