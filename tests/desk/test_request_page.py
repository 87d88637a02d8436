"""The request page: what an agent sees and does, and what happens when two agents collide."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_user
from tests.desk.conftest import client_for, transition
from victo_crm.accounts import roles
from victo_crm.core import config_cache
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.models import (
    EventKind,
    RequestEvent,
    ServiceRequest,
    State,
    Transition,
)

pytestmark = pytest.mark.django_db


def page(client, pothole):
    return client.get(f"/bureau/requetes/{pothole.reference}/")


class TestTheAgentOfTheTeam:
    def test_sees_the_request_its_requester_and_the_actions_they_may_fire(
        self, pothole, agent, submit
    ):
        older = submit(description="Lampadaire éteint")
        html = page(client_for(agent), pothole).content.decode()
        assert pothole.reference in html
        assert "Un gros nid-de-poule devant l’école" in html
        assert "Marie Tremblay" in html and "marie@example.ca" in html
        assert "Grand" in html  # the "taille" field, by its label
        assert older.reference in html  # the citizen's other requests
        assert "Prendre en charge" in html and "Mettre en analyse" in html
        assert 'id="request-map"' in html

    def test_is_offered_to_take_it_only_while_it_is_not_hers(self, pothole, agent):
        client = client_for(agent)
        assert 'name="moi"' in page(client, pothole).content.decode()
        client.post(f"/bureau/requetes/{pothole.reference}/attribuer/", {"moi": "1", "version": 1})
        pothole.refresh_from_db()
        assert pothole.assignee == agent
        assert 'name="moi"' not in page(client, pothole).content.decode()

    def test_takes_it_writes_a_note_and_a_reply_and_moves_it_twice(self, pothole, agent):
        client = client_for(agent)
        base = f"/bureau/requetes/{pothole.reference}"
        assert client.post(f"{base}/attribuer/", {"moi": "1", "version": 1}).status_code == 302
        pothole.refresh_from_db()
        # Taken in one step: assigned and moved by the workflow's "prise en charge".
        assert pothole.assignee == agent and pothole.state.code == "assignee"
        assert pothole.version == 3

        assert (
            client.post(f"{base}/note/", {"text": "Vérifier avec le contremaître."}).status_code
            == 302
        )
        response = client.post(f"{base}/reponse/", {"text": "Nous y allons demain.", "version": 3})
        assert response.status_code == 302

        start = transition("assignee", "en-cours")
        assert (
            client.post(f"{base}/action/", {"transition": start.pk, "version": 3}).status_code
            == 302
        )
        pothole.refresh_from_db()
        assert pothole.state.code == "en-cours"

        public = list(
            RequestEvent.objects.filter(request=pothole, is_public=True).values_list(
                "kind", "message"
            )
        )
        assert (EventKind.PUBLIC_REPLY, "Nous y allons demain.") in public
        assert all(kind != EventKind.INTERNAL_NOTE for kind, _m in public)
        html = page(client, pothole).content.decode()
        assert "desk-event--internal" in html and "Vérifier avec le contremaître." in html

    def test_a_required_comment_is_asked_and_the_page_says_so(self, pothole, agent):
        close = transition("recue", "fermee-sans-suite")
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/action/", {"transition": close.pk, "version": 1}
        )
        assert response.status_code == 400
        assert "Un commentaire est obligatoire" in response.content.decode()
        pothole.refresh_from_db()
        assert pothole.state.code == "recue"

    def test_a_canned_response_fills_the_reply_box_in_one_click(self, pothole, agent, canned):
        client = client_for(agent)
        fragment = client.get(
            f"/bureau/requetes/{pothole.reference}/reponses-types/{canned.pk}/",
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert (
            f"Bonjour Marie Tremblay, votre requête {pothole.reference} (Nid-de-poule)" in fragment
        )
        assert "<textarea" in fragment and 'id="reply-text"' in fragment
        # Without JavaScript the same link reloads the page with the box filled.
        html = client.get(
            f"/bureau/requetes/{pothole.reference}/?reponse_type={canned.pk}"
        ).content.decode()
        assert f"votre requête {pothole.reference}" in html

    def test_an_english_speaking_citizen_gets_the_english_template(
        self, submit, other_citizen, agent, canned
    ):
        request = submit(citizen=other_citizen)
        fragment = (
            client_for(agent)
            .get(f"/bureau/requetes/{request.reference}/reponses-types/{canned.pk}/")
            .content.decode()
        )
        assert "Hello Jean Gagnon, your request" in fragment and "(Pothole)" in fragment

    def test_reassigns_to_another_team_and_agent(self, pothole, agent, teams):
        colleague = make_user("env2@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/attribuer/",
            {"team": teams["env"].pk, "assignee": colleague.pk, "version": 1},
        )
        # The request left the agent's team: back to the queue rather than a 404.
        assert response.status_code == 302 and response["Location"] == "/bureau/"
        pothole.refresh_from_db()
        assert (pothole.team, pothole.assignee) == (teams["env"], colleague)

    def test_an_agent_outside_the_chosen_team_is_refused_with_a_message(
        self, pothole, agent, other_agent, teams
    ):
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/attribuer/",
            {"team": teams["tp"].pk, "assignee": other_agent.pk, "version": 1},
        )
        assert response.status_code == 400
        assert "ne fait pas partie de l’équipe" in response.content.decode()

    def test_changes_the_priority(self, pothole, agent):
        client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/priorite/", {"priority": 4, "version": 1}
        )
        pothole.refresh_from_db()
        assert pothole.priority == 4


class TestTwoAgentsEditingTheSameRequest:
    def test_the_second_gets_the_conflict_message_and_keeps_their_text(self, pothole, agent, teams):
        luc, sophie = (
            client_for(agent),
            client_for(
                make_user("sophie@victoriaville.ca", role=roles.AGENT, teams=(teams["tp"],))
            ),
        )
        # Both opened the page at version 1.
        assert 'name="version" value="1"' in page(luc, pothole).content.decode()
        assert 'name="version" value="1"' in page(sophie, pothole).content.decode()

        take = transition("recue", "assignee")
        assert (
            luc.post(
                f"/bureau/requetes/{pothole.reference}/action/",
                {"transition": take.pk, "version": 1, "comment": "Je m’en occupe."},
            ).status_code
            == 302
        )

        analyse = transition("recue", "en-analyse")
        typed = "Madame, nous analysons votre demande avec l’équipe de voirie."
        response = sophie.post(
            f"/bureau/requetes/{pothole.reference}/action/",
            {"transition": analyse.pk, "version": 1, "comment": typed},
        )
        html = response.content.decode()
        assert response.status_code == 409
        assert "modifiée par quelqu’un d’autre" in html
        assert typed in html  # nothing lost
        assert 'name="version" value="2"' in html  # she now sees version 2 and may resend
        pothole.refresh_from_db()
        assert pothole.state.code == "assignee"

    def test_a_reply_written_on_a_stale_page_is_kept_not_sent(self, pothole, agent, supervisor):
        client_for(supervisor).post(
            f"/bureau/requetes/{pothole.reference}/priorite/", {"priority": 3, "version": 1}
        )
        typed = "Bonjour, votre requête est réglée."
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/reponse/", {"text": typed, "version": 1}
        )
        assert response.status_code == 409 and typed in response.content.decode()
        assert not RequestEvent.objects.filter(
            request=pothole, kind=EventKind.PUBLIC_REPLY
        ).exists()

    def test_assignment_with_a_stale_version_is_refused(self, pothole, agent, supervisor):
        client_for(supervisor).post(
            f"/bureau/requetes/{pothole.reference}/priorite/", {"priority": 3, "version": 1}
        )
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/attribuer/",
            {"team": pothole.team_id, "assignee": agent.pk, "version": 1},
        )
        assert response.status_code == 409
        assert ServiceRequest.objects.get(pk=pothole.pk).assignee is None


class TestPhotos:
    def test_are_served_without_their_metadata_to_the_team_only(
        self, submit, make_image, agent, other_agent
    ):
        request = submit(photos=[make_image(exif=True)])
        photo = request.attachments.get()
        url = f"/bureau/requetes/{request.reference}/photos/{photo.pk}/"
        response = client_for(agent).get(url)
        body = b"".join(response.streaming_content)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"PhoneMaker" not in body  # the public copy, re-encoded without EXIF
        assert client_for(other_agent).get(url).status_code == 404


def test_the_request_page_needs_at_most_15_queries(pothole, agent, canned, submit):
    """Issue 4's budget of 15, with the session read from PostgreSQL (so that a Redis outage
    signs nobody out): the labels of the type's fields come from the configuration kept in
    memory, like every other face's, not from a query per page."""
    submit()
    client = client_for(agent)
    client.post(f"/bureau/requetes/{pothole.reference}/note/", {"text": "note"})
    # The fixtures' configuration was written in the test's transaction: a running server
    # has it in memory already; say so, and build it once.
    config_cache.clear_local()
    catalogue()
    with CaptureQueriesContext(connection) as queries:
        response = page(client, pothole)
    assert response.status_code == 200
    assert "Taille" in response.content.decode()  # the field's label, with its answer
    assert len(queries) <= 15, [q["sql"][:120] for q in queries]
    assert not [q for q in queries if "requesttypefield" in q["sql"]]


def test_a_transition_tells_the_citizen_of_the_new_state_without_reading_the_request_again(
    pothole, agent
):
    """The service hands the outbox the request it has just moved (state, type, team,
    citizen and assignee as the desk loaded them), so the notices are worded from it: the
    request is not read back after its conditional update, and the words name the new
    state."""
    client = client_for(agent)
    base = f"/bureau/requetes/{pothole.reference}"
    assert client.post(f"{base}/attribuer/", {"moi": "1", "version": 1}).status_code == 302
    start = transition("assignee", "en-cours")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"{base}/action/", {"transition": start.pk, "version": 3, "comment": "Dès lundi."}
        )
    assert response.status_code == 302
    sql = [q["sql"] for q in queries]
    update = next(
        i for i, q in enumerate(sql) if q.startswith('UPDATE "service_requests_servicerequest"')
    )
    reads_back = [
        q
        for q in sql[update:]
        if q.startswith("SELECT") and 'FROM "service_requests_servicerequest"' in q
    ]
    assert reads_back == []
    moved = RequestEvent.objects.get(request=pothole, transition=start)
    told = Notification.objects.get(event=moved, recipient=pothole.citizen, channel="email")
    # French typography: a no-break space before the colon.
    expected = f"Votre requête {pothole.reference}\u00a0: {start.to_state.citizen_label}"
    assert told.subject == expected
    assert "Dès lundi." in told.body and "Marie Tremblay" in told.body


class TestTakingItInOneStep:
    """ "Me l’attribuer" assigns the request and fires the transition the administrator flagged
    "prise en charge" out of its state, in one transaction with its events and notices."""

    def take(self, agent, pothole, version):
        return client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/attribuer/", {"moi": "1", "version": version}
        )

    def test_a_received_request_is_assigned_and_taken_with_its_events_and_notices(
        self, pothole, agent
    ):
        assert self.take(agent, pothole, 1).status_code == 302
        pothole.refresh_from_db()
        assert pothole.assignee == agent
        assert pothole.state == transition("recue", "assignee").to_state
        kinds = list(
            RequestEvent.objects.filter(request=pothole)
            .order_by("pk")
            .values_list("kind", flat=True)
        )
        assert kinds[-2:] == [EventKind.ASSIGNMENT, EventKind.TRANSITION]
        moved = RequestEvent.objects.get(request=pothole, kind=EventKind.TRANSITION)
        assert moved.actor == agent and moved.transition == transition("recue", "assignee")
        assert Notification.objects.filter(event=moved).exists()  # the citizen hears of it

    def test_found_by_its_flag_not_by_a_state_code_an_administrator_renamed(self, pothole, agent):
        take = transition("recue", "assignee")
        State.objects.filter(pk=take.to_state_id).update(code="prise", label_fr="Prise")
        assert self.take(agent, pothole, 1).status_code == 302
        pothole.refresh_from_db()
        assert pothole.state_id == take.to_state_id

    def test_without_a_flagged_transition_it_is_only_assigned(self, pothole, agent):
        Transition.objects.update(takes_charge=False)
        assert self.take(agent, pothole, 1).status_code == 302
        pothole.refresh_from_db()
        assert pothole.assignee == agent and pothole.state.code == "recue"
        assert not RequestEvent.objects.filter(request=pothole, kind=EventKind.TRANSITION).exists()

    def test_a_stale_page_changes_nothing(self, pothole, agent):
        client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/priorite/", {"priority": 3, "version": 1}
        )
        assert self.take(agent, pothole, 1).status_code == 409
        pothole.refresh_from_db()
        assert pothole.assignee is None and pothole.state.code == "recue"
