"""Notices: audience before sending, topic subscribers only, emergencies to everyone in the
area on every channel they have, regardless of topic and quiet hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from tests.conftest import make_user, sign_in
from victo_crm.accounts.models import CommunicationPreference, Consent
from victo_crm.alerts.models import Notice, NoticeStatus
from victo_crm.alerts.selectors import (
    active_notices_for_address,
    area_addresses,
    notice_audience_count,
)
from victo_crm.alerts.services import (
    notice_fanout,
    notice_publish,
    notice_save_draft,
    subscription_create,
)
from victo_crm.notifications.channels.sms import LocmemSmsBackend
from victo_crm.notifications.models import Notification

pytestmark = pytest.mark.django_db
EASTERN = ZoneInfo("America/Toronto")


def notice(topic, actor, *, zones=(), **fields):
    values = {
        "topic": topic,
        "title_fr": "Travaux rue des Érables",
        "title_en": "Road work on des Érables",
        "body_fr": "Fermeture de 7 h à 17 h.",
        "body_en": "Closed from 7 a.m. to 5 p.m.",
        "area_kind": "zones",
        "starts_at": timezone.now(),
    }
    values.update(fields)
    return notice_save_draft(notice=Notice(**values), actor=actor, zones=list(zones))


@pytest.fixture
def people(topics, west_address, east_address):
    """Marie follows road works at her west address; Jean follows compost in the east;
    Luc follows road works in the east."""
    marie = make_user("marie@example.ca")
    jean = make_user("jean@example.ca", preferred_language="en")
    luc = make_user("luc@example.ca")
    subscription_create(
        user=marie, topic=topics["travaux"], address=west_address, channels=["email", "in_app"]
    )
    subscription_create(
        user=jean, topic=topics["compost"], address=east_address, channels=["email"]
    )
    subscription_create(
        user=luc, topic=topics["travaux"], address=east_address, channels=["in_app"]
    )
    return {"marie": marie, "jean": jean, "luc": luc}


@pytest.fixture
def sms(settings):
    settings.VICTO_SMS_BACKEND = "victo_crm.notifications.channels.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend


class TestAudience:
    def test_the_count_is_known_before_sending(self, people, topics, town, agent):
        west = notice(topics["travaux"], agent, zones=[town["west"]])
        assert notice_audience_count(west) == 1
        town_wide = notice(topics["travaux"], agent, area_kind="town")
        assert notice_audience_count(town_wide) == 2

    def test_a_list_of_streets_ignores_accents_and_case(self, people, topics, agent):
        streets = notice(topics["travaux"], agent, area_kind="streets", streets="Rue des erables\n")
        assert notice_audience_count(streets) == 1

    def test_a_radius_reaches_only_addresses_within_it(self, people, topics, agent, west_address):
        near = notice(
            topics["travaux"],
            agent,
            area_kind="radius",
            latitude=west_address.latitude,
            longitude=west_address.longitude,
            radius_m=300,
        )
        assert notice_audience_count(near) == 1

    def test_an_emergency_counts_every_subscriber_of_the_area(self, people, topics, agent):
        boil = notice(topics["urgences"], agent, area_kind="town", severity="emergency")
        assert notice_audience_count(boil) == 3


class TestFanOut:
    """Notices to the whole town: published by a supervisor, who holds the permission."""

    def test_a_notice_reaches_its_topic_subscribers_on_their_channels_in_their_language(
        self, people, topics, supervisor, django_capture_on_commit_callbacks
    ):
        works = notice(topics["travaux"], supervisor, area_kind="town")
        with django_capture_on_commit_callbacks(execute=True):
            notice_publish(notice=works, actor=supervisor)
        works.refresh_from_db()
        assert works.status == "published" and works.audience_count == 2
        rows = set(
            Notification.objects.filter(group_key=f"notice:{works.pk}").values_list(
                "recipient__email", "channel", "status"
            )
        )
        assert rows == {
            ("marie@example.ca", "email", "sent"),
            ("marie@example.ca", "in_app", "sent"),
            ("luc@example.ca", "in_app", "sent"),
        }
        assert [m.to for m in mail.outbox] == [["marie@example.ca"]]
        assert mail.outbox[0].subject == "Travaux rue des Érables"

    def test_running_the_fan_out_again_writes_nothing_twice(
        self, people, topics, supervisor, django_capture_on_commit_callbacks
    ):
        works = notice(topics["travaux"], supervisor, area_kind="town")
        with django_capture_on_commit_callbacks(execute=True):
            notice_publish(notice=works, actor=supervisor)
        Notice.objects.filter(pk=works.pk).update(status="publishing", fanout_cursor=0)
        with django_capture_on_commit_callbacks(execute=True):
            notice_fanout(notice_id=works.pk)
        assert Notification.objects.filter(group_key=f"notice:{works.pk}").count() == 3
        assert len(mail.outbox) == 1

    def test_an_emergency_at_night_reaches_everyone_in_the_area_on_every_channel(
        self, people, topics, supervisor, sms, django_capture_on_commit_callbacks
    ):
        jean = people["jean"]
        jean.phone = "819 758-0555"
        jean.save()
        Consent.objects.create(user=jean, purpose="sms")
        Consent.objects.create(user=people["luc"], purpose="push")  # but no device
        boil = notice(
            topics["urgences"],
            supervisor,
            area_kind="town",
            severity="emergency",
            title_fr="Avis d’ébullition",
            title_en="Boil-water notice",
        )
        with (
            time_machine.travel(datetime(2026, 5, 5, 2, 0, tzinfo=EASTERN)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            notice_publish(notice=boil, actor=supervisor)
        sent = set(
            Notification.objects.filter(group_key=f"notice:{boil.pk}", status="sent").values_list(
                "recipient__email", "channel"
            )
        )
        assert sent == {
            ("marie@example.ca", "email"),
            ("marie@example.ca", "in_app"),
            ("jean@example.ca", "email"),  # subscribed to compost only: still reached
            ("jean@example.ca", "in_app"),
            ("jean@example.ca", "sms"),  # at 2 a.m.: emergencies ignore quiet hours
            ("luc@example.ca", "email"),
            ("luc@example.ca", "in_app"),
        }
        assert [t["to"] for t in sms.outbox] == ["+18197580555"]
        assert "Boil-water notice" in sms.outbox[0]["body"]  # Jean reads English

    def test_a_road_works_text_at_night_waits_for_the_morning(
        self, topics, supervisor, west_address, sms, django_capture_on_commit_callbacks
    ):
        paul = make_user("paul@example.ca", phone="8195550101")
        Consent.objects.create(user=paul, purpose="sms")
        subscription_create(
            user=paul, topic=topics["travaux"], address=west_address, channels=["sms"]
        )
        works = notice(topics["travaux"], supervisor, area_kind="town")
        with (
            time_machine.travel(datetime(2026, 5, 5, 22, 0, tzinfo=EASTERN)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            notice_publish(notice=works, actor=supervisor)
        row = Notification.objects.get(group_key=f"notice:{works.pk}")
        assert row.status == "pending" and sms.outbox == []

    def test_an_explicit_no_is_respected_even_for_a_subscription(
        self, people, topics, supervisor, django_capture_on_commit_callbacks
    ):
        CommunicationPreference.objects.filter(
            user=people["marie"], topic="road_works", channel="email"
        ).update(enabled=False)
        works = notice(topics["travaux"], supervisor, area_kind="town")
        with django_capture_on_commit_callbacks(execute=True):
            notice_publish(notice=works, actor=supervisor)
        assert not Notification.objects.filter(
            group_key=f"notice:{works.pk}", recipient=people["marie"], channel="email"
        ).exists()
        assert mail.outbox == []


class TestTheStaffPage:
    def test_citizens_cannot_open_it(self, client, citizen):
        client.force_login(citizen)
        assert client.get("/alertes/avis/").status_code == 403

    def test_an_agent_drafts_sees_the_audience_then_publishes(
        self, client, agent, people, topics, town, django_capture_on_commit_callbacks
    ):
        sign_in(client, agent)
        response = client.post(
            "/alertes/avis/nouveau/",
            {
                "topic": topics["travaux"].pk,
                "severity": "info",
                "title_fr": "Travaux",
                "body_fr": "Rue fermée.",
                "area_kind": "zones",
                "zones": [town["west"].pk],
                "starts_at": "2026-05-05T08:00",
            },
        )
        assert response.status_code == 302, response.text
        detail = client.get(response["Location"])
        assert "Cet avis joindra 1 personne." in detail.text
        pk = int(response["Location"].rstrip("/").split("/")[-1])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/alertes/avis/{pk}/publier/", {"confirm": "yes"})
        assert Notice.objects.get(pk=pk).status == "published"
        assert len(mail.outbox) == 1

    def test_a_zone_notice_without_zone_is_refused(self, client, agent, topics):
        sign_in(client, agent)
        response = client.post(
            "/alertes/avis/nouveau/",
            {
                "topic": topics["travaux"].pk,
                "severity": "info",
                "title_fr": "Travaux",
                "body_fr": "Rue fermée.",
                "area_kind": "zones",
                "starts_at": "2026-05-05T08:00",
            },
        )
        assert response.status_code == 200
        assert "Choisissez au moins une zone." in response.text
        assert not Notice.objects.exists()


class TestNoticesOfAnAddress:
    """What the portal home and the API show at an address: the notices in force whose area
    covers it, by the same rule the fan-out uses for the whole registry."""

    @pytest.fixture
    def in_force(self, topics, town, agent, west_address):
        notices = [
            notice(topics["travaux"], agent, zones=[town["west"]]),
            notice(topics["travaux"], agent, zones=[town["east"]]),
            notice(topics["travaux"], agent, area_kind="town"),
            notice(topics["travaux"], agent, area_kind="streets", streets="RUE DES ERABLES"),
            notice(topics["travaux"], agent, area_kind="streets", streets="rue Notre-Dame"),
            notice(
                topics["travaux"],
                agent,
                area_kind="radius",
                latitude=west_address.latitude,
                longitude=west_address.longitude + 0.002,  # about 150 m east
                radius_m=300,
            ),
            notice(
                topics["travaux"],
                agent,
                area_kind="radius",
                latitude=west_address.latitude,
                longitude=west_address.longitude + 0.02,  # about 1.5 km east
                radius_m=300,
            ),
        ]
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(status=NoticeStatus.PUBLISHED)
        return notices

    def test_each_kind_of_area_agrees_with_the_audience_rule(
        self, in_force, west_address, east_address
    ):
        for address in (west_address, east_address):
            shown = {n.pk for n in active_notices_for_address(address)}
            expected = {n.pk for n in in_force if area_addresses(n).filter(pk=address.pk).exists()}
            assert shown == expected
        west = {n.pk for n in active_notices_for_address(west_address)}
        assert west == {in_force[i].pk for i in (0, 2, 3, 5)}

    def test_three_reads_whatever_the_number_of_notices(
        self, in_force, west_address, django_assert_num_queries
    ):
        with django_assert_num_queries(3):  # the address's zones, the notices, their zones
            active_notices_for_address(west_address)


class TestTimesOnThePublicNotice:
    """The hour of a notice the Québec way in French ("9 h 00"), the English way in English."""

    def test_the_period_in_each_language(self, client, topics, agent):
        shown = notice(
            topics["travaux"],
            agent,
            area_kind="town",
            starts_at=datetime(2026, 5, 5, 9, 0, tzinfo=EASTERN),
            ends_at=datetime(2026, 5, 5, 17, 30, tzinfo=EASTERN),
        )
        Notice.objects.filter(pk=shown.pk).update(
            status=NoticeStatus.PUBLISHED, published_at=timezone.now()
        )
        url = f"/alertes/en-vigueur/{shown.pk}/"

        french = client.get(url).content.decode()
        assert "depuis le 5\u00a0mai\u00a02026, 9\u00a0h\u00a000" in french
        assert "jusqu’au 5\u00a0mai\u00a02026, 17\u00a0h\u00a030" in french
        assert "9:00" not in french and "17:30" not in french

        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
        english = client.get(url).content.decode()
        assert "May\u00a05, 2026, 09:00" in english and "May\u00a05, 2026, 17:30" in english
        assert "\u00a0h\u00a0" not in english
