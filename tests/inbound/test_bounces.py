"""Knowing what did not arrive: a delivery status notification (RFC 3464) comes back to the
bounce address through the mail process, is recorded against the e-mail it is about, and
a hard bounce stops all mail to that address until the person gives another."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.conf import settings
from django.core import mail as django_mail

from tests.conftest import sign_in
from tests.inbound.conftest import last_sent_to
from tests.notifications.helpers import submit
from victo_crm.inbound.models import InboundMessage, Reason, Status
from victo_crm.notifications.models import (
    DeliveryReceipt,
    Notification,
    NotificationStatus,
    UndeliverableAddress,
)

BOUNCES = "ne-pas-repondre@victoriaville.ca"


def dsn(
    *, recipient: str, original_id: str, status: str = "5.1.1", action: str = "failed"
) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        f"To: {BOUNCES}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\n"
        f"To: {recipient}\r\n"
        "--B--\r\n"
    ).encode()


@pytest.fixture
def filed(request_type: Any, citizen: Any, address: Any, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(request_type, citizen=citizen)


@pytest.fixture
def bounce_address(inbound_settings: Any) -> str:
    inbound_settings.VICTO_INBOUND_BOUNCE_ADDRESS = BOUNCES
    return BOUNCES


def test_a_hard_bounce_is_recorded_and_stops_the_mail_to_that_address(
    mailer, bounce_address, filed, citizen, agent, client, django_capture_on_commit_callbacks
):
    sent = last_sent_to(citizen.email)
    mailer.lmtp(
        dsn(recipient=citizen.email, original_id=sent.extra_headers["Message-ID"]),
        mail_from="",
        to=[bounce_address],
    )
    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.RECORDED, Reason.BOUNCE)
    receipt = DeliveryReceipt.objects.get()
    assert receipt.kind == DeliveryReceipt.Kind.HARD_BOUNCE and receipt.status_code == "5.1.1"
    assert receipt.notification.address == citizen.email
    assert receipt.notification.channel == "email"
    assert UndeliverableAddress.objects.filter(email=citizen.email).exists()

    # Staff see it on the request.
    sign_in(client, agent)
    page = client.get(f"/bureau/requetes/{filed.reference}/").content.decode()
    assert "n’est pas livrable" in page

    # She is asked to correct it on her profile.
    from django.test import Client

    own = Client()
    own.force_login(citizen)
    profile = own.get("/portail/profil/").content.decode()
    assert "nous reviennent" in profile and "/compte/email/" in profile

    # No more mail to it: the next e-mail fails at once, with the reason.
    from victo_crm.service_requests.services import service_request_reply

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Nous y allons demain.")
    assert not [m for m in django_mail.outbox if citizen.email in m.to]
    refused = Notification.objects.filter(
        address=citizen.email, kind="public_reply", channel="email"
    ).get()
    assert refused.status == NotificationStatus.FAILED
    assert "undeliverable" in refused.last_error

    # A new address is free.
    citizen.email = "marie.nouvelle@example.ca"
    citizen.save()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Encore un mot.")
    assert [m for m in django_mail.outbox if "marie.nouvelle@example.ca" in m.to]


def test_a_temporary_failure_is_recorded_without_stopping_anything(
    mailer, bounce_address, filed, citizen, agent, client
):
    sent = last_sent_to(citizen.email)
    mailer.lmtp(
        dsn(
            recipient=citizen.email,
            original_id=sent.extra_headers["Message-ID"],
            status="4.2.2",
            action="delayed",
        ),
        mail_from="",
        to=[bounce_address],
    )
    assert DeliveryReceipt.objects.get().kind == DeliveryReceipt.Kind.SOFT_BOUNCE
    assert not UndeliverableAddress.objects.exists()

    # The clerk sees it beside that e-mail on the request, and no warning about the address.
    sign_in(client, agent)
    page = client.get(f"/bureau/requetes/{filed.reference}/").content.decode()
    section = page[page.index('id="avis-envoyes"') :]
    assert "Non livré (temporaire) (avis reçu le" in section and "4.2.2" in section
    assert "n’est pas livrable" not in page


def test_a_report_that_does_not_quote_our_message_id_stops_nothing(
    mailer, bounce_address, filed, citizen, agent, django_capture_on_commit_callbacks
):
    """Anyone can mail the bounce address a report naming anyone. A hard bounce that does not
    quote the Message-ID of an e-mail we sent her (it is keyed with the secret key: not the
    digest of the notification's guessable key, nor made up, nor left out) is recorded,
    linked to no e-mail, and her mail goes on."""
    notification = Notification.objects.get(
        request=filed, channel="email", address=citizen.email, kind="request_received"
    )
    digest = hashlib.sha256(notification.dedup_key.encode()).hexdigest()[:32]
    guessed = f"<{digest}@{settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN}>"
    assert last_sent_to(citizen.email).extra_headers["Message-ID"] != guessed
    for forged in (guessed, "<inconnu@example.net>", ""):
        mailer.lmtp(dsn(recipient=citizen.email, original_id=forged), mail_from="", to=[BOUNCES])
    assert DeliveryReceipt.objects.filter(kind=DeliveryReceipt.Kind.HARD_BOUNCE).count() == 3
    assert not DeliveryReceipt.objects.filter(notification__isnull=False).exists()
    assert not UndeliverableAddress.objects.exists()

    from victo_crm.service_requests.services import service_request_reply

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Nous y allons demain.")
    assert [m for m in django_mail.outbox if citizen.email in m.to]
