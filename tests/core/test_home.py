"""The home page answers, in French by default, and passes axe-core."""

import pytest

from tests.conftest import PHONE, axe_violations, screenshot

pytestmark = pytest.mark.django_db


def test_home_is_french_whatever_the_browser_says(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.browser
def test_home_in_a_real_browser_has_no_accessibility_violation(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Services en ligne de la Ville de Victoriaville"
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    screenshot(page, "home-phone")
