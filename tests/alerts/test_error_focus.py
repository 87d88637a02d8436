""" "Mes collectes" refused: the error summary (the project's one) takes the focus, the title
says "Erreur :", and its link leads to the address box; a portal-style summary link to a
group of boxes leads to its fieldset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def test_the_summary_links_to_the_field_and_the_title_says_error(client, town):
    response = client.get("/alertes/collectes/", {"q": "999 rue Inexistante"})
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    summary = soup.find(id="error-summary")
    assert summary is not None and summary.get("tabindex") == "-1"
    assert soup.title.get_text().startswith("Erreur\u00a0: ")
    assert [a["href"] for a in summary.find_all("a")] == ["#id_q"]
    assert soup.find(id="id_q") is not None
    assert soup.find("script", src=re.compile(r"js/focus\.js"))


def test_a_group_of_boxes_is_linked_by_its_fieldset(client, citizen, town):
    client.force_login(citizen)
    response = client.post("/alertes/abonnements/", {"address": "", "topic": ""})
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    targets = [a["href"].removeprefix("#") for a in soup.find(id="error-summary").find_all("a")]
    assert "id_channels_fieldset" in targets
    assert soup.find(id="id_channels_fieldset").name == "fieldset"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_keyboard_user_lands_on_the_summary(page: Any, live_server: Any, town: Any) -> None:
    page.goto("/alertes/collectes/")
    page.fill("#id_q", "999 rue Inexistante")
    page.get_by_role("button", name="Voir mes collectes").click()
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.id")

    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Erreur\u00a0: ")
