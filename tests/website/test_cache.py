"""Pages of visitors who are not signed in come from Django's cache (an ``Age`` header says
so); they hold nothing of one visitor, so two visitors get the same bytes; publishing
refreshes every cached page; a signed-in person, another language, another query string, a
POST or a private page never get a copy made for someone else; a browser revalidating its
copy gets a 304."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from tests.conftest import sign_in
from tests.core.test_config_cache import another_process_changed_the_configuration
from victo_crm.website.services import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def steady(settings):
    """No process re-reads the notices during the test: a hit costs no query, whatever the
    machine's speed."""
    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 3600


def from_cache(response) -> bool:
    """Django's cache middleware gives the copies it serves an Age."""
    return response.has_header("Age")


def test_a_repeated_anonymous_view_is_served_from_the_cache_without_a_query(
    site, steady, monkeypatch, django_assert_num_queries
):
    first = Client().get("/collectes/")
    assert not from_cache(first)

    def no_page_view(*args, **kwargs):
        raise AssertionError("Wagtail rendered a cached page")

    monkeypatch.setattr("victo_crm.website.views.wagtail_views.serve", no_page_view)
    with django_assert_num_queries(0):
        second = Client().get("/collectes/")
    assert second.status_code == 200
    assert from_cache(second)
    assert second.content == first.content
    assert "Collectes et matières résiduelles" in second.text


def test_a_hit_carries_the_page_and_security_headers_of_the_page(site, steady):
    miss = Client().get("/collectes/")
    hit = Client().get("/collectes/")
    assert from_cache(hit)
    for header in (
        "Content-Type",
        "Content-Language",
        "Cache-Control",
        "Vary",
        "ETag",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert hit[header] == miss[header], header
    assert hit["Content-Language"] == "fr"
    assert hit["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in hit["Vary"]


def test_two_visitors_share_the_same_page_with_no_token_and_no_cookie(site, steady):
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_page = alice.get("/collectes/")
    bob_page = bob.get("/collectes/")
    assert from_cache(bob_page)
    assert bob_page.content == alice_page.content
    for page in (alice_page, bob_page):
        assert "csrfmiddlewaretoken" not in page.text
        assert not page.cookies  # nothing of this visitor: no CSRF secret, no session
        assert page["Cache-Control"] == "public, max-age=300"
    # The language switch is a GET form: it needs no token.
    assert 'class="language-switch" action="/i18n/langue/" method="get"' in bob_page.text


def test_a_browser_revalidating_its_copy_gets_304_with_its_etag_and_vary(site, steady):
    browser = Client()
    etag = browser.get("/collectes/")["ETag"]
    for _ in range(2):  # the page as rendered, then as cached
        not_modified = browser.get("/collectes/", HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified["ETag"] == etag
        assert "Cookie" in not_modified["Vary"]
        assert not_modified["Cache-Control"] == "public, max-age=300"
    # Another page, or this one once changed, is sent whole.
    assert browser.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_signed_in_person_never_gets_the_anonymous_copy(client, site, steady, moderator):
    Client().get("/collectes/")
    Client().get("/collectes/")
    sign_in(client, moderator)
    response = client.get("/collectes/")
    assert response["Cache-Control"] == "private, no-cache"
    assert not from_cache(response)
    assert "wagtail-userbar" in response.text  # the CMS shortcuts, for Marc only


def test_an_anonymous_visitor_never_gets_a_signed_in_copy(client, site, steady, citizen):
    client.force_login(citizen)
    for _ in range(2):
        assert "Mon espace" in client.get("/collectes/").text
    anonymous = Client().get("/collectes/")
    assert not from_cache(anonymous)
    again = Client().get("/collectes/")
    assert from_cache(again)
    for response in (anonymous, again):
        assert "Mon espace" not in response.text and "Se connecter" in response.text
        assert citizen.email not in response.text
        assert response["Cache-Control"] == "public, max-age=300"


def test_an_anonymous_visitor_with_a_session_is_served_the_shared_copy(client, site, steady):
    Client().get("/collectes/")
    session = client.session
    session["guest_tracking"] = "2026-000123"
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get("/collectes/")
    assert from_cache(response)
    assert "wagtail-userbar" not in response.text


def test_languages_never_share_a_cached_page(site, steady):
    for _ in range(2):
        french, english = Client().get("/"), Client().get("/en/")
    assert from_cache(french) and from_cache(english)
    assert '<html lang="fr">' in french.text
    assert french["Content-Language"] == "fr"
    assert '<html lang="en">' in english.text
    assert english["Content-Language"] == "en"
    # The visitor's language cookie does not change what a URL shows, cached or not.
    english_cookie = Client()
    english_cookie.cookies["django_language"] = "en"
    assert '<html lang="fr">' in english_cookie.get("/").text


def test_a_query_string_gets_its_own_copy(site, steady):
    for _ in range(2):
        plain = Client().get("/collectes/").text
        tagged = Client().get("/collectes/?source=infolettre").text
    assert 'name="next" type="hidden" value="/collectes/"' in plain
    assert 'name="next" type="hidden" value="/collectes/?source=infolettre"' in tagged


def test_a_post_is_never_answered_from_the_cache(site, steady):
    Client().get("/collectes/")
    assert not from_cache(Client().post("/collectes/"))


def test_publishing_a_page_shows_at_the_next_view(client, site, django_capture_on_commit_callbacks):
    client.get("/collectes/")
    assert from_cache(client.get("/collectes/"))
    page = site["collectes"]
    page.title = "Collectes, recyclage et compost"
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    response = client.get("/collectes/")
    assert not from_cache(response)
    assert "Collectes, recyclage et compost" in response.text


def test_unpublishing_a_page_takes_it_out_of_the_cache(client, site):
    client.get("/collectes/")
    assert from_cache(client.get("/collectes/"))
    site["collectes"].unpublish()
    assert client.get("/collectes/").status_code == 404


def test_a_publication_in_another_process_reaches_this_one(site):
    """The generation (core.config_cache) is one number for the configuration and the
    website: a process that did not publish sees the change at its next request."""
    Client().get("/collectes/")
    assert from_cache(Client().get("/collectes/"))
    another_process_changed_the_configuration()  # another process published
    assert not from_cache(Client().get("/collectes/"))


def test_a_password_protected_page_is_never_shared(site, steady):
    page = site["collectes"]
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="ebullition"
    )
    stranger = Client()
    for _ in range(2):
        form = stranger.get("/collectes/")
        assert form.status_code == 200
        assert not from_cache(form)
        assert "private" in form["Cache-Control"]
        assert "Ordures, recyclage et compost" not in form.text

    insider = Client()
    insider.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]),
        {"password": "ebullition", "return_url": "/collectes/"},
    )
    assert "Ordures, recyclage et compost" in insider.get("/collectes/").text
    after = Client().get("/collectes/")
    assert "Ordures, recyclage et compost" not in after.text
    assert not from_cache(after)


def test_signed_in_people_get_private_uncached_pages(client, site, citizen):
    client.force_login(citizen)
    for _ in range(2):
        response = client.get("/collectes/")
        assert response["Cache-Control"] == "private, no-cache"
        assert not from_cache(response)
