"""The base tiles of every map (portal and desk): ``{% load maps %}{% map_tile_attrs %}``."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_tile_attrs() -> str:
    """The base tiles of a map element (``data-tiles``, ``data-tiles-attribution``), from
    ``VICTO_MAP_TILE_URL``, ``VICTO_MAP_TILE_ATTRIBUTION`` (and its link) and
    ``VICTO_MAP_TILE_MAX_ZOOM``; an empty URL means no tiles."""
    credit_url = getattr(settings, "VICTO_MAP_TILE_ATTRIBUTION_URL", "")
    return format_html(
        'data-tiles="{}" data-tiles-attribution="{}" data-tiles-attribution-url="{}" '
        'data-tiles-max-zoom="{}"',
        getattr(settings, "VICTO_MAP_TILE_URL", ""),
        getattr(settings, "VICTO_MAP_TILE_ATTRIBUTION", ""),
        # Only an https link (never javascript: or data:) reaches the page.
        credit_url if credit_url.startswith("https://") else "",
        int(getattr(settings, "VICTO_MAP_TILE_MAX_ZOOM", 19)),
    )
