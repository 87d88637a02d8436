"""Preferences, consents and quiet hours decide what goes out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from victo_crm.accounts.models import CommunicationPreference, Consent
from victo_crm.notifications.channels.sms import LocmemSmsBackend
from victo_crm.notifications.models import Notification, NotificationRule
from victo_crm.notifications.preferences import quiet_until
from victo_crm.notifications.services import notifications_deliver, notifications_relay

from .helpers import submit

pytestmark = pytest.mark.django_db
EASTERN = ZoneInfo("America/Toronto")


@pytest.fixture
def sms_backend(settings):
    settings.VICTO_SMS_BACKEND = "victo_crm.notifications.channels.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend


@pytest.fixture
def sms_on_receipt(db):
    NotificationRule.objects.filter(event="request_received").update(
        channels=["email", "in_app", "sms"]
    )


def texted(citizen):
    citizen.phone = "819 758-0555"
    citizen.save()
    CommunicationPreference.objects.create(
        user=citizen, topic="request_updates", channel="sms", enabled=True
    )


class TestPreferences:
    def test_a_citizen_who_turned_email_off_gets_no_email_and_staff_see_why(
        self, request_type, citizen, town
    ):
        CommunicationPreference.objects.create(
            user=citizen, topic="request_updates", channel="email", enabled=False
        )
        request = submit(request_type, citizen=citizen)
        email = Notification.objects.get(request=request, channel="email")
        assert email.status == "skipped"
        assert email.last_error == "Préférence de communication désactivée."
        assert Notification.objects.get(request=request, channel="in_app").status == "pending"

    def test_a_preference_turned_off_after_the_event_still_stops_the_send(
        self, request_type, citizen, town
    ):
        request = submit(request_type, citizen=citizen)
        email = Notification.objects.get(request=request, channel="email")
        CommunicationPreference.objects.create(
            user=citizen, topic="request_updates", channel="email", enabled=False
        )
        notifications_deliver(ids=[email.pk])
        email.refresh_from_db()
        assert email.status == "skipped" and mail.outbox == []


class TestConsents:
    def test_no_text_without_consent_even_with_the_preference_on(
        self, request_type, citizen, town, sms_backend, sms_on_receipt
    ):
        texted(citizen)
        request = submit(request_type, citizen=citizen)
        sms = Notification.objects.get(request=request, channel="sms")
        assert sms.status == "skipped"
        assert sms.last_error == "Aucun consentement actif pour ce canal."

    @time_machine.travel(datetime(2026, 5, 4, 12, 0, tzinfo=EASTERN))
    def test_a_text_goes_out_with_consent_and_stops_when_it_is_withdrawn(
        self, request_type, citizen, town, sms_backend, sms_on_receipt
    ):
        texted(citizen)
        consent = Consent.objects.create(user=citizen, purpose="sms")
        request = submit(request_type, citizen=citizen)
        sms = Notification.objects.get(request=request, channel="sms")
        notifications_deliver(ids=[sms.pk])
        assert [t["to"] for t in sms_backend.outbox] == ["+18197580555"]
        assert request.reference in sms_backend.outbox[0]["body"]

        consent.withdrawn_at = consent.given_at
        consent.save()
        second = submit(request_type, citizen=citizen)
        assert Notification.objects.get(request=second, channel="sms").status == "skipped"


class TestQuietHours:
    def test_the_night_runs_from_nine_to_seven(self, settings):
        settings.VICTO_QUIET_HOURS_START, settings.VICTO_QUIET_HOURS_END = 21, 7
        assert quiet_until(datetime(2026, 5, 4, 20, 59, tzinfo=EASTERN)) is None
        assert quiet_until(datetime(2026, 5, 4, 22, 0, tzinfo=EASTERN)) == datetime(
            2026, 5, 5, 7, 0, tzinfo=EASTERN
        )
        assert quiet_until(datetime(2026, 5, 5, 3, 0, tzinfo=EASTERN)) == datetime(
            2026, 5, 5, 7, 0, tzinfo=EASTERN
        )

    def test_a_text_at_night_waits_for_the_morning_while_the_email_goes(
        self, request_type, citizen, town, sms_backend, sms_on_receipt
    ):
        texted(citizen)
        Consent.objects.create(user=citizen, purpose="sms")
        with time_machine.travel(datetime(2026, 5, 4, 23, 30, tzinfo=EASTERN)):
            request = submit(request_type, citizen=citizen)
            ids = list(Notification.objects.filter(request=request).values_list("pk", flat=True))
            notifications_deliver(ids=ids)
            sms = Notification.objects.get(request=request, channel="sms")
            assert sms.status == "pending" and sms_backend.outbox == []
            assert sms.not_before == datetime(2026, 5, 5, 7, 0, tzinfo=EASTERN)
            assert len(mail.outbox) == 1
        with time_machine.travel(datetime(2026, 5, 5, 7, 1, tzinfo=EASTERN)):
            notifications_relay()
        sms.refresh_from_db()
        assert sms.status == "sent" and len(sms_backend.outbox) == 1


class TestManyPeopleAtOnce:
    def test_a_book_of_hundreds_reads_each_persons_own_choices(self, db):
        """Past a hundred people the lookups go by array (PostgreSQL); same answers."""
        from victo_crm.accounts.models import User
        from victo_crm.notifications.models import EmailSuppression, PushDevice
        from victo_crm.notifications.preferences import PreferenceBook

        people = User.objects.bulk_create(
            User(email=f"citoyen{n}@example.ca", password="!", phone="819 555-0100")
            for n in range(150)
        )
        quiet, texted, guest = people[7], people[120], "Invite@Example.ca"
        CommunicationPreference.objects.create(
            user=quiet, topic="road_works", channel="email", enabled=False
        )
        Consent.objects.create(user=texted, purpose="sms")
        PushDevice.objects.create(user=texted, kind="fcm", endpoint="jeton")
        EmailSuppression.objects.create(email="invite@example.ca", topic="road_works")
        book = PreferenceBook.load((p.pk for p in people), [p.email for p in people] + [guest])

        def refusal(person, channel, email=None):
            return book.refusal_code(
                user_id=person.pk if person else None,
                email=email or (person.email if person else ""),
                topic="road_works",
                channel=channel,
                subscribed=True,  # as for a notice: the subscription chose the channel
            )

        assert refusal(quiet, "email") == "opted_out"
        assert refusal(people[8], "email") == ""
        assert refusal(texted, "sms") == "" and refusal(people[8], "sms") == "no_channel_consent"
        assert book.can_reach(texted.pk, "push") and not book.can_reach(people[8].pk, "push")
        assert refusal(None, "email", guest) == "unsubscribed"
        assert book.refusal(
            user_id=quiet.pk, email=quiet.email, topic="road_works", channel="email"
        ) == ("Préférence de communication désactivée.")  # no subscription: the default is off
