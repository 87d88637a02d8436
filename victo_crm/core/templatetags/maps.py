"""The base tiles of every map (portal and desk): ``{% load maps %}{% map_tile_attrs %}``."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from victo_crm.core.typography import NBSP

register = template.Library()


@register.simple_tag
def map_tile_attrs() -> str:
    """The base tiles of a map element (``data-tiles``, ``data-tiles-attribution``), from
    ``VICTO_MAP_TILE_URL``, ``VICTO_MAP_TILE_ATTRIBUTION`` (and its link) and
    ``VICTO_MAP_TILE_MAX_ZOOM``; an empty URL means no tiles. Leaflet's own words (its zoom
    buttons, a placed pin) come translated from here (``data-zoom-in``, ``data-zoom-out``,
    ``data-pin``, ``data-pin-placed``), with the page's decimal mark and separator between a
    position's two numbers (``data-decimal``, ``data-separator``, see core.typography)."""
    credit_url = getattr(settings, "VICTO_MAP_TILE_ATTRIBUTION_URL", "")
    french = (get_language() or "fr")[:2] == "fr"
    return format_html(
        'data-tiles="{}" data-tiles-attribution="{}" data-tiles-attribution-url="{}" '
        'data-tiles-max-zoom="{}" data-zoom-in="{}" data-zoom-out="{}" data-pin="{}" '
        'data-pin-placed="{}" data-decimal="{}" data-separator="{}"',
        getattr(settings, "VICTO_MAP_TILE_URL", ""),
        getattr(settings, "VICTO_MAP_TILE_ATTRIBUTION", ""),
        # Only an https link (never javascript: or data:) reaches the page.
        credit_url if credit_url.startswith("https://") else "",
        int(getattr(settings, "VICTO_MAP_TILE_MAX_ZOOM", 19)),
        _("Zoom avant"),
        _("Zoom arrière"),
        _("Repère"),
        _("Repère placé : %(position)s"),
        "," if french else ".",
        f"{NBSP}; " if french else ", ",
    )
