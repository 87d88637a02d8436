"""A visitor of the public site on a 390 x 844 phone, in French: the home page offers to sign
in or create an account, the menu button opens the navigation, and the collection page's tool
finds her address however she writes it, or lists the addresses to choose from.

Each step says, in its docstring, which defect of issue 15 it would have caught."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PHONE
from tests.journeys.conftest import Tab, Town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def website(town_of_victoriaville: Town) -> None:
    """The site's home and, in its menu, the collection page with the "Mes collectes" tool
    (a web editor's work, not the visitor's)."""
    from victo_crm.website.models import InformationPage
    from victo_crm.website.services import publish, website_setup

    home = website_setup()["home"]
    page = InformationPage(
        title="Collectes et matières résiduelles",
        slug="collectes",
        intro="Ordures, recyclage et compost : vos jours de collecte.",
        online_service="collections",
        show_in_menus=True,
        locale=home.locale,
    )
    home.add_child(instance=page)
    publish(page)


def test_a_visitor_on_her_phone_finds_her_way_and_her_collection_days(
    open_tab: Any, website: None
) -> None:
    visitor = open_tab("Visiteuse", viewport=PHONE)
    finds_sign_in_and_the_menu(visitor)
    looks_up_her_collection_days(visitor)


def finds_sign_in_and_the_menu(visitor: Tab) -> None:
    """On a phone the home page shows "Se connecter" and "Créer un compte", and the menu
    button opens the navigation (its pages then one tap away). Would have caught point 6:
    the menu ``display:none`` with no button, and no sign-in or sign-up link on the home
    page."""
    page = visitor.page
    visitor.go("/")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Se connecter")).to_be_visible()
    expect(header.get_by_role("link", name="Créer un compte")).to_be_visible()
    menu = page.locator("#menu-principal")
    button = header.get_by_role("button", name="Menu")
    expect(menu).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    visitor.then(lambda: menu.get_by_role("link", name="Collectes et matières résiduelles").click())
    visitor.then(
        lambda: page.get_by_role("link", name=re.compile("voir mes jours de collecte")).click()
    )


# What she types, and the address she expects (None: a list to choose from).
SPELLINGS = [
    ("1 rue Notre-Dame Est", "1, rue Notre-Dame Est"),  # the tool's own example
    ("2, rue Notre-Dame Est", "2, rue Notre-Dame Est"),
    ("12 rue des erables", "12, rue des Érables"),  # no accent
    ("250 boul. des Bois-Francs Sud", "250, boulevard des Bois-Francs Sud"),
    ("Notre-Dame E.", None),  # several: she picks hers
]


def looks_up_her_collection_days(visitor: Tab) -> None:
    """Each way of writing an address finds it, the exact civic number first ("1" is not
    "10" nor "100"); a street alone lists its addresses to choose from. Would have caught
    point 4: "1 rue Notre-Dame Est" refused with « Plusieurs adresses correspondent » and no
    choices, "2 rue Notre-Dame Est" refused while "2, rue …" worked."""
    page = visitor.page
    for number, (typed, expected) in enumerate(SPELLINGS, 1):
        page.get_by_role("textbox", name=re.compile("adresse", re.I)).fill(typed)
        visitor.then(lambda: page.get_by_role("button", name="Voir mes collectes").click())
        if expected is None:
            choices = page.get_by_role("region", name="Choisissez votre adresse")
            expect(choices.get_by_role("link")).to_have_count(5)
            expect(choices).to_contain_text("100, rue Notre-Dame Est")
            mine = choices.get_by_role("link", name=re.compile("^10, "))
            visitor.then(mine.click)
            expected = "10, rue Notre-Dame Est"
        expect(page.locator("h1")).to_contain_text(expected)
        expect(page.locator("main")).to_contain_text("Ordures")
        if number < len(SPELLINGS):
            visitor.then(
                lambda: page.get_by_role("link", name="Chercher une autre adresse").click()
            )
