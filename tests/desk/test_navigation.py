"""The desk's navigation leads an agent to the notices (avis) she may write, without typing
their address."""

from __future__ import annotations

import re

import pytest

from tests.desk.conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_agent_reaches_the_notices_from_the_desk_navigation(agent):
    client = client_for(agent)
    html = client.get("/bureau/").content.decode()
    nav = re.search(r"(?s)<nav[^>]*>.*?</nav>", html)
    assert nav is not None and 'href="/alertes/avis/"' in nav.group(0)
    assert client.get("/alertes/avis/").status_code == 200  # the link leads to a page she may use


def _header(html: str) -> str:
    # The logo and the menu (the language switch after them names the page itself), the same
    # everywhere but for the section marked as the current one.
    header = re.search(r'(?s)<header class="site-header">.*?</nav>', html)
    assert header is not None
    return re.sub(r"\s+", " ", header.group(0).replace(' aria-current="page"', ""))


def test_every_staff_section_has_the_same_logo_and_menu(supervisor, pothole):
    client = client_for(supervisor)
    pages = {
        "queue": "/bureau/",
        "request": f"/bureau/requetes/{pothole.reference}/",
        "new": "/bureau/requetes/nouvelle/",
        "map": "/bureau/carte/",
        "dashboard": "/bureau/tableau-de-bord/",
        "notices": "/alertes/avis/",
        "notice form": "/alertes/avis/nouveau/",
    }
    headers = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        headers[name] = _header(response.content.decode())
    assert len(set(headers.values())) == 1, {k: v[:400] for k, v in headers.items()}
    header = headers["queue"]
    assert 'class="site-header__brand" href="/bureau/"' in header
    for item in ("Files", "Nouvelle requête", "Carte", "Tableau de bord", "Avis"):
        assert f">{item}</a>" in header
    notices = client.get("/alertes/avis/").content.decode()
    assert re.search(r'href="/alertes/avis/" aria-current="page">Avis<', notices)


def test_desk_forms_leave_required_fields_to_the_server_s_summary(agent, pothole, request_type):
    """No browser bubble: every desk form is ``novalidate`` and its errors come back in the
    page's error summary; required fields stay marked (``required``, « obligatoire »)."""
    client = client_for(agent)
    for url in (
        f"/bureau/requetes/{pothole.reference}/",
        f"/bureau/requetes/nouvelle/?type={request_type.pk}",
    ):
        html = client.get(url).content.decode()
        forms = re.findall(r"<form [^>]*>", html)
        posted = [f for f in forms if 'method="post"' in f and "language-switch" not in f]
        assert posted and all("novalidate" in f for f in posted), posted
    html = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    note = re.search(r'<textarea[^>]*id="id_note_text"[^>]*>', html)
    assert note is not None and " required" in note.group(0)
    assert "(obligatoire)" in html
    refused = client.post(f"/bureau/requetes/{pothole.reference}/note/", {"text": ""})
    body = refused.content.decode()
    assert refused.status_code == 400 and 'id="error-summary"' in body


def test_the_request_page_reads_in_the_order_it_is_seen(agent, pothole, canned):
    """Actions and assignment come before the map, the canned responses, the reply and the
    note in the page (the keyboard follows the page: tests/desk/test_error_announcements.py)."""
    html = client_for(agent).get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    order = [
        html.index('id="h-details"'),
        html.index('id="actions"'),
        html.index('id="attribution"'),
        html.index('id="request-map"'),
        html.index('id="reponse"'),
        html.index('class="desk-canned"'),
        html.index('id="note"'),
    ]
    assert order == sorted(order)
