"""Complaints: a mailbox provider's feedback loop report (RFC 5965, an ARF message) comes
back through the mail process, is recorded against the e-mail it is about, and stops every
e-mail of the outbox to that address until its owner asks for it again; it never becomes a
message or a request. Account security mail still goes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as django_mail
from django.test import Client

from tests.inbound.conftest import last_sent_to
from tests.notifications.helpers import submit
from victo_crm.inbound.models import InboundMessage, Reason, Status
from victo_crm.notifications.models import (
    DeliveryReceipt,
    EmailSuppression,
    Notification,
    NotificationStatus,
)
from victo_crm.service_requests.models import EventKind, RequestEvent, ServiceRequest
from victo_crm.service_requests.services import service_request_reply

from .test_bounces import BOUNCES


def arf(original: bytes, *, rcpt_to: str = "") -> bytes:
    """A feedback report as Yahoo's or Microsoft's feedback loops send them."""
    report = (
        "Feedback-Type: abuse\r\n"
        "User-Agent: ExampleFBL/1.0\r\n"
        "Version: 1\r\n"
        "Original-Mail-From: <ne-pas-repondre@victoriaville.ca>\r\n"
        + (f"Original-Rcpt-To: <{rcpt_to}>\r\n" if rcpt_to else "")
        + "Arrival-Date: Mon, 07 Dec 2026 09:00:00 -0500\r\n"
        "Reported-Domain: victoriaville.ca\r\n"
    )
    return (
        (
            "From: Feedback Loop <fbl@mail.example.net>\r\n"
            f"To: {BOUNCES}\r\n"
            "Subject: FW: complaint about message from victoriaville.ca\r\n"
            "Message-ID: <fbl-1@mail.example.net>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n'
            "\r\n"
            "--F\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "This is an e-mail abuse report for an e-mail message received from IP 10.0.0.1.\r\n"
            "--F\r\n"
            "Content-Type: message/feedback-report\r\n\r\n"
            f"{report}"
            "\r\n"
            "--F\r\n"
            "Content-Type: message/rfc822\r\n"
            "Content-Disposition: inline\r\n\r\n"
        ).encode()
        + original
        + b"\r\n--F--\r\n"
    )


def original_of(sent: Any, *, redact: bool = False) -> bytes:
    """The e-mail as it reached her mailbox; a provider may hide her address."""
    raw = sent.message().as_bytes(linesep="\r\n")
    if redact:
        raw = raw.replace(sent.to[0].encode(), b"redacted@example.net")
    return raw


@pytest.fixture
def filed(request_type: Any, citizen: Any, address: Any, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(request_type, citizen=citizen)


@pytest.fixture
def bounce_address(inbound_settings: Any) -> str:
    inbound_settings.VICTO_INBOUND_BOUNCE_ADDRESS = BOUNCES
    return BOUNCES


@pytest.mark.parametrize("redact", [False, True], ids=["her-address", "address-hidden"])
def test_a_complaint_is_recorded_and_stops_the_mail_until_she_asks_again(
    mailer, bounce_address, filed, citizen, agent, django_capture_on_commit_callbacks, redact
):
    sent = last_sent_to(citizen.email)
    mailer.lmtp(
        arf(original_of(sent, redact=redact)), mail_from="fbl@mail.example.net", to=[BOUNCES]
    )

    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.RECORDED, Reason.COMPLAINT)
    receipt = DeliveryReceipt.objects.get()
    assert receipt.kind == DeliveryReceipt.Kind.COMPLAINT and receipt.status_code == "abuse"
    assert receipt.notification == Notification.objects.get(
        request=filed, channel="email", address=citizen.email, kind="request_received"
    )
    # Nothing became a message or a request.
    assert ServiceRequest.objects.count() == 1
    assert not RequestEvent.objects.filter(kind=EventKind.CITIZEN_COMMENT).exists()

    # No more e-mail to her: the next one is skipped, with the reason.
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Nous y allons demain.")
    assert not [m for m in django_mail.outbox if citizen.email in m.to]
    stopped = Notification.objects.get(request=filed, channel="email", kind="public_reply")
    assert stopped.status == NotificationStatus.SKIPPED
    assert "nos courriels signalés comme indésirables" in stopped.last_error

    # Her account's security mail still goes.
    anonymous = Client()
    anonymous.post("/compte/password/reset/", {"email": citizen.email})
    assert [m for m in django_mail.outbox if citizen.email in m.to]

    # She sees why on her preferences page and asks for our e-mail again.
    own = Client()
    own.force_login(citizen)
    page = own.get("/portail/preferences/").content.decode()
    assert "marqué comme indésirable" in page
    assert own.post("/portail/preferences/courriels/").status_code == 302
    assert not EmailSuppression.objects.exists()
    assert "marqué comme indésirable" not in own.get("/portail/preferences/").content.decode()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Encore un mot.")
    assert [m for m in django_mail.outbox if citizen.email in m.to]


def test_the_report_may_name_her_only_in_original_rcpt_to(mailer, bounce_address, filed, citizen):
    sent = last_sent_to(citizen.email)
    raw = original_of(sent).replace(b"List-Unsubscribe:", b"X-Removed:")
    mailer.lmtp(arf(raw, rcpt_to=citizen.email), mail_from="fbl@mail.example.net", to=[BOUNCES])
    assert DeliveryReceipt.objects.get().kind == DeliveryReceipt.Kind.COMPLAINT
    assert EmailSuppression.objects.get().email == citizen.email


def test_a_report_that_names_nobody_is_only_ignored(mailer, bounce_address, filed, citizen):
    sent = last_sent_to(citizen.email)
    raw = original_of(sent, redact=True).replace(b"List-Unsubscribe:", b"X-Removed:")
    mailer.lmtp(arf(raw), mail_from="fbl@mail.example.net", to=[BOUNCES])
    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.IGNORED, Reason.BOUNCE)
    assert not DeliveryReceipt.objects.exists() and not EmailSuppression.objects.exists()
    assert ServiceRequest.objects.count() == 1


def test_a_forged_report_naming_her_in_original_rcpt_to_stops_nothing(
    mailer, bounce_address, filed, citizen
):
    """A report anyone could write: her address in ``Original-Rcpt-To``, a made-up e-mail
    of ours without our signed unsubscribe link, and a Message-ID computed from the
    notification's key (the proof is keyed with the secret key): ignored, nothing stopped."""
    import hashlib

    from django.conf import settings

    notification = Notification.objects.get(
        request=filed, channel="email", address=citizen.email, kind="request_received"
    )
    digest = hashlib.sha256(notification.dedup_key.encode()).hexdigest()[:32]
    forged = (
        "From: Ville de Victoriaville <ne-pas-repondre@victoriaville.ca>\r\n"
        "To: redacted@example.net\r\n"
        f"Message-ID: <{digest}@{settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN}>\r\n"
        "Subject: Nous avons recu votre requete\r\n\r\nBonjour\r\n"
    ).encode()
    mailer.lmtp(arf(forged, rcpt_to=citizen.email), mail_from="fbl@mail.example.net", to=[BOUNCES])
    assert InboundMessage.objects.get().status == Status.IGNORED
    assert not DeliveryReceipt.objects.exists() and not EmailSuppression.objects.exists()
