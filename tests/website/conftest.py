"""A small town website for the tests: French pages, a few English translations, a
department, news, and the web editor and moderator personas."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from wagtail.models import Locale, Page

from tests.conftest import make_user
from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.service_requests.models import RequestType
from victo_crm.website.cache import website_cache_clear
from victo_crm.website.models import (
    DepartmentPage,
    HomePage,
    InformationPage,
    NewsIndexPage,
    NewsPage,
)
from victo_crm.website.services import MODERATORS, publish, website_home_tasks_set, website_setup


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """No page, home or generation cached by a previous test (whose rows are gone)."""
    cache.clear()
    website_cache_clear()
    yield
    cache.clear()
    website_cache_clear()


def add_page(parent: Page, page: Page) -> Any:
    parent.add_child(instance=page)
    return publish(page)


def translate(page: Page, **fields: Any) -> Any:
    english = Locale.objects.get(language_code="en")
    copy = page.copy_for_translation(english, copy_parents=True).specific
    for name, value in fields.items():
        setattr(copy, name, value)
    return publish(copy)


@pytest.fixture
def site(request_type: RequestType, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Home pages in both languages, the collection page (with its English translation),
    the streets page that links to the pothole request type, a department, news.

    Wagtail indexes pages for search after commit; the callbacks run here as they would
    at the end of the editor's request."""
    with django_capture_on_commit_callbacks(execute=True):
        return _build_site(request_type)


def _build_site(request_type: RequestType) -> dict[str, Any]:
    skeleton = website_setup()
    home: HomePage = skeleton["home"].specific
    french = Locale.objects.get(language_code="fr")
    department = add_page(
        home,
        DepartmentPage(
            title="Service de l’environnement",
            slug="environnement",
            intro="Collectes et écocentre.",
            phone="819 758-0555",
            email="environnement@victoriaville.ca",
            hours="<p>Lundi au vendredi, 8 h 30 à 16 h 30</p>",
            locale=french,
        ),
    )
    collectes = add_page(
        home,
        InformationPage(
            title="Collectes et matières résiduelles",
            slug="collectes",
            intro="Ordures, recyclage et compost : vos jours de collecte.",
            who="<p>Toutes les résidences.</p>",
            steps="<ol><li>Consultez Mes collectes.</li></ol>",
            costs="<p>Inclus dans les taxes.</p>",
            documents="<ul><li>Aucun</li></ul>",
            search_keywords="vidanges, poubelles",
            online_service="collections",
            department=department,
            show_in_menus=True,
            demo_content=True,
            locale=french,
        ),
    )
    streets = InformationPage(
        title="Rues, trottoirs et éclairage",
        slug="rues-trottoirs",
        intro="Signalez un problème sur la voie publique.",
        steps="<ol><li>Choisissez le problème.</li></ol>",
        search_keywords="chaussée",
        locale=french,
    )
    streets.request_types = [request_type]
    streets = add_page(home, streets)
    news_index = add_page(home, NewsIndexPage(title="Actualités", slug="actualites", locale=french))
    news = add_page(
        news_index,
        NewsPage(
            title="Le calendrier des collectes est en ligne",
            slug="calendrier",
            date=datetime.date(2026, 1, 5),
            intro="Consultez vos jours de collecte.",
            locale=french,
        ),
    )
    collectes_en = translate(
        collectes,
        title="Waste collection",
        slug="waste-collection",
        intro="Garbage, recycling and compost: your collection days.",
        who="<p>All homes.</p>",
    )
    department_en = translate(department, title="Environment Department", slug="environment")
    news_index_en = translate(news_index, title="News", slug="news")
    news_en = translate(news, title="The collection calendar is online", slug="calendar")
    website_home_tasks_set(home=HomePage.objects.get(pk=home.pk))
    home_en = skeleton["home_en"].specific
    website_home_tasks_set(home=HomePage.objects.get(pk=home_en.pk), english=True)
    return {
        "home": HomePage.objects.get(pk=home.pk),
        "home_en": HomePage.objects.get(pk=home_en.pk),
        "department": department,
        "department_en": department_en,
        "collectes": collectes,
        "collectes_en": collectes_en,
        "streets": streets,
        "news_index": news_index,
        "news_index_en": news_index_en,
        "news": news,
        "news_en": news_en,
    }


@pytest.fixture
def web_editor(db: None) -> User:
    """Sophie writes pages for the town; she cannot publish them herself."""
    return make_user(
        "sophie.redaction@victoriaville.ca", role=roles.WEB_EDITOR, first_name="Sophie"
    )


@pytest.fixture
def moderator(db: None) -> User:
    """Marc, of the communications office, approves and publishes what editors submit."""
    user = make_user("marc.communications@victoriaville.ca", first_name="Marc")
    user.groups.add(Group.objects.get(name=MODERATORS))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user
