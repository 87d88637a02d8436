"""service_request_transition: the only way a state changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.core.errors import StaleUpdateError
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.models import EventKind, RequestEvent, ServiceRequest, Transition
from victo_crm.service_requests.services import (
    service_request_add_note,
    service_request_assign,
    service_request_reply,
    service_request_submit,
    service_request_transition,
)
from victo_crm.service_requests.workflows import available_transitions

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole(request_type, citizen, town):
    return service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "grand"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )


def transition(from_code: str, to_code: str) -> Transition:
    return Transition.objects.get(
        workflow__code="default", from_state__code=from_code, to_state__code=to_code
    )


def fresh(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_related("state").get(pk=request.pk)


class TestAnAgentOfTheRightTeam:
    def test_moves_the_request_and_the_change_is_recorded(self, pothole, agent):
        event = service_request_transition(
            request=pothole, transition=transition("recue", "assignee"), actor=agent
        )

        request = fresh(pothole)
        assert request.state.code == "assignee"
        assert request.version == 2
        assert request.first_response_at is not None
        assert (event.kind, event.from_state.code, event.to_state.code, event.actor) == (
            EventKind.TRANSITION,
            "recue",
            "assignee",
            agent,
        )
        assert event.is_public
        kinds = list(Notification.objects.filter(event=event).values_list("kind", "channel"))
        assert sorted(kinds) == [("state_changed", "email"), ("state_changed", "in_app")]

    def test_through_to_resolution_closes_it(self, pothole, agent):
        service_request_transition(
            request=pothole, transition=transition("recue", "assignee"), actor=agent
        )
        service_request_transition(
            request=pothole, transition=transition("assignee", "en-cours"), actor=agent
        )
        service_request_transition(
            request=pothole, transition=transition("en-cours", "resolue"), actor=agent
        )
        request = fresh(pothole)
        assert request.state.code == "resolue" and request.closed_at is not None
        assert request.state.open311_status == "closed"

    def test_a_transition_without_citizen_notice_writes_no_outbox_row(self, pothole, agent):
        event = service_request_transition(
            request=pothole, transition=transition("recue", "en-analyse"), actor=agent
        )
        assert not Notification.objects.filter(event=event).exists()

    def test_sees_the_actions_they_may_fire(self, pothole, agent):
        labels = {t.to_state.code for t in available_transitions(agent, pothole)}
        assert labels == {"en-analyse", "assignee", "resolue", "fermee-sans-suite", "doublon"}


class TestWhoIsRefused:
    @pytest.mark.parametrize("who", ["other_agent", "citizen", "other_citizen", "anonymous"])
    def test_others_cannot_fire_and_nothing_changes(self, pothole, who, request):
        actor = None if who == "anonymous" else request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            service_request_transition(
                request=pothole, transition=transition("recue", "assignee"), actor=actor
            )
        assert fresh(pothole).state.code == "recue"
        assert RequestEvent.objects.filter(request=pothole).count() == 1
        assert not available_transitions(actor, pothole) if actor else True

    def test_an_agent_of_another_team_is_told_why(self, pothole, other_agent):
        with pytest.raises(PermissionDenied, match="autre équipe"):
            service_request_transition(
                request=pothole, transition=transition("recue", "assignee"), actor=other_agent
            )

    def test_a_supervisor_of_the_team_and_an_administrator_may(
        self, pothole, supervisor, administrator
    ):
        service_request_transition(
            request=pothole, transition=transition("recue", "en-analyse"), actor=supervisor
        )
        service_request_transition(
            request=pothole, transition=transition("en-analyse", "assignee"), actor=administrator
        )
        assert fresh(pothole).state.code == "assignee"

    def test_a_role_not_in_the_transition_is_refused(self, pothole, agent):
        service_request_transition(
            request=pothole,
            transition=transition("recue", "fermee-sans-suite"),
            actor=agent,
            comment="Hors compétence.",
        )
        with pytest.raises(PermissionDenied, match="rôle"):
            service_request_transition(
                request=pothole,
                transition=transition("fermee-sans-suite", "rouverte"),
                actor=agent,
                comment="x",
            )


class TestTheEngineRefusesBadMoves:
    def test_a_transition_not_from_the_current_state(self, pothole, agent):
        with pytest.raises(PermissionDenied) as error:
            service_request_transition(
                request=pothole, transition=transition("en-cours", "resolue"), actor=agent
            )
        assert (
            str(error.value)
            == "L’action «\u00a0Marquer comme réglée\u00a0» n’est pas possible depuis l’état «\u00a0Reçue\u00a0»."
        )
        assert fresh(pothole).state.code == "recue"

    def test_a_required_comment(self, pothole, agent):
        with pytest.raises(ValidationError) as error:
            service_request_transition(
                request=pothole,
                transition=transition("recue", "fermee-sans-suite"),
                actor=agent,
                comment="  ",
            )
        assert error.value.message_dict["comment"] == [
            "Un commentaire est obligatoire pour l’action «\u00a0Fermer sans suite\u00a0»."
        ]
        assert fresh(pothole).state.code == "recue"

    def test_an_unknown_transition(self, pothole, agent):
        with pytest.raises(ValidationError):
            service_request_transition(request=pothole, transition=999_999, actor=agent)

    def test_a_stale_update_loses_to_the_first(self, pothole, agent, supervisor):
        """Two agents read the request; the first acts; the second is refused, nothing lost."""
        seen_by_agent = fresh(pothole)
        seen_by_supervisor = fresh(pothole)
        service_request_transition(
            request=seen_by_agent, transition=transition("recue", "assignee"), actor=agent
        )

        with pytest.raises(StaleUpdateError, match="modifiée par quelqu’un d’autre"):
            service_request_transition(
                request=seen_by_supervisor,
                transition=transition("recue", "en-analyse"),
                actor=supervisor,
            )
        request = fresh(pothole)
        assert request.state.code == "assignee" and request.version == 2
        assert RequestEvent.objects.filter(request=pothole, kind=EventKind.TRANSITION).count() == 1

    def test_a_stale_version_on_another_edit(self, pothole, agent):
        reader = fresh(pothole)
        service_request_assign(request=pothole, actor=agent, assignee=agent)
        with pytest.raises(StaleUpdateError):
            service_request_assign(request=reader, actor=agent, assignee=None)
        assert fresh(pothole).assignee == agent


class TestTheCitizen:
    def test_reopens_their_resolved_request_with_a_reason(self, pothole, agent, citizen):
        service_request_transition(
            request=pothole, transition=transition("recue", "resolue"), actor=agent
        )
        service_request_transition(
            request=pothole,
            transition=transition("resolue", "rouverte"),
            actor=citizen,
            comment="Ce n’est pas réglé.",
        )
        request = fresh(pothole)
        assert request.state.code == "rouverte" and request.closed_at is None
        assert request.citizen_updated_at >= request.updated_at - timedelta(seconds=1)

    def test_cannot_reopen_someone_elses(self, pothole, agent, other_citizen):
        service_request_transition(
            request=pothole, transition=transition("recue", "resolue"), actor=agent
        )
        with pytest.raises(PermissionDenied):
            service_request_transition(
                request=pothole,
                transition=transition("resolue", "rouverte"),
                actor=other_citizen,
                comment="x",
            )


class TestTheSlaClock:
    def test_pauses_in_a_state_that_stops_it_and_resumes_later(self, pothole, agent, citizen):
        due = fresh(pothole).due_at
        service_request_transition(
            request=pothole, transition=transition("recue", "resolue"), actor=agent
        )
        paused = fresh(pothole)
        assert paused.sla_paused_at is not None
        ServiceRequest.objects.filter(pk=pothole.pk).update(
            sla_paused_at=timezone.now() - timedelta(hours=5)
        )
        reopened = fresh(pothole)
        service_request_transition(
            request=reopened,
            transition=transition("resolue", "rouverte"),
            actor=citizen,
            comment="Toujours là.",
        )
        resumed = fresh(pothole)
        assert resumed.sla_paused_at is None
        assert timedelta(hours=4, minutes=59) < resumed.due_at - due < timedelta(hours=5, minutes=1)


class TestNotesAndReplies:
    def test_an_internal_note_stays_internal(self, pothole, agent):
        event = service_request_add_note(
            request=pothole, actor=agent, text="Voir avec le contremaître."
        )
        assert not event.is_public
        assert not Notification.objects.filter(event=event).exists()

    def test_a_public_reply_reaches_the_citizen_and_counts_as_first_response(self, pothole, agent):
        event = service_request_reply(
            request=pothole, actor=agent, text="Une équipe passera jeudi."
        )
        assert event.is_public
        assert Notification.objects.filter(event=event, channel="email").count() == 1
        assert fresh(pothole).first_response_at is not None

    def test_other_teams_cannot_write_on_the_request(self, pothole, other_agent, citizen):
        for actor in (other_agent, citizen):
            with pytest.raises(PermissionDenied):
                service_request_add_note(request=pothole, actor=actor, text="x")
            with pytest.raises(PermissionDenied):
                service_request_reply(request=pothole, actor=actor, text="x")

    def test_an_empty_note_is_refused(self, pothole, agent):
        with pytest.raises(ValidationError):
            service_request_add_note(request=pothole, actor=agent, text="   ")

    def test_assigning_to_someone_outside_the_team_is_refused(self, pothole, agent, other_agent):
        with pytest.raises(ValidationError, match="ne fait pas partie"):
            service_request_assign(request=pothole, actor=agent, assignee=other_agent)
