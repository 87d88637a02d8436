"""System checks of the desk's settings (``manage.py check``, and at every start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def map_tiles_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A tile server named without its placeholders or its credit is a mistake to flag."""
    url = getattr(settings, "VICTO_MAP_TILE_URL", "")
    if not url:
        return []
    problems: list[CheckMessage] = []
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in url]
    if missing:
        problems.append(
            Warning(
                f"VICTO_MAP_TILE_URL lacks {', '.join(missing)}: the maps would load the "
                "same image everywhere.",
                hint="Give a tile URL template such as https://tiles.example.ca/{z}/{x}/{y}.png",
                id="desk.W001",
            )
        )
    if not url.startswith(("https://", "/")):
        problems.append(
            Warning(
                "VICTO_MAP_TILE_URL is neither https nor a path on this site: browsers block "
                "mixed content on pages served over https.",
                id="desk.W002",
            )
        )
    if not getattr(settings, "VICTO_MAP_TILE_ATTRIBUTION", ""):
        problems.append(
            Warning(
                "VICTO_MAP_TILE_URL is set but VICTO_MAP_TILE_ATTRIBUTION is empty: most "
                "tile licences (OpenStreetMap's among them) require the credit on the map.",
                id="desk.W003",
            )
        )
    return problems
