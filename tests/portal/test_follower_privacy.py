"""A follower sees and is told only what is public about a request (issue 14, point 3).

Marie files a pothole request and gives her phone number; Jean, a neighbour, finds it nearby
and follows it. An agent writes to Marie ("Bonjour Madame Tremblay…"), then publishes one
message to the followers; the request is resolved, Marie rates it and reopens it with her
phone number in the reason. Jean — on the portal, in the mobile API, in his in-app inbox and
in his e-mails — learns the state changes and the published message, and nothing of Marie.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.api.conftest import ApiClient, session_token_for
from tests.conftest import make_user, sign_in
from victo_crm.accounts import roles
from victo_crm.notifications.models import Notification
from victo_crm.notifications.services import notifications_deliver
from victo_crm.service_requests.citizen import (
    service_request_follow,
    service_request_rate,
    service_request_reopen,
)
from victo_crm.service_requests.models import RequestEvent, ServiceRequest, Transition
from victo_crm.service_requests.services import service_request_transition

from .conftest import close_request

pytestmark = pytest.mark.django_db

REPLY_TO_MARIE = "Bonjour Madame Tremblay, nous passerons chez vous jeudi."
COMMENT_TO_MARIE = "Madame Tremblay, l’équipe a votre adresse."
PUBLISHED = "Les réparations de la rue Notre-Dame sont prévues la semaine prochaine."
REOPEN_REASON = "Le trou est encore là. Rappelez-moi au 819 555-0142."
RATING_COMMENT = "Trop lent à mon goût"
DESCRIPTION = "Un gros trou devant chez moi"

# What Jean must never read, anywhere.
SECRETS = (
    "Marie",
    "Tremblay",
    "marie@example.ca",
    "819 555-0199",  # her profile's phone
    "555-0142",  # the phone in her reopening reason
    DESCRIPTION,
    "Bonjour Madame",
    "l’équipe a votre adresse",
    "Rappelez-moi",
    RATING_COMMENT,
)


def assert_nothing_of_marie(text: str) -> None:
    leaks = [secret for secret in SECRETS if secret in text]
    assert not leaks, f"the follower read {leaks!r}"


@pytest.fixture
def story(
    citizen: Any,
    other_citizen: Any,
    agent: Any,
    marie_request: ServiceRequest,
    verified: None,
    django_capture_on_commit_callbacks: Any,
) -> ServiceRequest:
    """The whole story, told through the desk's forms and the citizen services."""
    citizen.phone = "819 555-0199"
    citizen.save(update_fields=["phone"])
    sr = ServiceRequest.objects.select_related("state", "request_type").get(pk=marie_request.pk)
    service_request_follow(request=sr, user=other_citizen)
    desk = sign_in(Client(), agent)
    base = f"/bureau/requetes/{sr.reference}"
    taken = Transition.objects.get(
        workflow=sr.state.workflow, from_state=sr.state, to_state__code="assignee"
    )
    with django_capture_on_commit_callbacks(execute=True):
        # A comment for Marie on a state change, the box "aux abonnés" left unticked.
        response = desk.post(
            f"{base}/action/",
            {"transition": taken.pk, "comment": COMMENT_TO_MARIE, "version": sr.version},
        )
        assert response.status_code == 302
        assert response["Location"].startswith(base), response["Location"]
        sr.refresh_from_db()
        response = desk.post(f"{base}/reponse/", {"text": REPLY_TO_MARIE, "version": sr.version})
        assert response.status_code == 302
        assert response["Location"].startswith(base), response["Location"]
        sr.refresh_from_db()
        response = desk.post(
            f"{base}/reponse/", {"text": PUBLISHED, "for_followers": "on", "version": sr.version}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(base), response["Location"]
        sr = ServiceRequest.objects.select_related("state", "request_type").get(pk=sr.pk)
        sr = close_request(sr, agent)
        service_request_rate(request=sr, citizen=citizen, rating=2, comment=RATING_COMMENT)
        service_request_reopen(request=sr, citizen=citizen, reason=REOPEN_REASON)
    return ServiceRequest.objects.select_related("state", "request_type").get(pk=sr.pk)


def test_the_desk_publishes_to_followers_only_what_the_agent_ticked(story):
    events = {e.message: e for e in RequestEvent.objects.filter(request=story)}
    assert events[PUBLISHED].for_followers is True
    assert events[REPLY_TO_MARIE].for_followers is False
    assert events[COMMENT_TO_MARIE].for_followers is False
    # The requester cannot publish her reason to followers, whatever a caller asks.
    assert events[REOPEN_REASON].for_followers is False


def test_the_requester_still_reads_everything_written_to_her(story, marie):
    page = marie.get(f"/portail/mes-requetes/{story.reference}/").content.decode()
    for text in (REPLY_TO_MARIE, COMMENT_TO_MARIE, PUBLISHED, REOPEN_REASON, DESCRIPTION):
        assert text.replace("’", "&#x27;") in page or text in page


def test_the_followers_portal_page_shows_the_states_and_the_published_message(story, jean):
    response = jean.get(f"/portail/mes-requetes/{story.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert_nothing_of_marie(page)
    assert PUBLISHED in page
    # Jean reads in English: each state change, in the citizen's words.
    for state in ("Taken in charge", "Resolved", "Reopened"):
        assert state in page, state
    assert "out of 5" not in page and "sur 5" not in page  # no rating


def test_the_followers_api_detail_and_timeline_show_the_public_side_only(story, other_citizen):
    api = ApiClient(session_token_for(other_citizen))
    response = api.get(f"/api/v1/requests/{story.reference}/")
    assert response.status_code == 200
    document = response.json()
    assert_nothing_of_marie(response.content.decode())
    assert document["is_mine"] is False
    assert document["description"] is None and document["field_values"] is None
    assert document["rating"] is None and document["rating_comment"] is None
    assert document["photos"] == []
    messages = [entry["message"] for entry in document["timeline"]]
    assert PUBLISHED in messages
    kinds = [entry["kind"] for entry in document["timeline"]]
    assert kinds.count("transition") == 3  # taken in charge, resolved, reopened
    assert "citizen_comment" not in kinds and "attachment" not in kinds


def test_the_followers_inbox_and_emails_name_nothing_of_the_requester(story, other_citizen, jean):
    rows = Notification.objects.filter(recipient=other_citizen)
    notifications_deliver(ids=list(rows.values_list("pk", flat=True)))
    # Each row was written with the follower message, in Jean's language.
    assert rows.exists()
    for row in rows:
        assert row.language == "en"
        assert_nothing_of_marie(f"{row.subject}\n{row.body}")
    bodies = "\n".join(row.body for row in rows)
    assert PUBLISHED in bodies
    assert "is now: Taken in charge" in bodies and "is now: Reopened" in bodies
    # The reply to Marie told Jean nothing at all; the published one did.
    replies = rows.filter(kind="public_reply")
    assert {r.event.message for r in replies} == {PUBLISHED}

    inbox = jean.get("/portail/avis/")
    assert inbox.status_code == 200
    assert_nothing_of_marie(inbox.content.decode())
    assert PUBLISHED in inbox.content.decode()

    api = ApiClient(session_token_for(other_citizen))
    listing = api.get("/api/v1/notifications/")
    assert listing.status_code == 200
    assert_nothing_of_marie(listing.content.decode())

    to_jean = [m for m in mail.outbox if m.to == [other_citizen.email]]
    assert to_jean
    for message in to_jean:
        html = message.alternatives[0][0] if message.alternatives else ""
        assert_nothing_of_marie(f"{message.subject}\n{message.body}\n{html}")
    assert any(m.subject.startswith("Request you follow") for m in to_jean)


def test_marie_is_still_written_to_by_name(story, citizen):
    rows = Notification.objects.filter(recipient=citizen, channel="email")
    assert any("Marie Tremblay" in row.body for row in rows)
    assert any(REPLY_TO_MARIE in row.body for row in rows)


def test_a_staff_member_who_follows_is_a_follower_too(story, teams):
    """Following is a citizen's act; whoever follows gets the follower's view."""
    other = make_user("employe@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))
    from victo_crm.service_requests.models import RequestFollower

    RequestFollower.objects.create(request=story, user=other)
    event = service_request_transition(
        request=story,
        transition=Transition.objects.get(
            workflow=story.state.workflow, from_state=story.state, to_state__code="resolue"
        ),
        actor=make_user("agent2@victoriaville.ca", role=roles.ADMINISTRATOR),
        comment="Madame Tremblay, c’est réparé.",
    )
    row = Notification.objects.get(event=event, recipient=other, channel="email")
    assert_nothing_of_marie(row.body)
