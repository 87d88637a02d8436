"""The base tiles of every map (portal and desk): ``{% load maps %}{% map_tile_attrs %}``."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_tile_attrs() -> str:
    """The base tiles of a map element (``data-tiles``, ``data-tiles-attribution``), from
    ``VICTO_MAP_TILE_URL`` and ``VICTO_MAP_TILE_ATTRIBUTION``; empty means no tiles."""
    return format_html(
        'data-tiles="{}" data-tiles-attribution="{}"',
        getattr(settings, "VICTO_MAP_TILE_URL", ""),
        getattr(settings, "VICTO_MAP_TILE_ATTRIBUTION", ""),
    )
