"""The website's URLs, mounted last in victo_crm.urls (Wagtail's page serving is a
catch-all).

French pages sit at the root (/collectes/), English ones under /en/ (/en/waste-collection/).
Wagtail builds page URLs by reversing ``wagtail_serve`` with the page's language active;
:class:`LanguagePrefix` gives that reverse the /en/ prefix like Django's
``i18n_patterns``, but matches on the URL alone, because the rest of victo_crm chooses
its language from a cookie (FrenchFirstLocaleMiddleware) and a link to a page must always
open that page in its own language.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path, re_path
from django.urls.resolvers import LocalePrefixPattern
from wagtail import views as wagtail_views

from . import views


class LanguagePrefix(LocalePrefixPattern):
    def __init__(self) -> None:
        super().__init__(prefix_default_language=False)

    def match(self, path: str) -> tuple[str, tuple[Any, ...], dict[str, Any]] | None:
        if path.startswith("en/"):
            return path[3:], (), {}
        return path, (), {}


page_patterns: list[URLPattern | URLResolver] = [
    path("recherche/", views.search, name="website_search"),
    path("recherche/suggestions/", views.suggestions, name="website_suggestions"),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        wagtail_views.authenticate_with_password,
        name="wagtailcore_authenticate_with_password",
    ),
    re_path(r"^((?:[\w\-]+/)*)$", views.serve, name="wagtail_serve"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("i18n/langue/", views.switch_language, name="website_language"),
    URLResolver(LanguagePrefix(), page_patterns),
]
