"""Reads of the website: search, news, emergency notices, translations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from wagtail.models import Locale, Page, PageViewRestriction, Site

from victo_crm.core.models import localized
from victo_crm.service_requests.models import RequestType

from . import links
from .cache import memo, notices_version
from .search import terms

SUPPORTED = ("fr", "en")


def language_of_path(path: str) -> str:
    """English pages live under /en/; everything else on the website is French."""
    return "en" if path == "/en" or path.startswith("/en/") else "fr"


def locale_for(language: str) -> Locale | None:
    return Locale.objects.filter(language_code=language).first()


def home_for(language: str) -> Page | None:
    """The home page of a language: the default site's root, or its translation."""
    return memo(f"home:{language}", lambda: _home_for(language))


def _home_for(language: str) -> Page | None:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return None
    root = site.root_page
    locale = locale_for(language)
    if locale is None or root.locale_id == locale.pk:
        return root
    return root.get_translation_or_none(locale)


def latest_news(*, locale: Locale, limit: int = 3) -> list[Page]:
    from .models import NewsPage

    return list(
        NewsPage.objects.live().public().filter(locale=locale).order_by("-date", "-pk")[:limit]
    )


# --- Search -----------------------------------------------------------------------------------
#
# Wagtail's own search (its database backend: PostgreSQL full-text search, SQLite FTS5) over
# the live, public pages of a language. On PostgreSQL a GIN index on the title and body
# vectors (migration 0002) finds the rows. Cards (title, URL, summary) and the request types
# are computed once per generation, so a page of results costs Wagtail's two queries (the
# count, then the page of results) and no page needs loading once it has been shown.

RESULTS_PER_PAGE = 10


def restricted_paths() -> tuple[str, ...]:
    """Tree paths of the pages under a privacy restriction (and so their descendants)."""
    return memo(
        "restricted-paths",
        lambda: tuple(PageViewRestriction.objects.values_list("page__path", flat=True)),
    )


def _public_pages(home: Page, *, inclusive: bool) -> Any:
    pages = Page.objects.live().descendant_of(home, inclusive=inclusive)
    for path in restricted_paths():
        pages = pages.exclude(path__startswith=path)
    return pages


@dataclass(frozen=True)
class PageCard:
    """What a list of results shows of a page."""

    pk: int
    title: str
    url: str
    summary: str


def page_cards(ids: list[int], *, request: HttpRequest | None = None) -> list[PageCard]:
    """Cards of the pages, in the order of ``ids``; loaded once per generation."""
    known: dict[int, PageCard] = memo("page-cards", dict)
    missing = [pk for pk in ids if pk not in known]
    if missing:
        pages = Page.objects.filter(pk__in=missing).defer_streamfields().specific()
        for page in pages:
            summary = getattr(page, "summary", None)
            known[page.pk] = PageCard(
                pk=page.pk,
                title=page.title,
                url=page.get_url(request) or "",
                summary=str(summary() if callable(summary) else page.search_description),
            )
    return [known[pk] for pk in ids if pk in known]


class PageHits:
    """Wagtail's search results as cards, for a Paginator (which counts, then slices)."""

    def __init__(self, results: Any, *, request: HttpRequest | None = None) -> None:
        self._results = results
        self._request = request

    def count(self) -> int:
        return self._results.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[PageCard]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> PageCard: ...

    @overload
    def __getitem__(self, index: slice) -> list[PageCard]: ...

    def __getitem__(self, index: int | slice) -> PageCard | list[PageCard]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        if index.stop is not None and index.stop <= (index.start or 0):
            return []
        return page_cards([page.pk for page in self._results[index]], request=self._request)


def search_pages(query: str, *, language: str, request: HttpRequest | None = None) -> PageHits:
    """Live, public pages of one language matching every word of the query, best first;
    when no page has every word, pages with any of them."""
    words = terms(query)
    home = home_for(language)
    if not words or home is None:
        return PageHits(Page.objects.none())
    pages = _public_pages(home, inclusive=True)
    results = pages.search(" ".join(words), operator="and")
    if len(words) > 1 and not results.count():
        results = pages.search(" ".join(words), operator="or")
    return PageHits(results, request=request)


def autocomplete_pages(
    query: str, *, language: str, limit: int = 5, request: HttpRequest | None = None
) -> list[PageCard]:
    """Pages below the home page whose title starts with what was typed (the last word may
    be unfinished), best first."""
    words = terms(query)
    home = home_for(language)
    if not words or home is None:
        return []
    results = _public_pages(home, inclusive=False).autocomplete(" ".join(words), operator="and")
    return page_cards([page.pk for page in results[:limit]], request=request)


@dataclass(frozen=True)
class RequestTypeMatch:
    code: str
    name: str
    description: str
    group: str
    score: int
    url: str
    in_name: bool  # every word of the query is in the type's name


@dataclass(frozen=True)
class _IndexedType:
    """A request type offered online, with its search words prepared."""

    code: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    group_fr: str
    group_en: str
    url: str
    title_words: tuple[str, ...]
    other_words: tuple[str, ...]  # keywords and group
    description_words: tuple[str, ...]  # also searched for the closest types


def _indexed_types() -> tuple[_IndexedType, ...]:
    return memo("request-types", _index_types)


def _index_types() -> tuple[_IndexedType, ...]:
    return tuple(
        _IndexedType(
            code=rtype.code,
            name_fr=rtype.name_fr,
            name_en=rtype.name_en,
            description_fr=rtype.description_fr,
            description_en=rtype.description_en,
            group_fr=rtype.group.name_fr,
            group_en=rtype.group.name_en,
            url=links.request_form_url(rtype.code),
            title_words=tuple(terms(f"{rtype.name_fr} {rtype.name_en}")),
            other_words=tuple(
                terms(f"{rtype.keywords} {rtype.group.name_fr} {rtype.group.name_en}")
            ),
            description_words=tuple(terms(rtype.description_fr)),
        )
        for rtype in RequestType.objects.filter(is_active=True).select_related("group")
    )


def search_request_types(
    query: str, *, language: str, limit: int = 5, closest: bool = False
) -> list[RequestTypeMatch]:
    """Request types offered online whose name, group or keywords hold every word of the
    query (a word matches the start of a word, so "nid de pou" already finds "Nid-de-poule").
    With ``closest``, types holding any of the words, for the no-result page."""
    wanted = terms(query)
    if not wanted:
        return []
    matches = []
    for rtype in _indexed_types():
        other_words = rtype.other_words + (rtype.description_words if closest else ())
        score = found = in_name = 0
        for word in wanted:
            in_title = any(w.startswith(word) for w in rtype.title_words)
            in_other = in_title or any(w.startswith(word) for w in other_words)
            if in_title or in_other:
                found += 1
                score += 3 if in_title else 1
                in_name += in_title
        if found == len(wanted) or (closest and found):
            matches.append(
                RequestTypeMatch(
                    code=rtype.code,
                    name=localized(rtype, "name", language),
                    description=localized(rtype, "description", language),
                    group=localized(rtype, "group", language),
                    score=score,
                    url=rtype.url,
                    in_name=in_name == len(wanted),
                )
            )
    matches.sort(key=lambda m: (-m.score, m.name))
    return matches[:limit]


# --- Menus -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    path: str


def menu_items(language: str) -> list[MenuItem]:
    """The header's menu: the home page's children shown in menus (at most five)."""

    def build() -> list[MenuItem]:
        home = home_for(language)
        if home is None:
            return []
        children = home.get_children().live().in_menu().order_by("path")
        for path in restricted_paths():
            children = children.exclude(path__startswith=path)
        return [MenuItem(title=p.title, url=p.url or "", path=p.path) for p in children[:5]]

    return memo(f"menu:{language}", build)


def home_url(language: str) -> str:
    def build() -> str:
        home = home_for(language)
        return str(home.url) if home is not None else "/"

    return memo(f"home-url:{language}", build)


# --- Emergency notices (from the alerts app when it provides them) ------------------------------


@dataclass(frozen=True)
class EmergencyNotice:
    title: str
    text: str
    url: str


def active_emergency_notices(*, language: str, limit: int = 3) -> list[EmergencyNotice]:
    """Emergency notices in force now, from the alerts app (none if it is not installed).

    Read again whenever the fingerprint of the notices in force changes (checked at most
    once a second, like the cached pages that show them). A notice must never take the
    website down, so any failure reads as "no notice".
    """
    version = notices_version()
    return memo(
        f"emergency:{language}:{limit}:{version}",
        lambda: _emergency_notices(language=language, limit=limit),
    )


def _emergency_notices(*, language: str, limit: int) -> list[EmergencyNotice]:
    try:
        from victo_crm.alerts.selectors import active_notices
    except ImportError:
        return []
    try:
        notices = [n for n in active_notices()[:20] if getattr(n, "is_emergency", False)]
    except Exception:
        return []
    result = []
    with translation.override(language):
        for notice in notices[:limit]:
            try:
                url = reverse("alerts:notice_public", args=[notice.pk])
            except NoReverseMatch:
                url = ""
            result.append(
                EmergencyNotice(
                    title=localized(notice, "title"),
                    text=localized(notice, "body")[:300],
                    url=url,
                )
            )
    return result


# --- Translations -----------------------------------------------------------------------------


def translation_url(page: Page, language: str) -> str | None:
    """The URL of the page's live translation in a language, or None."""
    locale = locale_for(language)
    if locale is None:
        return None
    if page.locale_id == locale.pk:
        return page.url
    other = page.get_translation_or_none(locale)
    if other is None or not other.live:
        return None
    return other.url
