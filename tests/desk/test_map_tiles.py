"""Base tiles of the desk's maps: none by default, the town's tile server when configured."""

from __future__ import annotations

import pytest

from tests.desk.conftest import client_for
from victo_crm.desk.checks import map_tiles_check

pytestmark = pytest.mark.django_db

TILES = "https://tuiles.victoriaville.ca/{z}/{x}/{y}.png"
CREDIT = "© Ville de Victoriaville, © contributeurs d’OpenStreetMap"


@pytest.fixture
def pages(pothole, agent):
    client = client_for(agent)

    def _get() -> dict[str, str]:
        return {
            "map": client.get("/bureau/carte/?file=team").content.decode(),
            "request": client.get(f"/bureau/requetes/{pothole.reference}/").content.decode(),
        }

    return _get


def test_without_a_tile_server_the_maps_have_markers_and_zones_but_no_tiles(settings, pages):
    settings.VICTO_MAP_TILE_URL = ""
    settings.VICTO_MAP_TILE_ATTRIBUTION = ""
    for name, html in pages().items():
        assert 'data-tiles=""' in html and 'data-tiles-attribution=""' in html, name
        assert "desk/map.js" in html, name
    assert 'id="map-zones"' in pages()["map"]  # the district outlines still come with the page
    assert map_tiles_check() == []


def test_with_a_tile_server_both_maps_get_its_url_and_credit(settings, pages):
    settings.VICTO_MAP_TILE_URL = TILES
    settings.VICTO_MAP_TILE_ATTRIBUTION = CREDIT
    for name, html in pages().items():
        assert f'data-tiles="{TILES}"' in html, name
        assert f'data-tiles-attribution="{CREDIT}"' in html, name
    assert map_tiles_check() == []


def test_a_credit_cannot_inject_markup(settings, pages):
    settings.VICTO_MAP_TILE_URL = TILES
    settings.VICTO_MAP_TILE_ATTRIBUTION = '"><script>alert(1)</script>'
    html = pages()["map"]
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(
    ("url", "credit", "codes"),
    [
        ("https://tuiles.example.ca/tile.png", CREDIT, ["desk.W001"]),
        ("http://tuiles.example.ca/{z}/{x}/{y}.png", CREDIT, ["desk.W002"]),
        ("/tuiles/{z}/{x}/{y}.png", CREDIT, []),
        (TILES, "", ["desk.W003"]),
    ],
)
def test_the_system_check_flags_a_tile_setting_that_cannot_work(settings, url, credit, codes):
    settings.VICTO_MAP_TILE_URL = url
    settings.VICTO_MAP_TILE_ATTRIBUTION = credit
    assert [message.id for message in map_tiles_check()] == codes
