"""Reads of the website: search, news, emergency notices, translations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from wagtail.models import Locale, Page, PageViewRestriction, Site, get_page_models
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.database.postgres.postgres import PostgresSearchBackend
from wagtail.search.backends.database.postgres.weights import get_sql_weights

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
# A search page costs one SQL statement for its pages on PostgreSQL: the page of results
# with the total (a window count) in one pass over Wagtail's index (a GIN index on the
# title and body vectors, migration 0002, finds the rows). Cards (title, URL, summary) and
# the request types are computed once per generation, so no result needs its specific page
# loaded once it has been shown.

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
    """The pages matching a search, for a Paginator: counting fetches the expected page of
    results along with the total, so the paginator's count and slice cost one query."""

    def __init__(
        self,
        fetch: Callable[[int, int], tuple[list[int], int]],
        *,
        page_number: int = 1,
        per_page: int = RESULTS_PER_PAGE,
        request: HttpRequest | None = None,
    ) -> None:
        self._fetch = fetch
        self._request = request
        self._window = ((page_number - 1) * per_page, per_page)
        self._ids: list[int] | None = None
        self._total: int | None = None

    def _load(self, offset: int, limit: int) -> list[int]:
        ids, total = self._fetch(offset, limit)
        if ids or offset == 0:
            self._total = total
        elif self._total is None:
            self._total = self._fetch(0, 1)[1]  # past the end: count again
        return ids

    def count(self) -> int:
        if self._total is None:
            self._ids = self._load(*self._window)
        return self._total or 0

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
        offset, limit = self._window
        start = index.start or 0
        stop = index.stop if index.stop is not None else start + limit
        if self._ids is not None and offset <= start and stop <= offset + limit:
            ids = self._ids[start - offset : stop - offset]
        else:
            ids = self._load(start, stop - start)
        return page_cards(ids, request=self._request)


def search_pages(
    query: str, *, language: str, page_number: int = 1, request: HttpRequest | None = None
) -> PageHits:
    """Live, public pages of one language matching every word of the query, best first;
    when no page has every word, pages with any of them."""
    words = terms(query)
    home = home_for(language)
    if not words or home is None:
        return PageHits(lambda offset, limit: ([], 0), request=request)
    hits = PageHits(_fetcher(words, "and", home), page_number=page_number, request=request)
    if len(words) > 1 and not hits.count():
        hits = PageHits(_fetcher(words, "or", home), page_number=page_number, request=request)
    return hits


def _fetcher(words: list[str], operator: str, home: Page) -> Callable[[int, int], Any]:
    backend = get_search_backend()
    if connection.vendor == "postgresql" and isinstance(backend, PostgresSearchBackend):
        return lambda offset, limit: _postgres_hits(
            words, operator, home=home, config=backend.config, offset=offset, limit=limit
        )

    def fetch(offset: int, limit: int) -> tuple[list[int], int]:
        results = _public_pages(home, inclusive=True).search(" ".join(words), operator=operator)
        return [page.pk for page in results[offset : offset + limit]], results.count()

    return fetch


SEARCH_SQL = """
    WITH q AS (SELECT to_tsquery(%s::regconfig, %s) AS query)
    SELECT p.id, COUNT(*) OVER ()
    FROM wagtailsearch_indexentry e
    JOIN wagtailcore_page p ON e.object_id = p.id::varchar(50)
    CROSS JOIN q
    WHERE e.content_type_id = ANY(%s)
      AND (e.title || e.body) @@ q.query
      AND p.live AND p.path LIKE %s AND p.depth >= %s
      AND NOT (p.path LIKE ANY(%s::text[]))
    ORDER BY ts_rank(%s::float4[], e.title, q.query) * e.title_norm
             + ts_rank(%s::float4[], e.body, q.query) DESC,
             p.id DESC
    LIMIT %s OFFSET %s
"""


def _postgres_hits(
    words: list[str], operator: str, *, home: Page, config: str, offset: int, limit: int
) -> tuple[list[int], int]:
    """Wagtail's database backend query (same vectors, configuration, weights and rank),
    written as one statement that also counts. ``words`` are folded ``[a-z0-9]+`` terms."""
    tsquery = (" & " if operator == "and" else " | ").join(words)
    weights = get_sql_weights()
    params = [
        config,
        tsquery,
        _page_content_types(),
        f"{home.path}%",
        home.depth,
        [f"{path}%" for path in restricted_paths()],
        weights,
        weights,
        limit,
        offset,
    ]
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL, params)
        rows = cursor.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _page_content_types() -> list[int]:
    return memo(
        "page-content-types",
        lambda: [ct.pk for ct in ContentType.objects.get_for_models(*get_page_models()).values()],
    )


AUTOCOMPLETE_SQL = """
    WITH q AS (SELECT to_tsquery(%s::regconfig, %s) AS query)
    SELECT p.id
    FROM wagtailsearch_indexentry e
    JOIN wagtailcore_page p ON e.object_id = p.id::varchar(50)
    CROSS JOIN q
    WHERE e.content_type_id = ANY(%s)
      AND e.autocomplete @@ q.query
      AND p.live AND p.path LIKE %s AND p.depth > %s
      AND NOT (p.path LIKE ANY(%s::text[]))
    ORDER BY ts_rank(%s::float4[], e.autocomplete, q.query) DESC, p.id DESC
    LIMIT %s
"""


def autocomplete_pages(
    query: str, *, language: str, limit: int = 5, request: HttpRequest | None = None
) -> list[PageCard]:
    """Pages below the home page whose title starts with what was typed (the last word may
    be unfinished), best first."""
    words = terms(query)
    home = home_for(language)
    if not words or home is None:
        return []
    backend = get_search_backend()
    if connection.vendor == "postgresql" and isinstance(backend, PostgresSearchBackend):
        # Wagtail's autocomplete query (prefix on the last word, its configuration, weights
        # and rank), as one statement returning ids only.
        weights = get_sql_weights()
        params = [
            backend.autocomplete_config,
            " & ".join([*words[:-1], f"{words[-1]}:*"]),
            _page_content_types(),
            f"{home.path}%",
            home.depth,
            [f"{path}%" for path in restricted_paths()],
            weights,
            limit,
        ]
        with connection.cursor() as cursor:
            cursor.execute(AUTOCOMPLETE_SQL, params)
            ids = [row[0] for row in cursor.fetchall()]
    else:
        results = _public_pages(home, inclusive=False).autocomplete(" ".join(words), operator="and")
        ids = [page.pk for page in results[:limit]]
    return page_cards(ids, request=request)


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
