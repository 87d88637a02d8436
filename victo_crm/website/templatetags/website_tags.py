"""Template tags of the website: head metadata, menus, banner, links into the portal."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from wagtail.models import Page

from .. import links, selectors

register = template.Library()

OG_LOCALES = {"fr": "fr_CA", "en": "en_CA"}


@register.simple_tag
def request_form_url(code: str) -> str:
    return links.request_form_url(code)


@register.simple_tag(takes_context=True)
def account_home_url(context: template.Context) -> str:
    """Where "Mon espace" leads a signed-in visitor: staff to their desk, others to the
    portal (the same places as a sign-in without ``next``)."""
    from victo_crm.accounts import roles

    user = context["request"].user
    return reverse("desk:queue") if roles.is_staff_member(user) else reverse("portal:home")


@register.simple_tag
def collection_days_url() -> str:
    return links.collection_days_url()


@register.simple_tag
def task_url(value: Any) -> str:
    """Where a home-page task leads: an online service, a page or an address."""
    service = value.get("service")
    if service == "request":
        return links.request_chooser_url()
    if service == "collections":
        return links.collection_days_url()
    page = value.get("page")
    if page is not None:
        return str(page.localized.url or "#")
    return str(value.get("url") or "#")


@register.simple_tag
def website_home_url() -> str:
    return selectors.home_url(translation.get_language() or "fr")


@register.simple_tag
def menu_pages() -> list[selectors.MenuItem]:
    return selectors.menu_items(translation.get_language() or "fr")


@register.inclusion_tag("website/includes/emergency_banner.html")
def emergency_banner() -> dict[str, Any]:
    language = translation.get_language() or "fr"
    return {"notices": selectors.active_emergency_notices(language=language)}


@register.simple_tag
def active_emergency_notices() -> list[selectors.EmergencyNotice]:
    return selectors.active_emergency_notices(language=translation.get_language() or "fr")


@register.simple_tag(takes_context=True)
def website_head_meta(context: template.Context) -> SafeString:
    """Canonical URL, OpenGraph tags and links to the page's translations."""
    request = context.get("request")
    page = context.get("page")
    language = translation.get_language() or "fr"
    site_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    if isinstance(page, Page) and not context.get("search_page"):
        path = page.url or "/"
        title = page.seo_title or page.title
        description = page.search_description or getattr(page.specific, "summary", lambda: "")()
    else:
        path = request.path if request is not None else "/"
        title = str(context.get("title", "")) or settings.WAGTAIL_SITE_NAME
        description = ""
    canonical = site_url + path
    parts = [format_html('<link rel="canonical" href="{}">', canonical)]
    if isinstance(page, Page) and not context.get("search_page"):
        alternates = []
        for other in selectors.SUPPORTED:
            url = selectors.translation_url(page, other)
            if url:
                alternates.append((other, site_url + url))
        if len(alternates) > 1:
            parts.append(
                format_html_join("\n", '<link rel="alternate" hreflang="{}" href="{}">', alternates)
            )
    meta = [
        ("og:type", "article" if isinstance(page, Page) and page.depth > 2 else "website"),
        ("og:site_name", settings.WAGTAIL_SITE_NAME),
        ("og:title", title),
        ("og:url", canonical),
        ("og:locale", OG_LOCALES.get(language, "fr_CA")),
    ]
    if description:
        meta.append(("og:description", description))
    parts.append(format_html_join("\n", '<meta property="{}" content="{}">', meta))
    return SafeString("\n".join(parts))
