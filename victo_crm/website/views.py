"""Website views: page serving (cached, language from the URL), search, suggestions,
robots.txt and the sitemap."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
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


def _finish(request: HttpRequest, response: HttpResponse, language: str) -> HttpResponse:
    response["Content-Language"] = language
    page_cache.set_cache_headers(request, response)
    return response


def serve(request: HttpRequest, path: str) -> HttpResponse:
    language = _activate(request)
    cacheable = page_cache.is_cacheable_request(request)
    if cacheable:
        cached = page_cache.lookup(request, language)
        if cached is not None:
            return _finish(request, cached, language)
    try:
        response = wagtail_views.serve(request, path)
    except Http404:
        return _finish(request, _other_language_or_404(request, path, language), language)
    if cacheable:
        page_cache.store(request, language, response)
    return _finish(request, response, language)


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
def search(request: HttpRequest) -> HttpResponse:
    language = _activate(request)
    query = request.GET.get("q", "").strip()[:200]
    results = selectors.search_pages(query, language=language) if query else []
    page_obj = Paginator(results, 10).get_page(request.GET.get("page")) if query else None
    types = selectors.search_request_types(query, language=language) if query else []
    closest = []
    if query and not types and not (page_obj and page_obj.object_list):
        closest = selectors.search_request_types(query, language=language, closest=True)
    home = selectors.home_for(language)
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
            "home": home,
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
        pages = selectors.autocomplete_pages(query, language=language, limit=5)
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
