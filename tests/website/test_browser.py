"""The website in real Chromium: a visitor finds by typing; every page type passes axe-core
in both languages and holds its layout on a phone and a desktop."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import DESKTOP, PHONE, axe_violations, screenshot
from victo_crm.website import links

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_site(seeded: Any, site: dict[str, Any]) -> dict[str, Any]:
    return site


def test_a_visitor_types_collecte_and_reaches_the_collection_page_and_the_tool(page, live_site):
    page.goto("/")
    box = page.get_by_role("combobox", name="Rechercher sur le site de la Ville")
    box.press_sequentially("collecte", delay=30)
    option = page.get_by_role("option", name=re.compile("Collectes et matières résiduelles"))
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    option.click()
    page.wait_for_url("**/collectes/")
    assert page.locator("h1").inner_text() == "Collectes et matières résiduelles"
    page.get_by_role("link", name=re.compile("Mes collectes")).first.click()
    page.wait_for_url(f"**{links.collection_days_url()}")
    assert page.url.endswith(links.collection_days_url())


def test_typing_nid_de_poule_offers_the_request_type_and_opens_the_portal_form(page, live_site):
    page.goto("/")
    box = page.get_by_role("combobox", name="Rechercher sur le site de la Ville")
    box.press_sequentially("nid de poule", delay=30)
    first = page.get_by_role("option").first
    first.wait_for()
    assert "Nid-de-poule" in first.inner_text()
    assert "Requête en ligne" in first.inner_text()
    # Keyboard only: arrow down to the suggestion, Enter to open it.
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("Enter")
    form_url = links.request_form_url("nid-de-poule")
    page.wait_for_url(f"**{form_url}")
    assert "nid-de-poule" in page.url
    assert "Nid-de-poule" in page.content()


def test_searching_without_javascript_suggestions_still_works(page, live_site):
    page.goto("/")
    page.get_by_role("combobox", name="Rechercher sur le site de la Ville").fill("xylophone")
    page.get_by_role("button", name="Rechercher").first.click()
    page.wait_for_url("**/recherche/?q=xylophone")
    assert page.get_by_role("link", name="Poser une question à la Ville").is_visible()


PAGE_TYPES = [
    ("accueil", "/", "/en/"),
    ("information", "/collectes/", "/en/waste-collection/"),
    ("service", "/environnement/", "/en/environment/"),
    ("actualites", "/actualites/", "/en/news/"),
    ("actualite", "/actualites/calendrier/", "/en/news/calendar/"),
    ("recherche", "/recherche/?q=collecte", "/en/recherche/?q=waste"),
    ("recherche-vide", "/recherche/?q=xylophone", "/en/recherche/?q=xylophone"),
]


@pytest.mark.slow
def test_every_page_type_passes_axe_in_both_languages_on_phone_and_desktop(page, live_site):
    problems = {}
    for name, french, english in PAGE_TYPES:
        for language, url in (("fr", french), ("en", english)):
            page.set_viewport_size(DESKTOP)
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == language, url
            violations = axe_violations(page)
            if violations:
                problems[url] = violations
            screenshot(page, f"website-{name}-{language}-desktop")
            page.set_viewport_size(PHONE)
            page.goto(url)
            # Nothing wider than the phone: no horizontal scrolling.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
            screenshot(page, f"website-{name}-{language}-phone")
    assert problems == {}


def test_the_open_suggestion_list_passes_axe(page, live_site):
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("combobox", name="Rechercher sur le site de la Ville").press_sequentially(
        "coll", delay=30
    )
    page.get_by_role("option").first.wait_for()
    assert axe_violations(page) == []
    screenshot(page, "website-suggestions-phone")
