"""Demonstration content of the public website: ``load_demo_website()``.

Idempotent: pages are matched by their slug under their parent and language; a page that
exists is left as the editors made it. Called by ``manage.py load_demo`` after the
request-type catalogue (information pages link to request types by code).

The pages are data (``data/demo_content.json``). Every page is flagged ``demo_content``: it
shows a "texte de démonstration" notice; the facts are plausible, not the town's actual
rules. An information page's ``parent`` is the slug of its parent page, or "" for the home
page. ``english`` holds the translations, keyed by the French slug; the parents of each
page are translated too.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page

from victo_crm.service_requests.models import RequestType

from .models import DepartmentPage, HomePage, InformationPage, NewsIndexPage, NewsPage
from .services import publish, website_home_tasks_set, website_setup

CONTENT = json.loads((Path(__file__).parent / "data" / "demo_content.json").read_text("utf-8"))
DEPARTMENTS: list[dict[str, Any]] = CONTENT["departments"]
INFORMATION_PAGES: list[dict[str, Any]] = CONTENT["information_pages"]
NEWS: list[dict[str, Any]] = CONTENT["news"]
ENGLISH: dict[str, dict[str, Any]] = CONTENT["english"]
ENGLISH_NEWS_INDEX: dict[str, str] = CONTENT["english_news_index"]
ENGLISH_NEWS: dict[str, dict[str, Any]] = CONTENT["english_news"]

NEWS_BODY = (
    "<p>La Ville de Victoriaville invite la population à consulter les renseignements "
    "détaillés sur son site. Pour toute question, communiquez avec le 819 758-0555.</p>"
)
NEWS_BODY_EN = (
    "<p>The Ville de Victoriaville invites residents to read the details on its website. "
    "For any question, call 819 758-0555.</p>"
)


def _child(parent: Page, slug: str) -> Page | None:
    page = Page.objects.child_of(parent).filter(slug=slug).first()
    return page.specific if page is not None else None


def _add(parent: Page, page: Page) -> tuple[Page, bool]:
    existing = _child(parent, page.slug)
    if existing is not None:
        return existing, False
    page.demo_content = True
    parent.add_child(instance=page)
    publish(page)
    return page, True


def _paragraphs(html: str) -> list[tuple[str, Any]]:
    from wagtail.rich_text import RichText

    return [("paragraph", RichText(html))]


@transaction.atomic
def load_demo_website() -> dict[str, int]:
    skeleton = website_setup()
    home: HomePage = skeleton["home"].specific
    created = 0
    french = Locale.objects.get(language_code="fr")
    english = Locale.objects.get(language_code="en")

    departments: dict[str, DepartmentPage] = {}
    for item in DEPARTMENTS:
        page, new = _add(
            home,
            DepartmentPage(
                title=item["title"],
                slug=item["slug"],
                intro=item["intro"],
                address=item["address"],
                phone=item["phone"],
                email=item["email"],
                hours=item["hours"],
                search_keywords=item["keywords"],
                locale=french,
            ),
        )
        departments[item["slug"]] = page
        created += new

    pages: dict[str, Page] = {}
    types = {rtype.code: rtype for rtype in RequestType.objects.all()}
    for item in INFORMATION_PAGES:
        parent = pages[item["parent"]] if item["parent"] else home
        info = InformationPage(
            title=item["title"],
            slug=item["slug"],
            intro=item["intro"],
            who=item["who"],
            steps=item["steps"],
            costs=item["costs"],
            documents=item["documents"],
            search_keywords=item["keywords"],
            online_service=item.get("online_service", ""),
            department=departments.get(item["department"]),
            show_in_menus=bool(item.get("menu")),
            search_description=item["intro"][:160],
            locale=french,
        )
        codes = [code for code in item["request_types"] if code in types]
        info.request_types = [types[code] for code in codes]
        page, new = _add(parent, info)
        pages[item["slug"]] = page
        created += new

    news_index, new = _add(
        home,
        NewsIndexPage(
            title="Actualités",
            slug="actualites",
            intro="Les nouvelles de la Ville de Victoriaville.",
            locale=french,
        ),
    )
    created += new
    today = timezone.localdate()
    for item in NEWS:
        _page, new = _add(
            news_index,
            NewsPage(
                title=item["title"],
                slug=item["slug"],
                date=today - datetime.timedelta(days=item["days_ago"]),
                intro=item["intro"],
                body=_paragraphs(NEWS_BODY),
                locale=french,
            ),
        )
        created += new

    created += _translate(pages, english)
    created += _translate_news(news_index, english)

    if not home.top_tasks:
        website_home_tasks_set(home=home)
    home_en = skeleton["home_en"].specific
    if not home_en.top_tasks:
        website_home_tasks_set(home=home_en, english=True)
    return {"pages": created}


def _translate(pages: dict[str, Page], english: Locale) -> int:
    created = 0
    for slug, fields in ENGLISH.items():
        source = pages.get(slug)
        if source is None or source.get_translation_or_none(english) is not None:
            continue
        translation = source.copy_for_translation(english, copy_parents=True).specific
        for name in ("title", "slug", "intro", "who", "steps", "costs", "documents"):
            if name in fields:
                setattr(translation, name, fields[name])
        translation.search_keywords = fields.get("keywords", "")
        translation.search_description = fields["intro"][:160]
        publish(translation)
        created += 1
    return created


def _translate_news(news_index: Page, english: Locale) -> int:
    created = 0
    index_en = news_index.get_translation_or_none(english)
    if index_en is None:
        index_en = news_index.copy_for_translation(english).specific
        for name, value in ENGLISH_NEWS_INDEX.items():
            setattr(index_en, name, value)
        publish(index_en)
        created += 1
    for slug, fields in ENGLISH_NEWS.items():
        source = _child(news_index, slug)
        if source is None or source.get_translation_or_none(english) is not None:
            continue
        news_en = source.copy_for_translation(english).specific
        news_en.title = fields["title"]
        news_en.slug = fields["slug"]
        news_en.intro = fields["intro"]
        news_en.body = _paragraphs(NEWS_BODY_EN)
        publish(news_en)
        created += 1
    return created
