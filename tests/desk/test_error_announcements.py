"""After any desk action a screen-reader user hears what happened: a refused form puts
"Erreur :" in the title and a summary at the top of the page (focused on load) whose links
lead to each field, or to the fieldset of a group of radio buttons; a success message is
focused on load and said in the title."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.desk.conftest import client_for, transition

pytestmark = pytest.mark.django_db


def refused(response: Any) -> tuple[str, Any, list[str]]:
    """The page's title, its error summary, and the ids the summary's links lead to (each
    checked to exist on the page)."""
    assert response.status_code == 400
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    summary = soup.find(id="error-summary")
    assert summary is not None and summary.get("tabindex") == "-1"
    targets = [a["href"].removeprefix("#") for a in summary.find_all("a")]
    for target in targets:
        assert soup.find(id=target) is not None, target
    return soup.title.get_text(), summary, targets


class TestARefusedDeskFormIsAnnounced:
    def test_fermer_sans_suite_without_its_comment(self, pothole, agent):
        close = transition("recue", "fermee-sans-suite")
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/action/", {"transition": close.pk, "version": 1}
        )
        title, summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert "Un commentaire est obligatoire" in summary.get_text()
        assert targets == ["id_transition_comment"]

    def test_no_action_chosen_links_to_the_fieldset_of_the_radio_buttons(self, pothole, agent):
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/action/", {"version": 1}
        )
        title, _summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert targets == ["id_transition_transition_fieldset"]
        soup = BeautifulSoup(response.content.decode(), "html.parser")
        assert soup.find(id=targets[0]).name == "fieldset"

    def test_an_assignment_outside_the_team(self, pothole, agent, other_agent, teams):
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/attribuer/",
            {"team": teams["tp"].pk, "assignee": other_agent.pk, "version": 1},
        )
        title, summary, _targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert "ne fait pas partie de l’équipe" in summary.get_text()

    def test_a_priority_out_of_range(self, pothole, agent):
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/priorite/", {"priority": 99, "version": 1}
        )
        title, _summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert targets == ["id_priority_priority"]

    def test_a_merge_with_an_unknown_reference(self, pothole, agent):
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/jumeler/", {"duplicates": "2026-999999"}
        )
        title, summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert "2026-999999" in summary.get_text()
        assert targets == ["id_merge_duplicates"]

    def test_a_request_on_behalf_of_a_guest_lists_every_error_each_linked(
        self, agent, request_type, town
    ):
        response = client_for(agent).post(
            "/bureau/requetes/nouvelle/",
            {"request_type": request_type.pk, "channel": "phone", "description": "Appel"},
        )
        title, summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        text = summary.get_text()
        assert "Indiquez votre nom et votre courriel" in text
        assert "Le champ «\u00a0Taille\u00a0» est obligatoire." in text
        # The contact's name box, the fieldset of the radio buttons of a required list.
        assert "id_contact_name" in targets and "champ_taille_fieldset" in targets
        soup = BeautifulSoup(response.content.decode(), "html.parser")
        assert soup.find(id="champ_taille_fieldset").name == "fieldset"
        assert soup.find(string=re.compile("La requête n’a pas été créée")) is None

    def test_a_request_on_behalf_refused_by_its_form_names_the_type_s_fields_too(
        self, agent, request_type, citizen, town
    ):
        """A refusal of the form itself (no channel) lists the type's missing fields in the
        same round, not at the next try."""
        response = client_for(agent).post(
            f"/bureau/requetes/nouvelle/?choisi={citizen.pk}",
            {"request_type": request_type.pk, "citizen": citizen.pk, "champ_nombre": "x"},
        )
        title, _summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert targets[0] == "id_channel_fieldset"
        assert {"champ_taille_fieldset", "champ_nombre"} <= set(targets)

    def test_the_emergency_access_without_a_real_reason(self, db):
        from victo_crm.accounts.models import User

        root = User.objects.create_superuser(email="racine@victoriaville.ca", password="x")
        response = client_for(root).post("/bureau/acces-urgence/", {"reason": "urgent"})
        title, summary, targets = refused(response)
        assert title.startswith("Erreur\u00a0: ")
        assert "au moins 15 caractères" in summary.get_text()
        assert targets == ["id_break_glass_reason"]

    def test_in_english(self, pothole, agent):
        agent.preferred_language = "en"
        agent.save()
        close = transition("recue", "fermee-sans-suite")
        client = client_for(agent)
        client.post("/i18n/setlang/", {"language": "en", "next": "/bureau/"})
        response = client.post(
            f"/bureau/requetes/{pothole.reference}/action/", {"transition": close.pk, "version": 1}
        )
        title, summary, _targets = refused(response)
        assert title.startswith("Error: ")
        assert "Please correct the following" in summary.get_text()


def test_a_success_message_is_in_the_title_and_ready_to_be_focused(pothole, agent, teams):
    client = client_for(agent)
    client.post(
        f"/bureau/requetes/{pothole.reference}/attribuer/",
        {"team": teams["tp"].pk, "assignee": agent.pk, "version": 1},
    )
    soup = BeautifulSoup(
        client.get(f"/bureau/requetes/{pothole.reference}/").content.decode(), "html.parser"
    )
    message = soup.find(id="messages")
    assert message is not None and message.get("tabindex") == "-1"
    assert re.match(r"Requête attribuée à Luc", soup.title.get_text())
    assert "Requête attribuée à Luc" in message.get_text()
    assert soup.find("script", src=re.compile(r"js/focus\.js"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_keyboard_user_lands_on_the_summary_then_on_the_message(
    page: Any, live_server: Any, seeded: Any, town: Any, pothole: Any, agent: Any
) -> None:
    from tests.conftest import login

    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    login(page, agent, live_server.url)
    page.goto(f"/bureau/requetes/{pothole.reference}/")

    # The keyboard follows what is seen: the actions beside the request come before the map,
    # the canned responses, the reply and the note.
    where = (
        "(() => { const s = document.activeElement && document.activeElement.closest("
        "'#actions, #attribution, #request-map, .desk-canned, #reponse, #note');"
        " return s ? (s.id || s.className) : ''; })()"
    )
    reached: list[str] = []
    for _press in range(120):
        page.keyboard.press("Tab")
        section = page.evaluate(where)
        if section and (not reached or reached[-1] != section):
            reached.append(section)
        if section == "note":
            break
    assert reached[:2] == ["actions", "attribution"], reached
    assert reached.index("reponse") < reached.index("note"), reached

    page.get_by_role("radio", name=re.compile("Fermer sans suite")).check()
    page.get_by_role("button", name="Faire l’action").click()
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.id")

    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Erreur\u00a0: ")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the summary's link to the comment box
    assert page.evaluate("document.activeElement.id") == "id_transition_comment"

    page.get_by_role("button", name="Me l’attribuer").click()
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.id")
    assert page.evaluate("document.activeElement.id") == "messages"
    said = page.evaluate("document.activeElement.textContent")
    assert "elle vous est attribuée" in said
    assert page.title().startswith(said.strip())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_on_behalf_form_s_summary_takes_the_focus_and_leads_to_each_field(
    page: Any, live_server: Any, seeded: Any, town: Any, request_type: Any, agent: Any
) -> None:
    from tests.conftest import login

    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    login(page, agent, live_server.url)
    page.goto(f"/bureau/requetes/nouvelle/?type={request_type.pk}")
    page.get_by_role("button", name="Créer la requête").click()
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.id")

    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Erreur\u00a0: ")
    page.get_by_role("link", name=re.compile("Indiquez votre nom")).click()
    assert page.evaluate("document.activeElement.id") == "id_contact_name"
    # A list of choices: the link shows its whole fieldset and focuses its first choice.
    page.get_by_role("link", name=re.compile("Taille")).click()
    focused = page.evaluate("document.activeElement.closest('fieldset').id")
    assert focused == "champ_taille_fieldset"
