"""Each page type renders in French and English with its structured content, links into
the portal and the alerts, and the metadata a search engine and a social network need."""

from __future__ import annotations

from typing import Any

import pytest

from victo_crm.website import links

pytestmark = pytest.mark.django_db


def test_the_home_page_serves_slash_in_french_with_a_search_box_first(client, site):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    main = html[html.index('<main id="contenu"') :]
    # The first thing in the page's content is the search box.
    assert main.index('role="search"') < main.index("Les services les plus demandés")
    for task in ("Faire une requête", "Mes collectes", "Payer mon compte de taxes"):
        assert task in html
    assert "Le calendrier des collectes est en ligne" in html  # latest news


def test_the_top_tasks_lead_to_the_portal_and_the_collection_days_tool(client, site):
    html = client.get("/").content.decode()
    assert f'href="{links.request_chooser_url()}"' in html
    assert f'href="{links.collection_days_url()}"' in html


def test_an_information_page_shows_its_sections_and_opens_the_portal_form_prefilled(
    client, site, request_type
):
    html = client.get("/rues-trottoirs/").content.decode()
    assert "Faire une requête en ligne" in html
    url = links.request_form_url("nid-de-poule")
    assert "nid-de-poule" in url
    assert f'href="{url}"' in html
    collectes = client.get("/collectes/").content.decode()
    for heading in ("Qui est concerné", "Étapes", "Coûts", "Documents requis"):
        assert f">{heading}</h2>" in collectes
    assert f'href="{links.collection_days_url()}"' in collectes
    assert "Texte de démonstration." in collectes  # demo content is marked as such
    assert "819 758-0555" in collectes  # the responsible department's contact


def test_a_department_page_gives_contact_and_hours(client, site):
    html = client.get("/environnement/").content.decode()
    assert "Pour nous joindre" in html
    assert 'href="mailto:environnement@victoriaville.ca"' in html
    assert "Lundi au vendredi" in html


def test_news_are_listed_newest_first_and_readable(client, site):
    assert "Le calendrier des collectes est en ligne" in client.get("/actualites/").content.decode()
    assert client.get("/actualites/calendrier/").status_code == 200


def test_english_pages_live_under_en_and_are_in_english(client, site):
    response = client.get("/en/waste-collection/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Who is it for" in html or "Qui est concerné" in html  # heading translated by the lead
    assert response["Content-Language"] == "en"
    assert client.get("/en/").status_code == 200


def test_a_link_opens_the_page_in_its_own_language_whatever_the_cookie(client, site):
    client.cookies["django_language"] = "en"
    assert '<html lang="fr">' in client.get("/collectes/").content.decode()
    client.cookies["django_language"] = "fr"
    assert '<html lang="en">' in client.get("/en/waste-collection/").content.decode()


SWITCH = "/i18n/langue/"  # the website's language switch: a GET form, no token


def test_the_language_switch_goes_to_the_translated_page_and_remembers_the_choice(client, site):
    response = client.get(SWITCH, {"language": "en", "next": "/collectes/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/en/waste-collection/"
    assert response.status_code == 200
    assert client.cookies["django_language"].value == "en"  # the portal speaks English too
    assert '<html lang="en">' in client.get("/portail/", follow=True).text
    response = client.get(SWITCH, {"language": "fr", "next": "/en/waste-collection/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/collectes/"
    assert client.cookies["django_language"].value == "fr"


def test_an_untranslated_page_stays_in_french_with_a_note(client, site):
    response = client.get(SWITCH, {"language": "en", "next": "/rues-trottoirs/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/rues-trottoirs/"
    assert "qu’en français" in response.text or "French" in response.text


def test_the_language_switch_stays_on_this_site(client, site):
    response = client.get(SWITCH, {"language": "en", "next": "https://example.com/"})
    assert response.status_code == 302 and response["Location"] == "/en/"
    unknown = client.get(SWITCH, {"language": "de", "next": "/collectes/"})
    assert unknown["Location"] == "/collectes/" and "django_language" not in unknown.cookies


def test_pages_carry_canonical_opengraph_and_hreflang(client, site, settings):
    html = client.get("/collectes/").content.decode()
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    assert f'<link rel="canonical" href="{base}/collectes/">' in html
    assert '<meta property="og:title" content="Collectes et matières résiduelles">' in html
    assert '<meta property="og:locale" content="fr_CA">' in html
    assert f'hreflang="en" href="{base}/en/waste-collection/"' in html


def test_sitemap_lists_pages_of_both_languages_and_robots_points_to_it(client, site):
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/collectes/</loc>" in sitemap
    assert "/en/waste-collection/</loc>" in sitemap
    assert 'hreflang="en"' in sitemap
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /cms/" in robots
    assert "Sitemap: http://testserver/sitemap.xml" in robots


def test_an_unknown_page_answers_404(client, site):
    assert client.get("/nexiste-pas/").status_code == 404
    assert client.get("/en/does-not-exist/").status_code == 404


def test_a_draft_is_not_served(client, site):
    page: Any = site["collectes"]
    page.unpublish()
    assert client.get("/collectes/").status_code == 404
