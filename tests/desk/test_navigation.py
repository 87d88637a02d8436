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
