"""Sending to many: rows written in bulk, claimed in one statement, e-mails rendered once per
content and personalised per person, over one SMTP connection."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from victo_crm.accounts.models import User
from victo_crm.notifications.channels.email import EmailChannel, PrebuiltEmail, build_message
from victo_crm.notifications.models import Notification
from victo_crm.notifications.services import (
    _claim,
    notifications_deliver,
    outbox_bulk_insert,
    outbox_row,
)
from victo_crm.notifications.unsubscribe import read_token

pytestmark = pytest.mark.django_db


def notice_row(user: User, channel: str = "email", **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "recipient_id": user.pk,
        "address": user.email if channel == "email" else "",
        "channel": channel,
        "language": user.preferred_language,
        "kind": "notice",
        "topic": "emergencies",
        "group_key": "notice:7",
        "is_emergency": True,
        "subject": "Avis d’ébullition préventif",
        "body": "Faites bouillir l’eau une minute avant de la boire.",
        "link": "https://www.victoriaville.ca/alertes/en-vigueur/7/",
        "context": {"notice": 7},
        "dedup_key": f"notice:7:u{user.pk}:{channel}",
        "delivered": channel == "in_app",
    }
    values.update(extra)
    return outbox_row(**values)


@pytest.fixture
def people(db) -> list[User]:
    return [User.objects.create_user(email=f"abonne{n}@example.ca", password="x") for n in range(3)]


class TestWritingInBulk:
    def test_new_rows_are_written_and_returned_and_known_keys_are_left_alone(self, people):
        first = outbox_bulk_insert([notice_row(p) for p in people[:2]])
        again = outbox_bulk_insert([notice_row(p) for p in people])

        assert [status for _, status in first] == ["pending", "pending"]
        assert len(again) == 1
        [(pk, _)] = again
        assert Notification.objects.get(pk=pk).recipient == people[2]
        assert Notification.objects.count() == 3
        row = Notification.objects.get(recipient=people[0])
        assert (row.kind, row.is_emergency, row.context, row.queued_at is not None) == (
            "notice",
            True,
            {"notice": 7},
            True,
        )
        assert row.subject == "Avis d’ébullition préventif"

    def test_an_in_app_row_is_written_already_delivered(self, people):
        [(pk, status)] = outbox_bulk_insert([notice_row(people[0], "in_app")])
        row = Notification.objects.get(pk=pk)
        assert (status, row.status, row.attempts, row.sent_at is not None) == (
            "sent",
            "sent",
            1,
            True,
        )


class TestClaiming:
    def test_a_row_is_claimed_once_whatever_the_number_of_claims(self, people):
        ids = [pk for pk, _ in outbox_bulk_insert([notice_row(p) for p in people])]
        rows = list(Notification.objects.filter(pk__in=ids))

        assert _claim(rows) == set(ids)
        assert _claim(rows) == set()
        assert set(Notification.objects.values_list("status", "attempts")) == {("sending", 1)}

    def test_a_finished_row_is_not_claimed_again(self, people):
        ids = [pk for pk, _ in outbox_bulk_insert([notice_row(p) for p in people])]
        Notification.objects.filter(pk=ids[0]).update(status="sent")
        assert _claim(list(Notification.objects.filter(pk__in=ids))) == set(ids[1:])


@pytest.fixture
def smtp(settings, smtp_sink):
    sink, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    return sink


def parsed(raw: bytes) -> Any:
    return message_from_bytes(raw, policy=policy.default)


class TestOneRenderingPerContent:
    def test_each_copy_is_the_message_of_its_own_recipient(self, smtp, people):
        people[1].preferred_language = "en"
        people[1].save()
        outbox_bulk_insert([notice_row(p) for p in people])
        ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))

        report = notifications_deliver(ids=ids)

        assert report.sent == 3
        assert smtp.wait_for(3, 10) == 3
        by_to = {m["To"]: m for m in smtp.messages}
        assert set(by_to) == {p.email for p in people}
        ids_seen = {m["Message-ID"] for m in smtp.messages}
        assert len(ids_seen) == 3
        for person in people:
            message = by_to[person.email]
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            link = message["List-Unsubscribe"].strip("<>")
            token = link.rstrip("/").rsplit("/", 1)[1]
            target = read_token(token)
            assert target is not None and target.user_id == person.pk
            assert link in text and link in html
            assert message["Subject"] == "Avis d’ébullition préventif"
            assert "Faites bouillir l’eau" in text
            assert message["Content-Language"] == person.preferred_language
        # The English speaker's copy has the English frame (footer) around the same words.
        assert '<html lang="en">' in by_to[people[1].email].get_body(("html",)).get_content()
        assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}

    def test_the_shared_rendering_gives_the_same_message_as_the_ordinary_one(self, smtp, people):
        outbox_bulk_insert([notice_row(people[0])])
        row = Notification.objects.select_related("recipient").get()
        channel = EmailChannel()
        channel.open()
        # One instant for both, so the signed unsubscribe tokens (timestamped) are equal.
        with time_machine.travel(timezone.now(), tick=False):
            try:
                fast = channel._prebuilt(row)
            finally:
                channel.close()
            ordinary = build_message(row).message()
        assert isinstance(fast, PrebuiltEmail)
        quick = parsed(fast.raw)
        slow = parsed(ordinary.as_bytes(linesep="\r\n"))
        for header in (
            "Subject",
            "From",
            "To",
            "Message-ID",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Content-Language",
            "Auto-Submitted",
        ):
            # A long header may be folded differently; its value is the same.
            assert str(quick[header]).strip() == str(slow[header]).strip(), header
        for kind in ("plain", "html"):
            assert quick.get_body((kind,)).get_content() == slow.get_body((kind,)).get_content()

    @pytest.mark.parametrize(
        "change",
        [
            {"body": "Une très longue ligne " + "é" * 1200},  # quoted-printable body
            {"address": "josée@exemple.ca"},  # not a plain ASCII address
        ],
    )
    def test_what_cannot_be_shared_goes_the_ordinary_way_and_still_arrives(
        self, smtp, people, change
    ):
        outbox_bulk_insert([notice_row(people[0], **change)])
        row = Notification.objects.select_related("recipient").get()
        channel = EmailChannel()
        channel.open()
        try:
            assert channel._prebuilt(row) is None
            channel.send(row)
        finally:
            channel.close()
        assert smtp.wait_for(1, 10) == 1
        received = smtp.messages[0]
        assert "/alertes/desabonnement/" in received.get_body(("plain",)).get_content()

    def test_other_backends_get_ordinary_messages(self, people):
        outbox_bulk_insert([notice_row(p) for p in people])
        report = notifications_deliver(ids=list(Notification.objects.values_list("pk", flat=True)))
        assert report.sent == 3 and len(mail.outbox) == 3
        assert not any(isinstance(m, PrebuiltEmail) for m in mail.outbox)
        assert all("/alertes/desabonnement/" in m.body for m in mail.outbox)


def test_a_refused_address_fails_at_once_and_the_rest_of_the_batch_goes_out(smtp, people):
    """The mail server refuses one recipient: that row fails with its reason, the others
    are sent over the same connection."""
    refused = people[1].email

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address == refused:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.handle_RCPT = handle_RCPT
    outbox_bulk_insert([notice_row(p) for p in people])
    report = notifications_deliver(ids=list(Notification.objects.values_list("pk", flat=True)))
    assert (report.sent, report.failed) == (2, 1)
    failed = Notification.objects.get(status="failed")
    assert failed.address == refused and "refused" in failed.last_error
    assert smtp.wait_for(2, 10) == 2
    assert {m["To"] for m in smtp.messages} == {people[0].email, people[2].email}


def test_a_batch_goes_out_over_several_connections_each_message_once(smtp, settings, db):
    """Three SMTP connections share the batch; every row is sent once and recorded."""
    settings.VICTO_EMAIL_CONNECTIONS = 3
    people = [
        User.objects.create_user(email=f"voisin{n}@example.ca", password="x") for n in range(9)
    ]
    peers: list[Any] = []
    original = smtp.handle_DATA

    async def handle_DATA(server, session, envelope):
        peers.append(session.peer)
        return await original(server, session, envelope)

    smtp.handle_DATA = handle_DATA
    outbox_bulk_insert([notice_row(p) for p in people])
    report = notifications_deliver(ids=list(Notification.objects.values_list("pk", flat=True)))

    assert report.sent == 9
    assert smtp.wait_for(9, 10) == 9
    assert sorted(m["To"] for m in smtp.messages) == sorted(p.email for p in people)
    assert len(set(peers)) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_line_longer_than_998_characters_is_encoded_to_fit(smtp, people):
    """RFC 5322 limits a line to 998 characters: a body with a 2,000-character word goes out
    quoted-printable (Django's EmailMessage does it), in the text and the HTML part, over the
    real SMTP connection, and reads back whole."""
    word = "x" * 2000
    rows = [notice_row(p, body=f"Début {word} fin.") for p in people[:2]]
    raws: list[bytes] = []

    async def handle_DATA(server, session, envelope):
        raws.append(envelope.original_content or envelope.content)
        return "250 OK"

    smtp.handle_DATA = handle_DATA
    outbox_bulk_insert(rows)
    report = notifications_deliver(ids=list(Notification.objects.values_list("pk", flat=True)))
    assert report.sent == 2
    assert len(raws) == 2
    for raw in raws:
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        message = parsed(raw)
        for kind in ("plain", "html"):
            part = message.get_body((kind,))
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
            assert word in part.get_content()
