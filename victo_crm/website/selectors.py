"""Reads of the website: search, news, emergency notices, translations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import translation
from wagtail.models import Locale, Page, Site

from victo_crm.core.models import localized
from victo_crm.service_requests.models import RequestType

from . import links
from .search import normalise, terms

SUPPORTED = ("fr", "en")


def language_of_path(path: str) -> str:
    """English pages live under /en/; everything else on the website is French."""
    return "en" if path == "/en" or path.startswith("/en/") else "fr"


def locale_for(language: str) -> Locale | None:
    return Locale.objects.filter(language_code=language).first()


def home_for(language: str) -> Page | None:
    """The home page of a language: the default site's root, or its translation."""
    from .cache import memo

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


def search_pages(query: str, *, language: str, limit: int | None = None) -> Any:
    """Live, public pages of one language matching every word of the query, best first;
    when no page has every word, pages with any of them."""
    normalised = normalise(query)
    home = home_for(language)
    if not normalised or home is None:
        return Page.objects.none()
    base = Page.objects.live().public().descendant_of(home, inclusive=True).specific()
    results = base.search(normalised, operator="and")
    # The count is cached on the results: the paginator reuses it.
    if not results.count():
        results = base.search(normalised, operator="or")
    return results[:limit] if limit is not None else results


def autocomplete_pages(query: str, *, language: str, limit: int = 5) -> list[Page]:
    normalised = normalise(query)
    home = home_for(language)
    if not normalised or home is None:
        return []
    return list(
        Page.objects.live()
        .public()
        .descendant_of(home, inclusive=False)
        .specific()
        .autocomplete(normalised, operator="and")[:limit]
    )


@dataclass(frozen=True)
class RequestTypeMatch:
    code: str
    name: str
    description: str
    group: str
    score: int
    url: str
    in_name: bool  # every word of the query is in the type's name


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
    with translation.override(language):
        for rtype in RequestType.objects.filter(is_active=True).select_related("group"):
            name = rtype.name
            title_words = terms(f"{rtype.name_fr} {rtype.name_en}")
            other_words = terms(
                f"{rtype.keywords} {rtype.group.name_fr} {rtype.group.name_en} "
                f"{rtype.description_fr if closest else ''}"
            )
            score = 0
            found = 0
            in_name = 0
            for word in wanted:
                in_title = any(w.startswith(word) for w in title_words)
                in_other = any(w.startswith(word) for w in other_words)
                if in_title or in_other:
                    found += 1
                    score += 3 if in_title else 1
                    in_name += in_title
            if found == len(wanted) or (closest and found):
                matches.append(
                    RequestTypeMatch(
                        code=rtype.code,
                        name=name,
                        description=localized(rtype, "description"),
                        group=localized(rtype.group, "name"),
                        score=score,
                        url=links.request_form_url(rtype.code),
                        in_name=in_name == len(wanted),
                    )
                )
    matches.sort(key=lambda m: (-m.score, m.name))
    return matches[:limit]


# --- Emergency notices (from the alerts app when it provides them) ------------------------------


@dataclass(frozen=True)
class EmergencyNotice:
    title: str
    text: str
    url: str


def active_emergency_notices(*, language: str, limit: int = 3) -> list[EmergencyNotice]:
    """Emergency notices in force now, from the alerts app (none if it is not installed).

    A notice must never take the website down, so any failure reads as "no notice".
    """
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
