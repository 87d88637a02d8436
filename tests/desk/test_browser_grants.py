"""Access grants and map tiles in a real Chromium: the pages a grant opens (read-only and
read-and-act), the administrator's grant form, and the map with and without base tiles;
axe-core on the desk pages, screenshots at 1280 x 800 and 390 x 844 for a person to look at.

Tiles come from a made-up server that the browser's router answers, so nothing leaves the
machine."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.conftest import DESKTOP, PHONE, axe_violations, login, screenshot
from tests.desk.conftest import grant
from victo_crm.service_requests.grants import GrantLevel
from victo_crm.service_requests.services import service_request_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = "https://tuiles.test/{z}/{x}/{y}.png"


def tile_png() -> bytes:
    """A pale tile with a grid line, so a screenshot shows where the tiles are."""
    image = Image.new("RGB", (256, 256), (233, 238, 228))
    draw = ImageDraw.Draw(image)
    draw.line([(0, 0), (255, 0)], fill=(200, 205, 195))
    draw.line([(0, 0), (0, 255)], fill=(200, 205, 195))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(seeded: Any, town: Any, address: Any, request_type: Any, citizen: Any, teams: Any):
    pothole = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "grand"},
        description="Trou profond devant l’école Notre-Dame.",
        address=address,
    )
    return {"pothole": pothole, "teams": teams}


@pytest.fixture
def tab(page: Any) -> Any:
    tiles: list[str] = []
    png = tile_png()

    def answer(route: Any) -> None:
        if route.request.url.startswith("https://tuiles.test/"):
            tiles.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=png)
        else:
            route.abort()

    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), answer)
    page.tiles = tiles
    return page


def viewport(name: str) -> dict[str, int]:
    return DESKTOP if name == "desktop" else PHONE


def fits(page: Any, name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, (name, overflow)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("level", [GrantLevel.READ, GrantLevel.ACT])
def test_the_pages_a_grant_opens(
    tab: Any, world: dict[str, Any], live_server: Any, other_agent: Any, level: str, size: str
) -> None:
    page, pothole = tab, world["pothole"]
    grant(team=world["teams"]["tp"], grantee=other_agent, level=level)
    page.set_viewport_size(viewport(size))
    login(page, other_agent, live_server.url)

    page.goto("/bureau/?file=granted")
    assert page.get_by_role("link", name="Autres équipes (accès accordé)").get_attribute(
        "aria-current"
    )
    assert axe_violations(page) == []
    fits(page, "granted queue")
    screenshot(page, f"desk-grant-{level}-queue-{size}")
    page.get_by_role("link", name=pothole.reference).click()
    page.wait_for_url(f"**/bureau/requetes/{pothole.reference}/")
    page.wait_for_load_state("networkidle")
    notice = page.locator("#acces-accorde")
    if level == GrantLevel.READ:
        assert "en consultation seulement" in notice.inner_text()
        assert page.get_by_role("button", name="Envoyer la réponse").count() == 0
    else:
        assert "consulter et la traiter" in notice.inner_text()
        assert page.get_by_role("button", name="Faire l’action").count() == 1
    assert axe_violations(page) == []
    fits(page, f"request {level}")
    screenshot(page, f"desk-grant-{level}-request-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_administrator_opens_access_in_the_admin(
    tab: Any,
    world: dict[str, Any],
    live_server: Any,
    administrator: Any,
    other_agent: Any,
    size: str,
) -> None:
    page = tab
    page.set_viewport_size(viewport(size))
    login(page, administrator, live_server.url)
    page.goto("/admin/service_requests/accessgrant/add/")
    screenshot(page, f"desk-grant-admin-form-{size}")

    # Saved without anyone to open to: refused, with the reason next to the field.
    page.select_option("#id_team", label="Travaux publics")
    page.locator("input[type=submit][name=_save]").click()
    page.wait_for_load_state()
    assert "une équipe ou une personne" in page.content()
    screenshot(page, f"desk-grant-admin-errors-{size}")

    page.select_option("#id_grantee", value=str(other_agent.pk))
    page.get_by_label("Consultation et traitement").check()
    page.fill("#id_reason", "Renfort pendant la crue")
    page.locator("input[type=submit][name=_save]").click()
    page.wait_for_load_state()
    assert "Renfort pendant la crue" in page.content()
    screenshot(page, f"desk-grant-admin-list-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_map_with_the_towns_tiles_and_without(
    tab: Any, world: dict[str, Any], live_server: Any, agent: Any, settings: Any, size: str
) -> None:
    page = tab
    page.set_viewport_size(viewport(size))
    login(page, agent, live_server.url)

    settings.VICTO_MAP_TILE_URL = ""
    page.goto("/bureau/carte/?file=team")
    page.locator(".leaflet-marker-icon").first.wait_for()
    assert page.locator(".leaflet-tile").count() == 0 and page.tiles == []
    assert page.locator(".leaflet-overlay-pane path").count() >= 1  # the district outlines

    settings.VICTO_MAP_TILE_URL = TILES
    settings.VICTO_MAP_TILE_ATTRIBUTION = "© Ville de Victoriaville <test>"
    page.goto("/bureau/carte/?file=team")
    page.locator(".leaflet-marker-icon").first.wait_for()
    page.locator(".leaflet-tile-loaded").first.wait_for()
    assert page.tiles and all(
        re.match(r"https://tuiles.test/\d+/\d+/\d+\.png", u) for u in page.tiles
    )
    credit = page.locator(".leaflet-control-attribution").inner_text()
    assert "© Ville de Victoriaville <test>" in credit  # shown as text, never as markup
    assert page.locator("#map-status").text_content() == "1 requête(s) sur la carte"
    assert axe_violations(page) == []
    fits(page, "map with tiles")
    screenshot(page, f"desk-map-tiles-{size}")

    page.goto(f"/bureau/requetes/{world['pothole'].reference}/")
    page.locator("#request-map .leaflet-tile-loaded").first.wait_for()
    screenshot(page, f"desk-request-tiles-{size}")
