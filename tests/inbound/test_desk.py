"""Staff and the mail received: the original of a message on the timeline, replies held for
review, failed messages replayed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import sign_in
from tests.inbound.conftest import compose, last_sent_to, reply_to
from tests.notifications.helpers import submit
from victo_crm.desk.models import AccessLog
from victo_crm.inbound.models import InboundMessage, Reason, Status
from victo_crm.inbound.services import inbound_receive
from victo_crm.service_requests.models import EventKind, RequestEvent


@pytest.fixture
def filed(request_type: Any, citizen: Any, address: Any, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(request_type, citizen=citizen)


def test_the_agent_reads_the_original_of_a_reply_from_the_timeline(
    client, mailer, filed, citizen, agent
):
    sent = last_sent_to(citizen.email)
    mailer.lmtp(
        compose(
            sender=citizen.email,
            to=reply_to(sent),
            text="Toujours là.\n\n-- \nMarie, 819 555-1234",
        )
    )
    message = InboundMessage.objects.get()
    sign_in(client, agent)
    page = client.get(f"/bureau/requetes/{filed.reference}/")
    assert f"/bureau/messages-recus/{message.pk}/" in page.content.decode()
    original = client.get(f"/bureau/messages-recus/{message.pk}/").content.decode()
    assert "819 555-1234" in original  # the signature, cut from the timeline, kept here
    assert AccessLog.objects.filter(what="inbound_message", request=filed).exists()


def test_a_held_reply_is_posted_by_staff_in_one_step(client, mailer, filed, citizen, agent):
    sent = last_sent_to(citizen.email)
    mailer.lmtp(compose(sender="marie.autre@example.ca", to=reply_to(sent), text="C'est moi."))
    message = InboundMessage.objects.get()
    assert message.reason == Reason.OTHER_SENDER
    sign_in(client, agent)
    client.post(f"/bureau/messages-recus/{message.pk}/action/", {"action": "release"})
    message.refresh_from_db()
    assert message.status == Status.POSTED and message.handled_by == agent
    event = RequestEvent.objects.get(request=filed, kind=EventKind.CITIZEN_COMMENT)
    assert event.message == "C'est moi." and event.actor == citizen


def test_an_agent_of_another_team_does_not_learn_the_message_exists(
    client, mailer, filed, citizen, other_agent
):
    sent = last_sent_to(citizen.email)
    mailer.lmtp(compose(sender=citizen.email, to=reply_to(sent), text="Allô"))
    message = InboundMessage.objects.get()
    sign_in(client, other_agent)
    assert client.get(f"/bureau/messages-recus/{message.pk}/").status_code == 404


def test_a_failed_message_is_kept_and_replayed(client, inbound_settings, filed, supervisor):
    # A message whose processing fails (here: bytes no parser could make sense of as the
    # reply it claims to be, made to fail by a broken reply address lookup) stays.
    import victo_crm.inbound.services as services

    original = services.reply_address_find
    services.reply_address_find = lambda token: 1 / 0  # type: ignore[assignment]
    try:
        stored = inbound_receive(
            raw=b"From: marie@example.ca\r\nTo: x\r\nSubject: s\r\n\r\nBonjour\r\n",
            transport="smtp",
            envelope_from="marie@example.ca",
            recipients=["reponse+" + "a" * 26 + "@victoriaville.ca"],
        )
    finally:
        services.reply_address_find = original
    assert stored.status == Status.FAILED and "ZeroDivisionError" in stored.detail
    sign_in(client, supervisor)
    listing = client.get("/bureau/messages-recus/").content.decode()
    assert f"/bureau/messages-recus/{stored.pk}/" in listing
    client.post(f"/bureau/messages-recus/{stored.pk}/action/", {"action": "replay"})
    stored.refresh_from_db()
    assert stored.status == Status.REFUSED and stored.reason == Reason.EXPIRED_ADDRESS
    assert stored.attempts == 2
