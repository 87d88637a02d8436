"""sitemap.xml with every language's pages, each naming its translations (hreflang)."""

from __future__ import annotations

from typing import Any

from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class WebsiteSitemap(Sitemap):
    i18n = False

    def items(self) -> Any:
        site = self.get_wagtail_site()
        roots = [site.root_page, *site.root_page.get_translations()]
        pages = Page.objects.none()
        for root in roots:
            pages = pages | Page.objects.descendant_of(root, inclusive=True)
        return pages.live().public().order_by("path").defer_streamfields().specific()
