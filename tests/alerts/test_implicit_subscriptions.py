"""A citizen's profile address and her preferences are a subscription to her own area: a
notice about road works on her street reaches her on the channels she turned on for road
works, once per channel even if she also subscribed to that address, and her portal home
says which alerts she will receive and where."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tests.alerts.conftest import make_address
from tests.conftest import make_user, sign_in
from victo_crm.accounts.services import user_preferences_set
from victo_crm.alerts.models import Notice
from victo_crm.alerts.selectors import notice_audience_count, notice_channel_counts
from victo_crm.alerts.services import (
    collection_reminders_send,
    notice_save_draft,
    subscription_create,
)
from victo_crm.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def alexandre(town: Any) -> Any:
    return make_address(55, "rue Alexandre", 46.06, -72.00)


@pytest.fixture
def elsewhere(town: Any) -> Any:
    return make_address(20, "boulevard Jutras Est", 46.06, -71.90)


def resident(email: str, address: Any, **preferences: list[str]) -> Any:
    """A citizen living at ``address`` (with a phone, but no consent to texts) who turned
    each topic on for the listed channels."""
    person = make_user(
        email, address=address, first_name=email.split("@")[0].title(), phone="819 555-0101"
    )
    user_preferences_set(
        user=person,
        preferences={
            (topic, channel): True
            for topic, channels in preferences.items()
            for channel in channels
        },
    )
    return person


@pytest.fixture
def sophie(alexandre: Any, elsewhere: Any) -> Any:
    """Lives rue Alexandre (one street of the registry, not the whole town); ticked
    "Travaux routiers" by e-mail and in the portal."""
    return resident("sophie@example.ca", alexandre, road_works=["email", "in_app"])


def works_on_alexandre(topics: Any, agent: Any) -> Notice:
    return notice_save_draft(
        notice=Notice(
            topic=topics["travaux"],
            title_fr="Travaux rue Alexandre",
            title_en="Works on rue Alexandre",
            body_fr="Rue fermée de 7 h à 17 h.",
            area_kind="streets",
            streets="Rue Alexandre",
            starts_at=timezone.now(),
        ),
        actor=agent,
    )


def sent(notice: Notice) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(group_key=f"notice:{notice.pk}").values_list(
            "recipient__email", "channel"
        )
    )


class TestTheIssueExample:
    def test_a_road_works_notice_for_her_street_reaches_her_and_the_count_says_one(
        self, client, agent, topics, sophie, django_capture_on_commit_callbacks
    ):
        notice = works_on_alexandre(topics, agent)
        sign_in(client, agent)

        confirmation = client.get(f"/alertes/avis/{notice.pk}/publier/")
        with django_capture_on_commit_callbacks(execute=True):
            published = client.post(
                f"/alertes/avis/{notice.pk}/publier/", {"confirm": "yes"}, follow=True
            )

        assert "Cet avis joindra 1 personne." in confirmation.text
        assert notice_channel_counts(notice) == {"email": 1, "in_app": 1, "sms": 0, "push": 0}
        assert "envoi en cours à 1 personne(s)" in published.text
        assert sent(notice) == [("sophie@example.ca", "email"), ("sophie@example.ca", "in_app")]
        assert [m.to for m in mail.outbox] == [["sophie@example.ca"]]


class TestWhoIsReached:
    def test_an_explicit_subscription_for_the_same_address_adds_no_duplicate(
        self, agent, topics, sophie, alexandre, django_capture_on_commit_callbacks
    ):
        subscription_create(
            user=sophie, topic=topics["travaux"], address=alexandre, channels=["email"]
        )
        notice = works_on_alexandre(topics, agent)
        from victo_crm.alerts.services import notice_publish

        assert notice_audience_count(notice) == 1
        with django_capture_on_commit_callbacks(execute=True):
            notice_publish(notice=notice, actor=agent)

        assert sent(notice) == [("sophie@example.ca", "email"), ("sophie@example.ca", "in_app")]
        assert len(mail.outbox) == 1

    def test_a_citizen_who_unticked_the_topic_is_not_reached(
        self, agent, topics, sophie, alexandre
    ):
        user_preferences_set(
            user=sophie,
            preferences={("road_works", "email"): False, ("road_works", "in_app"): False},
        )
        neighbour = resident("voisin@example.ca", alexandre, city_news=["email"])
        notice = works_on_alexandre(topics, agent)

        assert notice_audience_count(notice) == 0
        assert notice_channel_counts(notice) == {"email": 0, "in_app": 0, "sms": 0, "push": 0}
        assert neighbour.address == alexandre

    def test_another_citizen_elsewhere_is_not_reached(self, agent, topics, sophie, elsewhere):
        resident("jean@example.ca", elsewhere, road_works=["email"])
        notice = works_on_alexandre(topics, agent)

        assert notice_audience_count(notice) == 1
        assert notice_channel_counts(notice)["email"] == 1

    def test_a_text_without_consent_is_not_sent_though_she_ticked_it(
        self, agent, topics, alexandre
    ):
        resident("nina@example.ca", alexandre, road_works=["sms"])
        notice = works_on_alexandre(topics, agent)

        assert notice_audience_count(notice) == 1
        assert notice_channel_counts(notice)["sms"] == 0

    def test_a_resident_with_collections_on_is_reminded_the_evening_before(
        self, town, topics, garbage_monday
    ):
        home = make_address(7, "rue des Érables", 46.06, -72.00)
        resident("ana@example.ca", home, collections=["email"])
        resident("paul@example.ca", home)  # nothing ticked

        written = collection_reminders_send(today=date(2026, 1, 11))

        assert written == 1
        assert list(
            Notification.objects.filter(kind="collection_reminder").values_list(
                "recipient__email", "channel"
            )
        ) == [("ana@example.ca", "email")]


class TestVosAlertes:
    def test_her_home_lists_each_alert_where_and_how_with_a_link_to_change_them(
        self, client, topics, sophie, elsewhere
    ):
        subscription_create(
            user=sophie,
            topic=topics["compost"],
            address=elsewhere,
            channels=["email"],
            label="Chez ma mère",
        )
        user_preferences_set(user=sophie, preferences={("road_works", "sms"): True})
        client.force_login(sophie)

        page = client.get("/portail/").text

        assert "Vos alertes" in page
        assert "Travaux routiers" in page and "55, rue Alexandre" in page
        assert "Chez ma mère — 20, boulevard Jutras Est" in page
        assert "/preferences/" in page and "/alertes/abonnements/" in page
        # Texts ticked but not consented to: they would not be sent, so they are not shown.
        section = page.split("Vos alertes", 1)[1].split("</section>", 1)[0]
        assert "Texto" not in section

    def test_in_english(self, client, sophie):
        sophie.preferred_language = "en"
        sophie.save()
        client.force_login(sophie)

        page = client.get("/portail/").text

        assert "Your alerts" in page and "Road work" in page

    def test_a_citizen_with_no_alert_is_told_how_to_get_some(self, client, citizen):
        client.force_login(citizen)
        page = client.get("/portail/").text
        assert "Vos alertes" in page and "Vous ne recevez aucune alerte" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_vos_alertes_on_a_phone(page, live_server, town, language):
    from tests.conftest import PHONE, axe_violations, login, screenshot
    from tests.notifications.conftest import reseed_topics

    reseed_topics()
    home = make_address(55, "rue Alexandre", 46.06, -72.00)
    person = resident("sophie@example.ca", home, road_works=["email", "in_app"])
    person.preferred_language = language
    person.save()
    login(page, person, live_server.url)
    page.set_viewport_size(PHONE)

    page.goto("/portail/")

    section = page.locator("section.my-alerts")
    assert section.get_by_role("heading").inner_text() == (
        "Vos alertes" if language == "fr" else "Your alerts"
    )
    assert "55, rue Alexandre" in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    screenshot(page, f"portal-home-vos-alertes-{language}")
