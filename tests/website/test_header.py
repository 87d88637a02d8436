"""The site's header on every screen (issue 15, point 6): a citizen finds "Se connecter" and
"Créer un compte" on the home page, a signed-in person "Mon espace"; the page menu folds
behind an accessible menu button on a phone. The header differs per visitor, so the
anonymous page cache must never hand one visitor's header to another."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import DESKTOP, PHONE, keep_offline, screenshot, sign_in

pytestmark = pytest.mark.django_db


def account_links(html: str) -> str:
    match = re.search(r'<ul class="account-links">(.*?)</ul>', html, re.S)
    assert match, "no account links in the header"
    return match.group(1)


@pytest.fixture
def steady(settings):
    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 3600


def test_the_home_page_offers_sign_in_and_sign_up_to_a_visitor(site, steady):
    links = account_links(Client().get("/").text)
    assert "Se connecter" in links and "Créer un compte" in links
    assert "Mon espace" not in links


def test_in_english_too(site, steady):
    links = account_links(Client().get("/en/").text)
    assert "Sign in" in links and "Create an account" in links


def test_a_signed_in_citizen_gets_my_space_and_never_the_cached_anonymous_header(
    client, site, steady, citizen
):
    assert Client().get("/").text  # the anonymous copy is now cached
    client.force_login(citizen)
    page = client.get("/")
    assert not page.has_header("Age")  # not from the cache
    links = account_links(page.text)
    assert 'href="/portail/"' in links and "Mon espace" in links
    assert "Se connecter" not in links


def test_an_agents_space_is_the_desk(client, site, steady, agent):
    sign_in(client, agent)
    assert 'href="/bureau/"' in account_links(client.get("/").text)


def test_a_visitor_after_a_signed_in_one_gets_the_anonymous_header(client, site, steady, citizen):
    client.force_login(citizen)
    client.get("/")
    client.get("/")
    anonymous = Client().get("/")
    anonymous_again = Client().get("/")
    assert anonymous_again.has_header("Age")  # from the cache
    for response in (anonymous, anonymous_again):
        links = account_links(response.text)
        assert "Se connecter" in links and "Mon espace" not in links


def test_the_menu_button_controls_the_menu(site, steady):
    html = Client().get("/").text
    button = re.search(r"<button[^>]*class=\"menu-toggle\"[^>]*>", html).group(0)
    assert 'aria-expanded="false"' in button and 'aria-controls="menu-principal"' in button
    assert 'id="menu-principal"' in html
    # Hidden until menu.js runs: without JavaScript the menu itself stays on the page.
    assert " hidden" in button


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestOnAPhone:
    def test_the_menu_opens_and_closes_by_keyboard_and_the_account_links_show(
        self, page, seeded, site
    ):
        for language, home in (("fr", "/"), ("en", "/en/")):
            page.set_viewport_size(PHONE)
            page.goto(home)
            name = "Menu"
            button = page.get_by_role("button", name=name)
            menu = page.locator("#menu-principal")
            assert button.is_visible() and not menu.is_visible()
            sign_in_label = "Se connecter" if language == "fr" else "Sign in"
            assert page.get_by_role("link", name=sign_in_label).is_visible()
            screenshot(page, f"website-header-{language}-phone-closed")
            button.focus()
            page.keyboard.press("Enter")
            assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
            assert menu.get_by_role("link").first.is_visible()
            screenshot(page, f"website-header-{language}-phone-open")
            page.keyboard.press("Escape")
            assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.set_viewport_size(DESKTOP)
            page.goto(home)
            assert not button.is_visible() and menu.is_visible()
            assert page.get_by_role("link", name=sign_in_label).is_visible()
            screenshot(page, f"website-header-{language}-desktop")

    def test_the_language_switch_leads_to_the_translation_without_a_token(self, page, seeded, site):
        page.set_viewport_size(DESKTOP)
        page.goto("/collectes/")
        assert page.locator("input[name=csrfmiddlewaretoken]").count() == 0
        page.get_by_role("button", name="English").click()
        page.wait_for_url("**/en/waste-collection/")
        assert page.locator("html").get_attribute("lang") == "en"
        screenshot(page, "website-language-switch-en-desktop")
        page.get_by_role("button", name="Français").click()
        page.wait_for_url("**/collectes/")
        assert page.locator("html").get_attribute("lang") == "fr"

    def test_without_javascript_the_menu_is_there(self, browser, live_server, seeded, site):
        context = browser.new_context(
            viewport=PHONE, java_script_enabled=False, base_url=live_server.url
        )
        keep_offline(context)
        try:
            page = context.new_page()
            page.goto("/")
            assert page.locator("#menu-principal").get_by_role("link").first.is_visible()
            assert not page.locator(".menu-toggle").is_visible()
            screenshot(page, "website-header-fr-phone-nojs")
        finally:
            context.close()
