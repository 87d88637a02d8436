"""An anonymous page view costs one cache read; publishing refreshes every cached page;
signed-in people never get a shared copy."""

from __future__ import annotations

import pytest
from django.test import Client

from victo_crm.website.services import publish

pytestmark = pytest.mark.django_db


def test_anonymous_views_are_cached_publicly(client, site, django_assert_num_queries):
    first = client.get("/collectes/")
    assert first["X-Website-Cache"] == "miss"
    assert first["Cache-Control"].startswith("public, max-age=")
    with django_assert_num_queries(0):
        second = Client().get("/collectes/")
    assert second["X-Website-Cache"] == "hit"
    assert second.content.decode().count("Collectes et matières résiduelles") >= 1


def test_each_visitor_gets_their_own_csrf_token_from_the_cache(site):
    alice, bob = Client(), Client()
    alice.get("/collectes/")
    page = bob.get("/collectes/")
    assert page["X-Website-Cache"] == "hit"
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    assert token is not None
    assert "__victo_csrf_token__" not in page.content.decode()
    # Bob's language switch works with his own cookie.
    switch = bob.post("/i18n/setlang/", {"language": "en", "next": "/collectes/"})
    assert switch.status_code == 302


def test_publishing_a_page_refreshes_the_cache(client, site):
    client.get("/collectes/")
    page = site["collectes"]
    page.title = "Collectes, recyclage et compost"
    publish(page)
    response = client.get("/collectes/")
    assert response["X-Website-Cache"] == "miss"
    assert "Collectes, recyclage et compost" in response.content.decode()


def test_signed_in_people_get_private_uncached_pages(client, site, citizen):
    client.force_login(citizen)
    response = client.get("/collectes/")
    assert response["Cache-Control"] == "private, no-cache"
    assert "X-Website-Cache" not in response
