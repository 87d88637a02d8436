"""The site answers in French whatever the browser says, and reports its health."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_is_french_whatever_the_browser_says(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_english_is_offered_by_the_visible_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/portail/"})
    response = client.get("/portail/")
    assert response.headers["Content-Language"] == "en"


def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}
