"""Notification rules, without code: the outbox of a request event is what the rules say."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from victo_crm.notifications.models import Notification, NotificationRule
from victo_crm.notifications.services import outbox_for_request_event
from victo_crm.service_requests.models import RequestFollower
from victo_crm.service_requests.services import (
    Contact,
    service_request_reply,
    service_request_transition,
)

from .helpers import submit, transition

pytestmark = pytest.mark.django_db


def rows(**filters):
    return list(
        Notification.objects.filter(**filters)
        .order_by("pk")
        .values_list("address", "channel", "language", "status")
    )


class TestTheSeededRules:
    def test_a_citizen_is_told_their_request_was_received_by_email_and_in_the_portal(
        self, request_type, citizen, town
    ):
        request = submit(request_type, citizen=citizen)

        notes = Notification.objects.filter(request=request, kind="request_received")
        assert {n.channel for n in notes} == {"email", "in_app"}
        email = notes.get(channel="email")
        assert email.subject == f"Nous avons reçu votre requête {request.reference}"
        assert "Bonjour Marie Tremblay" in email.body
        # French typography, although the seeded words were typed with ordinary spaces.
        assert "«\u00a0Nid-de-poule\u00a0»" in email.body
        assert "Lieu\u00a0:" in email.body
        assert email.rule.name == "Accusé de réception"

    def test_french_words_typed_with_ordinary_spaces_are_sent_with_french_typography(
        self, request_type, citizen, agent, town
    ):
        rule = NotificationRule.objects.get(name="Réponse du personnel")
        rule.subject_fr = "Réponse : « {{ request_type }} »"
        rule.subject_en = ""
        rule.save()
        request = submit(request_type, citizen=citizen)
        service_request_reply(request=request, actor=agent, text="Merci : c’est noté !")

        email = Notification.objects.get(request=request, kind="public_reply", channel="email")
        assert email.subject == "Réponse\u00a0: «\u00a0Nid-de-poule\u00a0»"
        # The agent's own words are sent as written.
        assert "Merci : c’est noté !" in email.body

    def test_an_english_speaking_citizen_gets_english(self, request_type, other_citizen, town):
        request = submit(request_type, citizen=other_citizen)
        email = Notification.objects.get(request=request, channel="email")
        assert email.language == "en"
        assert email.subject == f"We received your request {request.reference}"
        assert "“Pothole”" in email.body

    def test_a_guest_is_written_to_at_the_address_they_gave(self, request_type, town):
        request = submit(request_type, contact=Contact(name="Paul Roy", email="paul@example.ca"))
        assert rows(request=request) == [("paul@example.ca", "email", "fr", "pending")]

    def test_followers_hear_about_state_changes_too(
        self, request_type, citizen, other_citizen, agent, town
    ):
        request = submit(request_type, citizen=citizen)
        RequestFollower.objects.create(request=request, user=other_citizen)
        event = service_request_transition(
            request=request, transition=transition("recue", "assignee"), actor=agent
        )
        emails = Notification.objects.filter(event=event, channel="email")
        assert {(e.address, e.language) for e in emails} == {
            ("marie@example.ca", "fr"),
            ("jean@example.ca", "en"),
        }
        french = emails.get(address="marie@example.ca")
        assert french.subject == f"Votre requête {request.reference}\u00a0: Prise en charge"
        assert "Bonjour Marie Tremblay" in french.body
        # The follower has his own words: the state, nothing of the requester.
        english = emails.get(address="jean@example.ca")
        assert english.subject == f"Request you follow {request.reference}: Taken in charge"
        assert "Marie" not in english.body and "Tremblay" not in english.body

    def test_a_public_reply_carries_the_agents_words(self, request_type, citizen, agent, town):
        request = submit(request_type, citizen=citizen)
        event = service_request_reply(
            request=request, actor=agent, text="Une équipe passera jeudi."
        )
        email = Notification.objects.get(event=event, channel="email")
        assert "Une équipe passera jeudi." in email.body

    def test_replaying_an_event_writes_nothing_twice(self, request_type, citizen, town):
        request = submit(request_type, citizen=citizen)
        event = request.events.get()
        before = Notification.objects.count()
        assert outbox_for_request_event(event=event, kind="request_received") == []
        assert Notification.objects.count() == before


class TestConditionsRecipientsAndChannels:
    def test_a_rule_limited_to_a_state_fires_only_for_that_state(
        self, request_type, citizen, agent, teams, town
    ):
        from victo_crm.service_requests.models import State

        resolved = State.objects.get(workflow__code="default", code="resolue")
        rule = NotificationRule.objects.create(
            name="Réglée : aviser l’équipe",
            event="state_changed",
            to_requester=False,
            to_followers=False,
            fixed_addresses="contremaitre@victoriaville.ca",
            channels=["email"],
            subject_fr="{{ reference }} réglée",
            body_fr="La requête {{ reference }} est réglée.",
        )
        rule.states.add(resolved)
        request = submit(request_type, citizen=citizen)
        taken = service_request_transition(
            request=request, transition=transition("recue", "assignee"), actor=agent
        )
        assert not Notification.objects.filter(event=taken, rule=rule).exists()
        done = service_request_transition(
            request=request, transition=transition("assignee", "resolue"), actor=agent
        )
        note = Notification.objects.get(event=done, rule=rule)
        assert (note.address, note.subject, note.topic) == (
            "contremaitre@victoriaville.ca",
            f"{request.reference} réglée",
            "staff",
        )

    def test_a_rule_for_another_request_type_does_not_fire(self, request_type, citizen, town):
        from victo_crm.service_requests.models import RequestGroup, RequestType

        other = RequestType.objects.create(
            code="lampadaire",
            name_fr="Lampadaire",
            group=RequestGroup.objects.create(code="eclairage", name_fr="Éclairage"),
            team=request_type.team,
            workflow=request_type.workflow,
        )
        rule = NotificationRule.objects.create(
            name="Lampadaires",
            event="request_received",
            channels=["email"],
            to_requester=False,
            to_followers=False,
            to_team=True,
            subject_fr="Lampadaire {{ reference }}",
            body_fr="…",
        )
        rule.request_types.add(other)
        request = submit(request_type, citizen=citizen)
        assert not Notification.objects.filter(request=request, rule=rule).exists()

    def test_the_team_is_written_to_at_its_address_or_member_by_member(
        self, request_type, citizen, agent, teams, town
    ):
        NotificationRule.objects.create(
            name="Nouvelle requête pour l’équipe",
            event="request_received",
            channels=["email"],
            to_requester=False,
            to_followers=False,
            to_team=True,
            subject_fr="Nouvelle requête {{ reference }}",
            body_fr="{{ request_type }} — {{ location }}",
        )
        request = submit(request_type, citizen=citizen)
        staff = Notification.objects.filter(request=request, topic="staff")
        assert [n.address for n in staff] == [agent.email]
        assert "/admin/" in staff[0].link or "/bureau/" in staff[0].link

    def test_two_rules_naming_the_same_person_send_one_message(self, request_type, citizen, town):
        NotificationRule.objects.create(
            name="Doublon",
            event="request_received",
            channels=["email"],
            subject_fr="Encore {{ reference }}",
            body_fr="…",
            order=99,
        )
        request = submit(request_type, citizen=citizen)
        assert Notification.objects.filter(request=request, channel="email").count() == 1


class TestTemplatesAreSafe:
    def test_an_unknown_placeholder_is_refused_with_its_name(self):
        rule = NotificationRule(
            name="x",
            event="public_reply",
            channels=["email"],
            subject_fr="{{ reference }}",
            body_fr="Bonjour {{ citoyen }}",
        )
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        assert "citoyen" in str(error.value.message_dict["body_fr"])

    @pytest.mark.parametrize(
        "body",
        [
            "{% load static %}",
            "{{ reference|upper }}",
            "{{ reference",
            "{{ request.citizen.password }}",
        ],
    )
    def test_tags_filters_and_attribute_access_are_refused(self, body):
        rule = NotificationRule(
            name="x", event="public_reply", channels=["email"], subject_fr="s", body_fr=body
        )
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        assert "body_fr" in error.value.message_dict

    def test_a_rule_without_channel_or_recipient_is_refused(self):
        rule = NotificationRule(
            name="x",
            event="public_reply",
            channels=[],
            to_requester=False,
            to_followers=False,
            subject_fr="s",
            body_fr="b",
        )
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        assert {"channels", "to_requester"} <= set(error.value.message_dict)

    def test_what_a_citizen_typed_never_becomes_markup(self, request_type, citizen, agent, town):
        from victo_crm.notifications.channels.email import build_message

        request = submit(request_type, citizen=citizen)
        event = service_request_reply(
            request=request, actor=agent, text='<img src=x onerror="alert(1)"> {{ reference }}'
        )
        note = Notification.objects.get(event=event, channel="email")
        assert "{{ reference }}" in note.body  # a value is never re-read as a template
        html = build_message(note).alternatives[0][0]
        assert "<img src=x" not in html
        assert "&lt;img src=x" in html


class TestSilentTransitions:
    """A transition without "aviser le citoyen" still reaches the staff a rule names; the
    requester and followers hear only about transitions that notify them."""

    @pytest.fixture
    def team_rule(self, teams):
        return NotificationRule.objects.create(
            name="Tout changement d’état\u00a0: l’équipe et le demandeur",
            event="state_changed",
            to_requester=True,
            to_followers=True,
            to_team=True,
            fixed_addresses="contremaitre@victoriaville.ca",
            channels=["email"],
            subject_fr="{{ reference }} : {{ previous_state }} → {{ state }}",
            body_fr="…",
            order=99,  # after the seeded citizen rule, which keeps the citizen's messages
        )

    def test_a_silent_transition_reaches_the_staff_and_not_the_citizen(
        self, request_type, citizen, other_citizen, agent, team_rule, town
    ):
        request = submit(request_type, citizen=citizen)
        RequestFollower.objects.create(request=request, user=other_citizen)
        silent = transition("recue", "en-analyse")
        assert not silent.notify_citizen
        event = service_request_transition(request=request, transition=silent, actor=agent)

        sent = Notification.objects.filter(event=event)
        assert sorted((n.address, n.topic) for n in sent) == [
            ("agent.tp@victoriaville.ca", "staff"),
            ("contremaitre@victoriaville.ca", "staff"),
        ]
        assert sent.get(address=agent.email).subject == (
            f"{request.reference}\u00a0: Reçue → En analyse"
        )

    def test_the_seeded_citizen_rule_stays_silent_on_a_silent_transition(
        self, request_type, citizen, agent, town
    ):
        request = submit(request_type, citizen=citizen)
        event = service_request_transition(
            request=request, transition=transition("recue", "en-analyse"), actor=agent
        )
        assert not Notification.objects.filter(event=event).exists()

    def test_a_transition_that_notifies_reaches_both(
        self, request_type, citizen, other_citizen, agent, team_rule, town
    ):
        request = submit(request_type, citizen=citizen)
        RequestFollower.objects.create(request=request, user=other_citizen)
        event = service_request_transition(
            request=request, transition=transition("recue", "assignee"), actor=agent
        )
        emails = Notification.objects.filter(event=event, channel="email")
        assert {(n.address, n.topic, n.rule.name) for n in emails} == {
            ("marie@example.ca", "request_updates", "Changement d’état"),
            ("jean@example.ca", "request_updates", "Changement d’état"),
            ("agent.tp@victoriaville.ca", "staff", team_rule.name),
            ("contremaitre@victoriaville.ca", "staff", team_rule.name),
        }
        in_app = Notification.objects.filter(event=event, channel="in_app")
        assert {n.recipient_id for n in in_app} == {citizen.pk, other_citizen.pk}


class TestFollowerMessages:
    """Followers have their own words and placeholders: nothing of the requester."""

    def follower_rule(self, **changes):
        values = {
            "name": "Avis aux abonnés",
            "event": "state_changed",
            "channels": ["email"],
            "to_requester": True,
            "to_followers": True,
            "subject_fr": "Votre requête {{ reference }}",
            "body_fr": "Bonjour {{ citizen_name }}",
            "follower_subject_fr": "Requête suivie {{ reference }}",
            "follower_body_fr": "La requête {{ reference }} est « {{ state }} ».",
        }
        values.update(changes)
        return NotificationRule(**values)

    def test_a_rule_with_follower_words_of_their_own_is_valid(self):
        self.follower_rule().full_clean()

    @pytest.mark.parametrize("name", ["citizen_name", "location", "assignee", "priority", "due_at"])
    def test_a_requester_placeholder_in_the_follower_message_is_refused_by_name(self, name):
        rule = self.follower_rule(follower_body_en=f"Hello {{{{ {name} }}}}")
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        problems = " ".join(error.value.message_dict["follower_body_en"])
        assert f"«\u00a0{name}\u00a0» est interdit dans le message aux abonnés" in problems
        assert "citizen_name" not in problems.split("Champs permis\u00a0:")[1]

    def test_the_follower_subject_is_checked_too(self):
        rule = self.follower_rule(follower_subject_fr="{{ citizen_name }} : {{ reference }}")
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        assert "follower_subject_fr" in error.value.message_dict

    def test_followers_named_without_words_of_their_own_is_refused(self):
        rule = self.follower_rule(follower_subject_fr="", follower_body_fr="")
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        assert {"follower_subject_fr", "follower_body_fr"} <= set(error.value.message_dict)
        # Unticking the followers is the other way out.
        self.follower_rule(
            follower_subject_fr="", follower_body_fr="", to_followers=False
        ).full_clean()

    def test_the_follower_values_are_exactly_the_follower_placeholders(
        self, request_type, citizen, town
    ):
        from victo_crm.notifications.placeholders import FOLLOWER_PLACEHOLDERS, follower_values

        request = submit(request_type, citizen=citizen)
        values = follower_values(request, request.events.get(), "fr")
        assert set(values) == set(FOLLOWER_PLACEHOLDERS)
        assert "Marie" not in " ".join(values.values())

    def test_a_rule_saved_without_follower_words_tells_followers_nothing(
        self, request_type, citizen, other_citizen, agent, town
    ):
        """A rule written outside the admin (no validation) still cannot send the
        requester's message to a follower."""
        NotificationRule.objects.filter(event="state_changed").update(is_active=False)
        NotificationRule.objects.create(
            name="Sans message aux abonnés",
            event="state_changed",
            channels=["email"],
            to_followers=True,
            subject_fr="Votre requête {{ reference }}",
            body_fr="Bonjour {{ citizen_name }}",
        )
        request = submit(request_type, citizen=citizen)
        RequestFollower.objects.create(request=request, user=other_citizen)
        event = service_request_transition(
            request=request, transition=transition("recue", "assignee"), actor=agent
        )
        assert rows(event=event) == [("marie@example.ca", "email", "fr", "pending")]

    def test_a_reply_to_the_requester_reaches_no_follower_and_a_published_one_does(
        self, request_type, citizen, other_citizen, agent, town
    ):
        request = submit(request_type, citizen=citizen)
        RequestFollower.objects.create(request=request, user=other_citizen)
        private = service_request_reply(request=request, actor=agent, text="Madame Tremblay…")
        assert not Notification.objects.filter(event=private, recipient=other_citizen).exists()
        public = service_request_reply(
            request=request, actor=agent, text="Travaux jeudi.", for_followers=True
        )
        to_jean = Notification.objects.get(event=public, recipient=other_citizen, channel="email")
        assert "Travaux jeudi." in to_jean.body
        assert to_jean.subject == f"Request you follow {request.reference}: a message from the City"
