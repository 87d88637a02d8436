"""An anonymous page view is answered from the cache before the rest of the stack runs;
publishing refreshes every cached page; a signed-in person, another language, another
query string, a POST or a private page never get a copy made for someone else."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from tests.conftest import sign_in
from tests.core.test_config_cache import another_process_changed_the_configuration
from victo_crm.website import cache as page_cache
from victo_crm.website.services import publish

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def steady(settings):
    """No process re-reads the generation or the notices during the test: a hit costs no
    query, whatever the machine's speed."""
    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 3600


def returning_visitor() -> Client:
    """A browser that has been here before: it holds its CSRF cookie."""
    browser = Client()
    browser.cookies["csrftoken"] = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    return browser


def test_a_repeated_anonymous_view_is_answered_before_the_page_view_without_a_query(
    site, steady, monkeypatch, django_assert_num_queries
):
    first = Client().get("/collectes/")
    assert first["X-Website-Cache"] == "miss"

    def no_page_view(*args, **kwargs):
        raise AssertionError("the page view ran for a cached page")

    monkeypatch.setattr("victo_crm.website.views.wagtail_views.serve", no_page_view)
    with django_assert_num_queries(0):
        second = Client().get("/collectes/")
    assert second.status_code == 200
    assert second["X-Website-Cache"] == "hit"
    assert "Collectes et matières résiduelles" in second.content.decode()


def test_a_hit_carries_the_page_and_security_headers_of_the_page(site, steady):
    miss = Client().get("/collectes/")
    hit = Client().get("/collectes/")
    assert hit["X-Website-Cache"] == "hit"
    for header in (
        "Content-Type",
        "Content-Language",
        "Vary",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert hit[header] == miss[header], header
    assert hit["Content-Language"] == "fr"
    assert "Cookie" in hit["Vary"]
    assert hit["ETag"].startswith('W/"')


def test_a_returning_visitor_gets_a_public_page_and_a_first_visit_a_private_one(site, steady):
    """A first visit sets the CSRF cookie: no shared cache may keep that answer."""
    Client().get("/collectes/")
    first_visit = Client().get("/collectes/")
    assert first_visit["X-Website-Cache"] == "hit"
    assert "csrftoken" in first_visit.cookies
    assert first_visit["Cache-Control"] == "private, max-age=300"

    again = returning_visitor().get("/collectes/")
    assert again["X-Website-Cache"] == "hit"
    assert again["Cache-Control"] == "public, max-age=300"


def test_each_visitor_gets_their_own_csrf_token_and_the_cache_holds_none(site, steady):
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_page = alice.get("/collectes/").content.decode()
    bob_response = bob.get("/collectes/")
    assert bob_response["X-Website-Cache"] == "hit"
    bob_page = bob_response.content.decode()
    assert "__victo_csrf_token__" not in bob_page
    bob_token, alice_token = TOKEN.search(bob_page)[1], TOKEN.search(alice_page)[1]

    # Bob's language switch works with his token; Alice's token is no good to him.
    data = {"language": "en", "next": "/collectes/"}
    assert bob.post("/i18n/setlang/", {**data, "csrfmiddlewaretoken": bob_token}).status_code == 302
    refused = bob.post("/i18n/setlang/", {**data, "csrfmiddlewaretoken": alice_token})
    assert refused.status_code == 403

    # A returning visitor's cached page holds a token of the secret in their cookie.
    carol = returning_visitor()
    carol.handler.enforce_csrf_checks = True
    carol_page = carol.get("/collectes/")
    assert carol_page["X-Website-Cache"] == "hit"
    assert "csrftoken" in carol_page.cookies  # the same secret, its expiry renewed
    assert carol.cookies["csrftoken"].value == "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    carol_token = TOKEN.search(carol_page.content.decode())[1]
    assert (
        carol.post("/i18n/setlang/", {**data, "csrfmiddlewaretoken": carol_token}).status_code
        == 302
    )

    secrets = {alice.cookies["csrftoken"].value, bob.cookies["csrftoken"].value}
    stored = [entry[0].content.decode() for entry in page_cache._pages.values()]
    assert stored and all("__victo_csrf_token__" in page for page in stored)
    assert not any(value in page for page in stored for value in {*secrets, bob_token})


def test_a_browser_revalidating_its_own_copy_gets_304_and_no_one_else_does(site, steady):
    browser = returning_visitor()
    browser.get("/collectes/")
    etag = browser.get("/collectes/")["ETag"]
    not_modified = browser.get("/collectes/", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert int(not_modified["Content-Length"]) == len(browser.get("/collectes/").content)

    other = returning_visitor()
    other.cookies["csrftoken"] = "ZyXwVuTsRqPoNmLkJiHgFeDcBa987654"
    assert other.get("/collectes/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_signed_in_person_never_gets_the_anonymous_copy(client, site, steady, moderator):
    Client().get("/collectes/")
    sign_in(client, moderator)
    response = client.get("/collectes/")
    assert response["Cache-Control"] == "private, no-cache"
    assert "X-Website-Cache" not in response
    assert "wagtail-userbar" in response.content.decode()  # the CMS shortcuts, for Marc only


def test_an_anonymous_visitor_never_gets_a_signed_in_copy(client, site, steady, moderator):
    sign_in(client, moderator)
    client.get("/collectes/")
    client.get("/collectes/")
    anonymous = Client().get("/collectes/")
    assert anonymous["X-Website-Cache"] == "miss"
    assert "wagtail-userbar" not in anonymous.content.decode()
    assert anonymous["Cache-Control"].endswith("max-age=300")


def test_an_anonymous_visitor_with_a_session_is_served_the_shared_copy(client, site, steady):
    Client().get("/collectes/")
    session = client.session
    session["guest_tracking"] = "2026-000123"
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get("/collectes/")
    assert response["X-Website-Cache"] == "hit"
    assert "wagtail-userbar" not in response.content.decode()


def test_languages_never_share_a_cached_page(site, steady):
    for _ in range(2):
        french, english = Client().get("/"), Client().get("/en/")
    assert french["X-Website-Cache"] == english["X-Website-Cache"] == "hit"
    assert '<html lang="fr">' in french.content.decode()
    assert french["Content-Language"] == "fr"
    assert '<html lang="en">' in english.content.decode()
    assert english["Content-Language"] == "en"
    # The visitor's language cookie does not change what a URL shows, cached or not.
    english_cookie = Client()
    english_cookie.cookies["django_language"] = "en"
    assert '<html lang="fr">' in english_cookie.get("/").content.decode()


def test_a_query_string_gets_its_own_copy(site, steady):
    for _ in range(2):
        plain = Client().get("/collectes/").content.decode()
        tagged = Client().get("/collectes/?source=infolettre").content.decode()
    assert 'name="next" type="hidden" value="/collectes/"' in plain
    assert 'name="next" type="hidden" value="/collectes/?source=infolettre"' in tagged


def test_a_post_is_never_answered_from_the_cache(site, steady):
    Client().get("/collectes/")
    response = Client().post("/collectes/")
    assert response.get("X-Website-Cache") != "hit"


def test_publishing_a_page_refreshes_the_cache(client, site, django_capture_on_commit_callbacks):
    client.get("/collectes/")
    page = site["collectes"]
    page.title = "Collectes, recyclage et compost"
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    response = client.get("/collectes/")
    assert response["X-Website-Cache"] == "miss"
    assert "Collectes, recyclage et compost" in response.content.decode()


def test_unpublishing_a_page_takes_it_out_of_the_cache(client, site):
    client.get("/collectes/")
    assert client.get("/collectes/")["X-Website-Cache"] == "hit"
    site["collectes"].unpublish()
    assert client.get("/collectes/").status_code == 404


def test_a_publication_in_another_process_reaches_this_one(site):
    """The generation (core.config_cache) is one number for the configuration and the
    website: a process that did not publish sees the change at its next request."""
    Client().get("/collectes/")
    assert Client().get("/collectes/")["X-Website-Cache"] == "hit"
    another_process_changed_the_configuration()  # another process published
    assert Client().get("/collectes/")["X-Website-Cache"] == "miss"


def test_a_password_protected_page_is_never_shared(site, steady):
    page = site["collectes"]
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="ebullition"
    )
    stranger = Client()
    for _ in range(2):
        form = stranger.get("/collectes/")
        assert form.status_code == 200
        assert "X-Website-Cache" not in form
        assert "Ordures, recyclage et compost" not in form.content.decode()

    insider = Client()
    insider.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]),
        {"password": "ebullition", "return_url": "/collectes/"},
    )
    assert "Ordures, recyclage et compost" in insider.get("/collectes/").content.decode()
    after = Client().get("/collectes/")
    assert "Ordures, recyclage et compost" not in after.content.decode()
    assert "X-Website-Cache" not in after


def test_signed_in_people_get_private_uncached_pages(client, site, citizen):
    client.force_login(citizen)
    response = client.get("/collectes/")
    assert response["Cache-Control"] == "private, no-cache"
    assert "X-Website-Cache" not in response
