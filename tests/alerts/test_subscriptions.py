"""Citizens subscribe per topic, for an address, on chosen channels; reminders the evening
before; the demo calendars load twice without duplicating."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.conftest import make_user
from victo_crm.accounts.models import CommunicationPreference
from victo_crm.alerts.models import CollectionCalendar, Subscription
from victo_crm.alerts.services import collection_reminders_send, subscription_create
from victo_crm.notifications.models import Notification

pytestmark = pytest.mark.django_db
EASTERN = ZoneInfo("America/Toronto")


class TestSubscribing:
    def test_a_citizen_subscribes_for_a_parents_address_through_the_page(
        self, client, citizen, topics, west_address
    ):
        client.force_login(citizen)
        response = client.post(
            "/alertes/abonnements/",
            {
                "topic": topics["ordures"].pk,
                "address": "10 rue des Érables",
                "label": "Chez ma mère",
                "channels": ["email", "in_app"],
            },
        )
        assert response.status_code == 302
        subscription = Subscription.objects.get(user=citizen)
        assert (subscription.address, subscription.label, subscription.channels) == (
            west_address,
            "Chez ma mère",
            ["email", "in_app"],
        )
        # Subscribing is an explicit choice: the matching preferences follow it.
        assert CommunicationPreference.objects.get(
            user=citizen, topic="collections", channel="email"
        ).enabled
        assert "Chez ma mère" in client.get("/alertes/abonnements/").text

    def test_texts_need_a_phone_and_a_consent_first(self, citizen, topics, west_address):
        with pytest.raises(ValidationError) as error:
            subscription_create(
                user=citizen, topic=topics["travaux"], address=west_address, channels=["sms"]
            )
        assert "numéro de téléphone" in str(error.value)

    def test_another_citizens_subscription_answers_404(
        self, client, citizen, other_citizen, topics, west_address
    ):
        theirs = subscription_create(
            user=other_citizen, topic=topics["travaux"], address=west_address, channels=["email"]
        )
        client.force_login(citizen)
        assert client.post(f"/alertes/abonnements/{theirs.pk}/supprimer/").status_code == 404
        assert Subscription.objects.filter(pk=theirs.pk).exists()

    def test_the_pages_need_an_account(self, client):
        assert client.get("/alertes/abonnements/").status_code == 302
        assert client.get("/alertes/mon-calendrier/").status_code == 302


class TestReminders:
    def test_subscribers_hear_the_evening_before_and_only_once(
        self, garbage_monday, topics, west_address, django_capture_on_commit_callbacks
    ):
        marie = make_user("marie.r@example.ca")
        subscription_create(
            user=marie, topic=topics["ordures"], address=west_address, channels=["email"]
        )
        sunday_evening = datetime(2026, 3, 8, 18, 0, tzinfo=EASTERN)  # Monday 9 is a collection
        with time_machine.travel(sunday_evening), django_capture_on_commit_callbacks(execute=True):
            collection_reminders_send()
            collection_reminders_send()  # the periodic task runs again: no second message
        rows = Notification.objects.filter(kind="collection_reminder")
        assert rows.count() == 1
        assert rows.get().subject == "Demain, lundi 9 mars\u00a0: Ordures ménagères"
        assert rows.get().status == "sent"

    def test_nothing_before_the_reminder_hour_nor_on_an_off_week(
        self, garbage_monday, topics, west_address
    ):
        marie = make_user("marie.r@example.ca")
        subscription_create(
            user=marie, topic=topics["ordures"], address=west_address, channels=["email"]
        )
        with time_machine.travel(datetime(2026, 3, 8, 9, 0, tzinfo=EASTERN)):
            assert collection_reminders_send() == 0
        with time_machine.travel(datetime(2026, 3, 15, 18, 0, tzinfo=EASTERN)):
            assert collection_reminders_send() == 0  # Monday 16 is an off week


def test_the_demo_calendars_load_idempotently(town):
    from victo_crm.alerts.demo import load_demo_alerts

    first = load_demo_alerts()
    count = CollectionCalendar.objects.count()
    load_demo_alerts()
    assert count == len(first) == CollectionCalendar.objects.count() == 6
    assert CollectionCalendar.objects.filter(topic__code="sapins").get().exceptions.count() == 2


def test_an_address_naming_several_offers_them_and_the_choice_subscribes(
    client, citizen, topics, town
):
    """Issue 15, point 4: "2 rue Notre-Dame" is two addresses; the form lists both."""
    from tests.alerts.conftest import make_address

    east = make_address(2, "rue Notre-Dame Est")
    west = make_address(2, "rue Notre-Dame Ouest")
    client.force_login(citizen)
    form = {"topic": topics["ordures"].pk, "address": "2 rue Notre-Dame", "channels": ["email"]}
    page = client.post("/alertes/abonnements/", form)
    assert page.status_code == 200 and not Subscription.objects.exists()
    assert "choisissez la vôtre dans la liste" in page.text
    for address in (east, west):
        assert f'name="address_id" id="candidate-{address.pk}" value="{address.pk}"' in page.text
    assert client.post("/alertes/abonnements/", {**form, "address_id": west.pk}).status_code == 302
    assert Subscription.objects.get(user=citizen).address == west
    # The abbreviated spelling of one address needs no choice.
    client.post("/alertes/abonnements/", {**form, "address": "2, Notre-Dame E."})
    assert {s.address for s in Subscription.objects.filter(user=citizen)} == {east, west}
