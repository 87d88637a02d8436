"""Replies thread into the request: a citizen answers an e-mail about her request, and her
words (without the quoted history and her signature) and photos land on its timeline.

Every message here goes through a real LMTP or SMTP connection to the ``mail`` process's
server (conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as django_mail

from tests.inbound.conftest import compose, image_bytes, last_sent_to, reply_to
from tests.notifications.helpers import submit
from victo_crm.inbound.models import InboundMessage, Reason, Status
from victo_crm.notifications.models import ReplyAddress
from victo_crm.notifications.replies import reply_addresses_revoke
from victo_crm.service_requests.models import EventKind, RequestEvent
from victo_crm.service_requests.selectors import public_timeline
from victo_crm.service_requests.services import Contact

QUOTED = """C'est encore pire ce matin, une voiture y est restée prise.

Marie
--
Marie Tremblay
819 555-1234

Le lun. 7 déc. 2026 à 10:00, Ville de Victoriaville <ne-pas-repondre@victoriaville.ca> a écrit :
> Votre requête a été reçue.
> Merci
"""


@pytest.fixture
def filed(request_type: Any, citizen: Any, address: Any, django_capture_on_commit_callbacks):
    """Marie filed a pothole; the receipt went out by e-mail with her reply address."""
    with django_capture_on_commit_callbacks(execute=True):
        sr = submit(request_type, citizen=citizen)
    return sr


def test_every_email_about_a_request_carries_its_own_reply_address_and_thread(
    mailer, filed, citizen
):
    sent = last_sent_to(citizen.email)
    address = reply_to(sent)
    local, domain = address.split("@")
    assert domain == "victoriaville.ca"
    assert local.startswith("reponse+") and len(local) == len("reponse+") + 26
    assert str(filed.public_id) in sent.extra_headers["References"]
    assert sent.extra_headers["In-Reply-To"] == sent.extra_headers["References"]
    row = ReplyAddress.objects.get(request=filed)
    assert row.recipient == citizen and row.email == citizen.email
    # Only the token's hash is stored.
    assert local.split("+", 1)[1] not in row.token_hash


def test_a_reply_becomes_her_message_on_the_timeline_without_the_quote_or_signature(
    mailer, filed, citizen
):
    sent = last_sent_to(citizen.email)
    refused = mailer.lmtp(
        compose(
            sender="Marie Tremblay <marie@example.ca>",
            to=reply_to(sent),
            text=QUOTED,
            in_reply_to=sent.extra_headers["Message-ID"],
        )
    )
    assert refused == {}
    message = InboundMessage.objects.get()
    assert message.status == Status.POSTED, message.detail
    event = RequestEvent.objects.get(request=filed, kind=EventKind.CITIZEN_COMMENT)
    assert event.message == "C'est encore pire ce matin, une voiture y est restée prise.\n\nMarie"
    assert event.actor == citizen and event.is_public
    assert event.data == {"channel": "email", "inbound_message": message.pk}
    # The whole original stays for staff.
    assert "819 555-1234" in message.body_text and "a écrit" in message.body_text
    filed.refresh_from_db()
    assert filed.citizen_updated_at >= event.created_at  # the "updated by a citizen" queue
    assert [e.message for e in public_timeline(filed) if e.kind == "citizen_comment"] == [
        event.message
    ]


def test_photos_go_through_the_upload_checks_and_other_files_get_a_polite_answer(
    mailer, filed, citizen, make_image, django_capture_on_commit_callbacks
):
    sent = last_sent_to(citizen.email)
    photo = image_bytes(make_image, exif=True)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailer.smtp(
            compose(
                sender=citizen.email,
                to=reply_to(sent),
                text="Voici une photo.",
                attachments=[
                    ("trou.jpg", "image/jpeg", photo),
                    ("facture.pdf", "application/pdf", b"%PDF-1.4 fake"),
                    ("faux.jpg", "image/jpeg", b"not an image at all"),
                ],
            )
        )
    message = InboundMessage.objects.get()
    assert message.status == Status.POSTED, message.detail
    event = message.event
    photos = list(event.attachments.all())
    assert [p.original_name for p in photos] == ["trou.jpg"]
    from PIL import Image

    with Image.open(photos[0].public_file) as public:
        assert not public.getexif()  # no GPS position in the public copy
    answer = last_sent_to(citizen.email)
    assert answer.subject == f"Votre message au sujet de la requête {filed.reference}"
    assert "facture.pdf" in answer.body and "faux.jpg" in answer.body
    assert "trou.jpg" not in answer.body
    assert answer.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_answer_is_in_her_language(
    mailer, request_type, other_citizen, address, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(request_type, citizen=other_citizen)
    sent = last_sent_to(other_citizen.email)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailer.lmtp(
            compose(
                sender=other_citizen.email,
                to=reply_to(sent),
                text="Here is the invoice.",
                attachments=[("invoice.pdf", "application/pdf", b"%PDF")],
            )
        )
    answer = last_sent_to(other_citizen.email)
    assert answer.subject.startswith("Your message about request")


def test_a_guest_replies_from_the_address_she_gave(
    mailer, request_type, address, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sr = submit(request_type, contact=Contact(name="Lise Roy", email="lise@example.ca"))
    sent = last_sent_to("lise@example.ca")
    mailer.lmtp(compose(sender="LISE@example.ca", to=reply_to(sent), text="Merci!"))
    message = InboundMessage.objects.get()
    assert message.status == Status.POSTED, message.detail
    assert message.event.request == sr and message.event.actor is None
    assert message.event.message == "Merci!"


def test_a_reply_from_another_address_is_held_and_nothing_is_answered(
    mailer, filed, citizen, django_capture_on_commit_callbacks
):
    sent = last_sent_to(citizen.email)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailer.lmtp(compose(sender="intrus@example.com", to=reply_to(sent), text="Bonjour"))
    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.HELD, Reason.OTHER_SENDER)
    assert not RequestEvent.objects.filter(request=filed, kind=EventKind.CITIZEN_COMMENT).exists()
    assert django_mail.outbox == []  # nothing personal, nothing at all, to a wrong sender


def test_a_revoked_or_unknown_address_answers_without_saying_anything_of_the_request(
    mailer, filed, citizen, django_capture_on_commit_callbacks
):
    sent = last_sent_to(citizen.email)
    reply_addresses_revoke(request=filed)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailer.lmtp(compose(sender=citizen.email, to=reply_to(sent), text="Encore moi"))
    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.REFUSED, Reason.EXPIRED_ADDRESS)
    answer = last_sent_to(citizen.email)
    assert filed.reference not in answer.subject + answer.body
    assert "Pothole" not in answer.body and "Nid-de-poule" not in answer.body


def test_mail_for_an_address_the_town_does_not_serve_is_refused_at_rcpt(mailer):
    import smtplib

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mailer.smtp(compose(sender="a@example.com", to="personne@victoriaville.ca", text="x"))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mailer.smtp(
            compose(
                sender="a@example.com",
                to="reponse+aaaaaaaaaaaaaaaaaaaaaaaaaa@autre.example",
                text="x",
            )
        )
    assert not InboundMessage.objects.exists()


def test_a_closed_request_past_its_retention_takes_no_more_replies(
    mailer, filed, citizen, settings
):
    from datetime import timedelta

    from django.utils import timezone

    sent = last_sent_to(citizen.email)
    type(filed).objects.filter(pk=filed.pk).update(
        closed_at=timezone.now()
        - settings.VICTO_RETENTION["closed_request_personal_data"]
        - timedelta(days=1)
    )
    mailer.lmtp(compose(sender=citizen.email, to=reply_to(sent), text="Allô?"))
    assert InboundMessage.objects.get().reason == Reason.EXPIRED_ADDRESS
