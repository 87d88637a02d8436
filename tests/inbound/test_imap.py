"""A hosted mailbox polled over IMAP: a real Dovecot server started by the test session,
messages put in it with IMAP APPEND, fetched by ``mailbox_poll`` (imapclient)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inbound.conftest import REQUEST_ADDRESS, compose, last_sent_to, reply_to
from tests.notifications.helpers import submit
from victo_crm.inbound.imap import mailbox_poll
from victo_crm.inbound.models import InboundMessage, Reason, Status, Transport
from victo_crm.service_requests.models import EventKind, RequestEvent, ServiceRequest


@pytest.fixture
def filed(request_type: Any, citizen: Any, address: Any, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(request_type, citizen=citizen)


def _delivered(message: Any, return_path: str) -> bytes:
    """The message as a mail server files it in a mailbox: with its Return-Path."""
    return f"Return-Path: <{return_path}>\r\n".encode() + message.as_bytes()


def test_a_reply_in_the_mailbox_reaches_the_timeline_and_leaves_the_mailbox(
    mailbox, filed, citizen
):
    sent = last_sent_to(citizen.email)
    reply = compose(sender=citizen.email, to=reply_to(sent), text="Vu par IMAP.")
    mailbox.append("INBOX", _delivered(reply, citizen.email))
    mailbox.append(
        "INBOX",
        _delivered(
            compose(sender="paul@example.com", to=REQUEST_ADDRESS, text="Banc brisé"),
            "paul@example.com",
        ),
    )
    report = mailbox_poll()
    assert (report.fetched, report.stored) == (2, 2)
    messages = {m.status: m for m in InboundMessage.objects.all()}
    assert set(messages) == {Status.POSTED, Status.CREATED}
    assert all(m.transport == Transport.IMAP for m in messages.values())
    event = RequestEvent.objects.get(request=filed, kind=EventKind.CITIZEN_COMMENT)
    assert event.message == "Vu par IMAP."
    assert ServiceRequest.objects.filter(request_type__code="a-trier").count() == 1
    mailbox.select_folder("INBOX")
    assert mailbox.search("ALL") == []  # cleared once stored
    assert mailbox_poll().fetched == 0


def test_a_message_fetched_again_after_a_crash_is_stored_once(mailbox, filed, citizen):
    sent = last_sent_to(citizen.email)
    mailbox.append(
        "INBOX",
        _delivered(
            compose(sender=citizen.email, to=reply_to(sent), text="Une fois"), citizen.email
        ),
    )
    mailbox.select_folder("INBOX")

    class CrashBeforeDeleting:
        """The mailbox as the poller sees it, until it tries to remove the message."""

        def __getattr__(self, name: str) -> Any:
            if name in ("delete_messages", "move"):
                raise ConnectionError("the connection dropped")
            return getattr(mailbox, name)

    with pytest.raises(ConnectionError):
        mailbox_poll(client=CrashBeforeDeleting())
    assert InboundMessage.objects.count() == 1
    mailbox_poll()  # the message is still there: found already stored, and removed
    assert InboundMessage.objects.count() == 1
    assert RequestEvent.objects.filter(request=filed, kind=EventKind.CITIZEN_COMMENT).count() == 1
    mailbox.select_folder("INBOX")
    assert mailbox.search("ALL") == []


def test_processed_mail_can_be_kept_in_a_folder(db, mailbox, settings):
    settings.VICTO_IMAP_DONE_FOLDER = "Traites"
    mailbox.append(
        "INBOX",
        _delivered(
            compose(
                sender="x@example.com",
                to=REQUEST_ADDRESS,
                text="a",
                headers={"Auto-Submitted": "auto-replied"},
            ),
            "x@example.com",
        ),
    )
    mailbox_poll()
    assert InboundMessage.objects.get().reason == Reason.AUTO_REPLY
    mailbox.select_folder("Traites")
    assert len(mailbox.search("ALL")) == 1


def test_a_bounce_in_the_mailbox_is_recognised_by_its_null_return_path(mailbox, filed, citizen):
    sent = last_sent_to(citizen.email)
    bounce = compose(sender="postmaster@mx.example.com", to=reply_to(sent), text="Delivery failed")
    mailbox.append("INBOX", _delivered(bounce, ""))
    mailbox_poll()
    assert InboundMessage.objects.get().reason == Reason.BOUNCE
