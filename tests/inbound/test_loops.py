"""Never a loop, never a flood: mail nobody should answer is recognised by its headers and
only recorded; per-sender limits and a size limit hold; every message is kept."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from django.core import mail as django_mail

from tests.inbound.conftest import REQUEST_ADDRESS, compose, last_sent_to, reply_to
from tests.notifications.helpers import submit
from victo_crm.inbound.models import InboundMessage, Reason, Status
from victo_crm.service_requests.models import EventKind, RequestEvent, ServiceRequest


@pytest.fixture
def filed(request_type: Any, citizen: Any, address: Any, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(request_type, citizen=citizen)


AUTOMATIC = [
    ({"Auto-Submitted": "auto-replied"}, Reason.AUTO_REPLY),
    ({"X-Autoreply": "yes"}, Reason.AUTO_REPLY),
    ({"Precedence": "bulk"}, Reason.AUTO_REPLY),
    ({"Precedence": "junk"}, Reason.AUTO_REPLY),
    ({"Precedence": "list"}, Reason.MAILING_LIST),
    ({"List-Id": "<voisins.example.org>"}, Reason.MAILING_LIST),
    ({"X-Auto-Response-Suppress": "OOF"}, Reason.AUTO_REPLY),
]


@pytest.mark.parametrize(("headers", "reason"), AUTOMATIC)
def test_automatic_mail_to_a_reply_address_is_only_recorded(
    mailer, filed, citizen, headers, reason, django_capture_on_commit_callbacks
):
    sent = last_sent_to(citizen.email)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailer.lmtp(
            compose(
                sender=citizen.email,
                to=reply_to(sent),
                subject="Absence du bureau",
                text="Je suis absente jusqu'au 5 janvier.",
                headers=headers,
                attachments=[("cv.pdf", "application/pdf", b"%PDF")],
            )
        )
    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.IGNORED, reason)
    assert not RequestEvent.objects.filter(request=filed, kind=EventKind.CITIZEN_COMMENT).exists()
    assert django_mail.outbox == []  # not answered


def test_automatic_mail_to_the_request_address_files_nothing(
    mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mailer.smtp(
            compose(
                sender="robot@example.com",
                to=REQUEST_ADDRESS,
                text="Out of office",
                headers={"Auto-Submitted": "auto-replied"},
            )
        )
    assert InboundMessage.objects.get().reason == Reason.AUTO_REPLY
    assert not ServiceRequest.objects.exists()
    assert django_mail.outbox == []


def test_a_bounce_is_never_answered(mailer, filed, citizen):
    sent = last_sent_to(citizen.email)
    django_mail.outbox.clear()
    raw = compose(sender="MAILER-DAEMON@mx.example.com", to=reply_to(sent), text="Undeliverable")
    mailer.lmtp(raw.as_bytes(), mail_from="", to=[reply_to(sent)])
    assert InboundMessage.objects.get().reason == Reason.BOUNCE
    assert django_mail.outbox == []


def test_the_towns_own_notification_sent_back_is_recognised(mailer, filed, citizen):
    sent = last_sent_to(citizen.email)
    # A forwarding rule sends the town's own e-mail straight back to the reply address.
    echo = compose(sender=sent.from_email, to=reply_to(sent), text=sent.body)
    del echo["Message-ID"]
    echo["Message-ID"] = sent.extra_headers["Message-ID"]
    mailer.lmtp(echo)
    assert InboundMessage.objects.get().reason == Reason.OWN_MESSAGE
    assert not RequestEvent.objects.filter(request=filed, kind=EventKind.CITIZEN_COMMENT).exists()


def test_one_sender_cannot_flood_a_timeline(mailer, filed, citizen, settings):
    settings.VICTO_INBOUND_SENDER_LIMIT = 2
    from django.core.cache import cache

    cache.clear()
    sent = last_sent_to(citizen.email)
    for number in range(3):
        mailer.lmtp(compose(sender=citizen.email, to=reply_to(sent), text=f"Message {number}"))
    statuses = list(InboundMessage.objects.order_by("pk").values_list("status", "reason"))
    assert statuses == [
        (Status.POSTED, ""),
        (Status.POSTED, ""),
        (Status.REFUSED, Reason.RATE_LIMITED),
    ]
    assert RequestEvent.objects.filter(request=filed, kind=EventKind.CITIZEN_COMMENT).count() == 2


def test_a_message_over_the_size_limit_is_refused_by_the_server(mailer, filed, citizen, settings):
    sent = last_sent_to(citizen.email)
    big = compose(
        sender=citizen.email,
        to=reply_to(sent),
        text="Voici",
        attachments=[
            ("gros.bin", "application/octet-stream", b"x" * (settings.VICTO_INBOUND_MAX_BYTES + 10))
        ],
    )
    with pytest.raises(
        (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPServerDisconnected)
    ):
        mailer.smtp(big)
    assert not InboundMessage.objects.exists()  # the sender's server keeps it and bounces
