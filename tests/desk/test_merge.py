"""service_requests_merge: duplicates go to Doublon, their citizens follow the survivor."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import make_user
from tests.desk.conftest import client_for, transition
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.merge import service_requests_merge
from victo_crm.service_requests.models import (
    EventKind,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
)
from victo_crm.service_requests.services import Contact, service_request_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def jean_duplicate(submit, other_citizen):
    return submit(citizen=other_citizen, description="Même trou, devant l’école")


def fresh(request):
    return ServiceRequest.objects.select_related("state").get(pk=request.pk)


class TestMerging:
    def test_duplicates_go_to_doublon_point_at_the_survivor_and_their_citizens_follow_it(
        self, pothole, jean_duplicate, agent, other_citizen
    ):
        events = service_requests_merge(
            survivor=pothole, duplicates=[jean_duplicate], actor=agent, note=""
        )
        dup = fresh(jean_duplicate)
        assert dup.state.code == "doublon" and dup.merged_into == pothole
        assert dup.closed_at is not None
        assert RequestFollower.objects.filter(request=pothole, user=other_citizen).exists()
        # A public note on the duplicate names the survivor, in the citizen's language.
        transition_event = RequestEvent.objects.get(request=dup, kind=EventKind.TRANSITION)
        assert transition_event.is_public and pothole.reference in transition_event.message
        # A MERGE event on both sides; Jean is told.
        assert [e.kind for e in events] == [EventKind.MERGE]
        assert RequestEvent.objects.filter(
            request=pothole, kind=EventKind.MERGE, is_public=False
        ).exists()
        told = Notification.objects.filter(kind="request_merged", recipient=other_citizen)
        assert set(told.values_list("channel", flat=True)) == {"email", "in_app"}

    def test_the_followers_then_hear_about_the_survivor(
        self, pothole, jean_duplicate, agent, other_citizen
    ):
        service_requests_merge(survivor=pothole, duplicates=[jean_duplicate], actor=agent, note="")
        service_request_transition(
            request=fresh(pothole), transition=transition("recue", "assignee"), actor=agent
        )
        assert Notification.objects.filter(
            kind="state_changed", request=pothole, recipient=other_citizen
        ).exists()

    def test_a_guest_duplicate_is_told_by_e_mail(self, pothole, submit, agent):
        guest = submit(contact=Contact(name="Invité", email="invite@example.ca"))
        service_requests_merge(
            survivor=pothole, duplicates=[guest], actor=agent, note="Même endroit."
        )
        assert Notification.objects.filter(
            kind="request_merged", address="invite@example.ca"
        ).exists()
        assert (
            RequestEvent.objects.get(request=guest, kind=EventKind.MERGE).message == "Même endroit."
        )


class TestRefusals:
    def test_a_closed_duplicate_refuses_the_whole_merge(
        self, pothole, submit, jean_duplicate, agent
    ):
        closed = submit()
        service_request_transition(
            request=closed, transition=transition("recue", "resolue"), actor=agent
        )
        with pytest.raises(ValidationError) as error:
            service_requests_merge(
                survivor=pothole, duplicates=[jean_duplicate, fresh(closed)], actor=agent, note=""
            )
        assert "ne peut pas être marquée comme doublon" in str(error.value)
        assert fresh(jean_duplicate).state.code == "recue"  # all or nothing
        assert not RequestFollower.objects.exists()

    def test_an_agent_of_another_team_may_not_merge(self, pothole, jean_duplicate, other_agent):
        with pytest.raises(PermissionDenied):
            service_requests_merge(
                survivor=pothole, duplicates=[jean_duplicate], actor=other_agent, note=""
            )

    def test_a_request_is_not_its_own_duplicate(self, pothole, agent):
        with pytest.raises(ValidationError):
            service_requests_merge(survivor=pothole, duplicates=[pothole], actor=agent, note="")


class TestTheMergeForm:
    def test_merges_by_reference_from_the_request_page(self, pothole, jean_duplicate, agent):
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/jumeler/",
            {"duplicates": f"{jean_duplicate.reference}", "note": ""},
        )
        assert response.status_code == 302
        assert fresh(jean_duplicate).merged_into == pothole

    def test_a_reference_outside_the_scope_is_reported_as_not_found(
        self, pothole, agent, teams, request_type, submit
    ):
        other_team_request = submit()
        ServiceRequest.objects.filter(pk=other_team_request.pk).update(team=teams["env"])
        response = client_for(agent).post(
            f"/bureau/requetes/{pothole.reference}/jumeler/",
            {"duplicates": other_team_request.reference},
        )
        assert response.status_code == 400
        assert "introuvables dans votre périmètre" in response.content.decode()
        assert make_user  # personas come from the shared conftest
