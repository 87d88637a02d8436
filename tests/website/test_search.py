"""Search finds pages and request types, ignores accents and plurals, suggests while
typing, and never leaves the visitor with nothing."""

from __future__ import annotations

import pytest
from wagtail.models import Page

from victo_crm.website import links, selectors
from victo_crm.website.search import normalise

pytestmark = pytest.mark.django_db


def test_normalisation_folds_accents_plurals_and_stop_words():
    assert normalise("Les Matières résiduelles") == "matiere residuelle"
    assert normalise("nid-de-poule") == "nid poule"


@pytest.mark.parametrize("query", ["collecte", "collectes", "COLLECTE", "matieres residuelles"])
def test_search_finds_the_collection_page(client, site, query):
    html = client.get("/recherche/", {"q": query}).content.decode()
    assert 'href="/collectes/"' in html


def test_search_uses_the_page_keywords(client, site):
    assert 'href="/collectes/"' in client.get("/recherche/", {"q": "vidanges"}).content.decode()


def test_search_offers_the_request_type_with_its_form(client, site, request_type):
    html = client.get("/recherche/", {"q": "nid de poule"}).content.decode()
    assert "Faire une requête\u00a0: Nid-de-poule" in html
    assert f'href="{links.request_form_url("nid-de-poule")}"' in html


def test_request_types_are_found_by_their_keywords_accents_ignored(client, site, request_type):
    assert "Nid-de-poule" in client.get("/recherche/", {"q": "chaussee"}).content.decode()


def test_english_search_finds_english_pages(client, site):
    html = client.get("/en/recherche/", {"q": "waste"}).content.decode()
    assert 'href="/en/waste-collection/"' in html
    assert '<html lang="en">' in html


def test_no_result_page_offers_closest_types_and_a_way_to_ask_the_town(client, site, request_type):
    html = client.get("/recherche/", {"q": "trou licorne"}).content.decode()
    assert "Aucun résultat" not in html or "Nid-de-poule" in html
    nothing = client.get("/recherche/", {"q": "xylophone"}).content.decode()
    assert "Aucun résultat pour «\u00a0xylophone\u00a0»" in nothing
    assert f'href="{links.request_form_url(links.GENERAL_COMPLAINT)}"' in nothing
    assert "819 758-0555" in nothing


def test_suggestions_put_the_request_type_first_for_nid_de_poule(client, site, request_type):
    data = client.get("/recherche/suggestions/", {"q": "nid de pou"}).json()
    first = data["suggestions"][0]
    assert first["label"] == "Nid-de-poule"
    assert first["url"] == links.request_form_url("nid-de-poule")


def test_suggestions_offer_the_collection_page_for_collecte(client, site):
    labels = [
        s["label"]
        for s in client.get("/recherche/suggestions/", {"q": "collecte"}).json()["suggestions"]
    ]
    assert "Collectes et matières résiduelles" in labels


def test_suggestions_need_two_letters(client, site):
    assert client.get("/recherche/suggestions/", {"q": "c"}).json()["suggestions"] == []


@pytest.mark.postgres
def test_a_search_page_costs_wagtails_two_queries_once_the_site_is_known(
    client, site, settings, django_assert_num_queries
):
    """Cards of pages already shown, request types, menus and notices are read once per
    publication; a search then costs Wagtail's count and its page of results, and a search
    that finds nothing its count alone."""
    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 3600
    client.get("/recherche/", {"q": "collecte"})
    with django_assert_num_queries(2):
        html = client.get("/recherche/", {"q": "collectes"}).content.decode()
    assert 'href="/collectes/"' in html
    with django_assert_num_queries(1):
        nothing = client.get("/recherche/", {"q": "xylophone"}).content.decode()
    assert "Aucun résultat pour «\u00a0xylophone\u00a0»" in nothing


@pytest.mark.postgres
def test_suggestions_cost_one_query_once_the_site_is_known(
    client, site, settings, django_assert_num_queries
):
    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 3600
    client.get("/recherche/suggestions/", {"q": "colle"})
    with django_assert_num_queries(1):
        data = client.get("/recherche/suggestions/", {"q": "collec"}).json()
    assert "/collectes/" in [suggestion["url"] for suggestion in data["suggestions"]]


def test_every_word_must_match_unless_no_page_has_them_all(client, site):
    both = client.get("/recherche/", {"q": "collecte vidanges"}).content.decode()
    assert 'href="/collectes/"' in both
    assert "1 page trouvée" in both
    either = client.get("/recherche/", {"q": "vidanges chaussee"}).content.decode()
    assert 'href="/collectes/"' in either and 'href="/rues-trottoirs/"' in either


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query", ["collecte", "vidanges", "calendrier collectes", "environnement", "licorne"]
)
def test_search_and_suggestions_rank_pages_as_wagtails_own_queries_do(site, query):
    """The website's search is Wagtail's own: its results, in its order and with its count."""
    home = selectors.home_for("fr")
    pages = Page.objects.live().public()
    words = normalise(query)
    expected = pages.descendant_of(home, inclusive=True).search(words, operator="and")
    if not expected.count():
        expected = pages.descendant_of(home, inclusive=True).search(words, operator="or")
    hits = selectors.search_pages(query, language="fr")
    assert hits.count() == expected.count()
    assert [card.pk for card in hits[0:10]] == [page.pk for page in expected[0:10]]

    typed = query[:-2]
    suggested = pages.descendant_of(home).autocomplete(normalise(typed), operator="and")
    assert [card.pk for card in selectors.autocomplete_pages(typed, language="fr")] == [
        page.pk for page in suggested[:5]
    ]


def test_a_result_page_past_the_end_shows_the_last_one(client, site):
    html = client.get("/recherche/", {"q": "collecte", "page": "99"}).content.decode()
    assert 'href="/collectes/"' in html
