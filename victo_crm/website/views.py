"""Website views: page serving (cached, language from the URL), the language switch, search,
suggestions, robots.txt and the sitemap."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page as ResultsPage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import SimpleTemplateResponse
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail import views as wagtail_views

from . import cache as page_cache
from . import links, selectors
from .sitemap import WebsiteSitemap


def _activate(request: HttpRequest) -> str:
    """The website's language comes from its URL (/en/… is English), so a link to a page
    always shows the same language whatever cookie the visitor carries."""
    language = selectors.language_of_path(request.path_info)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _finish(
    request: HttpRequest, response: HttpResponseBase, language: str, *, public: bool = True
) -> HttpResponseBase:
    response["Content-Language"] = language
    page_cache.set_cache_headers(request, response, public=public)
    return response


def serve(request: HttpRequest, path: str) -> HttpResponseBase:
    """A page of the site, from the shared cache for visitors who are not signed in
    (``cache.py``)."""
    language = _activate(request)
    return page_cache.answer(request, lambda: _page(request, path, language))


def _page(request: HttpRequest, path: str, language: str) -> HttpResponse:
    try:
        response = wagtail_views.serve(request, path)
    except Http404:
        response = _other_language_or_404(request, path, language)
    _finish(request, response, language, public=_is_public_page(response))
    if isinstance(response, SimpleTemplateResponse):
        response.render()
    return response


def _is_public_page(response: HttpResponseBase) -> bool:
    """A page under a privacy restriction (password, sign-in, groups) is never shared, even
    its password form: who passed the form sees the page at the same address."""
    page = (getattr(response, "context_data", None) or {}).get("page")
    if page is None:
        return False
    return not any(page.path.startswith(path) for path in selectors.restricted_paths())


def _other_language_or_404(request: HttpRequest, path: str, language: str) -> HttpResponse:
    """After the language switch, /en/<French slug>/ (or the reverse) leads to the page's
    translation when there is one; a page the town has not translated stays in its own
    language, with a note saying so."""
    components = [part for part in path.split("/") if part]
    for other in selectors.SUPPORTED:
        if other == language:
            continue
        home = selectors.home_for(other)
        if home is None:
            continue
        try:
            page, _args, _kwargs = home.specific.route(request, components)
        except Http404:
            continue
        target = selectors.translation_url(page, language)
        if target:
            return redirect(target)
        messages.info(request, _("Cette page n’est offerte qu’en français."))
        with translation.override(other):
            return redirect(page.url)
    raise Http404


@require_GET
def switch_language(request: HttpRequest) -> HttpResponse:
    """The website's language switch. Django's ``set_language`` (the other faces' switch)
    takes a POST with a CSRF token, which would make every page a page of its own visitor;
    this one is a GET that does the same: it remembers the choice in the language cookie (the
    portal and the desk read it) and goes to the page in that language, where the page view
    finds its translation or keeps it with a note."""
    language = request.GET.get("language", "")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if language not in selectors.SUPPORTED:
        return redirect(target)
    response = redirect(translate_url(target, language))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _page_number(value: str | None) -> int:
    """The results page asked for, from 1 to 1,000 (the paginator then clamps it to the
    last one)."""
    try:
        return min(1000, max(1, int(value or 1)))
    except ValueError:
        return 1


@require_GET
def search(request: HttpRequest) -> HttpResponseBase:
    language = _activate(request)
    query = request.GET.get("q", "").strip()[:200]
    page_obj: ResultsPage[selectors.PageCard] | None = None
    types: list[selectors.RequestTypeMatch] = []
    closest: list[selectors.RequestTypeMatch] = []
    if query:
        number = _page_number(request.GET.get("page"))
        hits = selectors.search_pages(query, language=language, request=request)
        page_obj = Paginator(hits, selectors.RESULTS_PER_PAGE).get_page(number)
        types = selectors.search_request_types(query, language=language)
        if not types and not page_obj.object_list:
            closest = selectors.search_request_types(query, language=language, closest=True)
    response = render(
        request,
        "website/search.html",
        {
            "query": query,
            "page_obj": page_obj,
            "request_types": types,
            "closest_types": closest,
            "ask_town_url": links.request_form_url(links.GENERAL_COMPLAINT),
            "request_chooser_url": links.request_chooser_url(),
            "search_page": True,
        },
    )
    return _finish(request, response, language)


@require_GET
def suggestions(request: HttpRequest) -> JsonResponse:
    """Suggestions while typing: the request types first (a task), then pages."""
    language = _activate(request)
    query = request.GET.get("q", "").strip()[:100]
    items: list[dict[str, Any]] = []
    if len(query) >= 2:
        # A type whose name holds every word ("nid de poule") is what the visitor wants to
        # do: first. Types found only through their group or keywords come after the pages.
        types = selectors.search_request_types(query, language=language, limit=5)
        strong = [match for match in types if match.in_name]
        weak = [match for match in types if not match.in_name]
        pages = selectors.autocomplete_pages(query, language=language, limit=5, request=request)
        kind_request, kind_page = _("Requête en ligne"), _("Page")
        items += [{"label": m.name, "url": m.url, "kind": kind_request} for m in strong[:3]]
        items += [{"label": p.title, "url": p.url, "kind": kind_page} for p in pages]
        items += [{"label": m.name, "url": m.url, "kind": kind_request} for m in weak[:2]]
    response = JsonResponse({"query": query, "suggestions": items[:8]})
    response["Cache-Control"] = "public, max-age=60"
    response["Content-Language"] = language
    return response


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /cms/",
        "Disallow: /admin/",
        "Disallow: /bureau/",
        "Disallow: /compte/",
        "Disallow: /recherche/",
        "Disallow: /en/recherche/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    from wagtail.contrib.sitemaps.views import sitemap

    response = sitemap(
        request, sitemaps={"pages": WebsiteSitemap(request)}, template_name="website/sitemap.xml"
    )
    response["Cache-Control"] = f"public, max-age={page_cache.seconds()}"
    return response
