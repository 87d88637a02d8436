"""Alerts, subscriptions, collection days and the in-app inbox through the REST API: the
same services as the /alertes/ pages, French by default, English on request, and a
citizen's subscriptions and notifications are theirs alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.api.test_requests_api import API, post_json, problem
from victo_crm.alerts.calendar import regular_dates
from victo_crm.alerts.models import (
    AlertTopic,
    CollectionCalendar,
    CollectionException,
    Notice,
    Subscription,
)
from victo_crm.alerts.services import notice_publish, notice_save_draft
from victo_crm.notifications.models import Notification

pytestmark = pytest.mark.django_db


def in_app(user: Any, n: int, **extra: Any) -> Notification:
    values = {
        "recipient": user,
        "channel": "in_app",
        "kind": "notice",
        "status": "sent",
        "subject": f"Avis {n}",
        "body": f"Message {n}",
        "dedup_key": f"test:{user.pk}:{n}",
    }
    values.update(extra)
    return Notification.objects.create(**values)


# --- Topics, notices, collection days (public) -------------------------------------------------


def test_topics_are_public_in_french_and_in_english(anonymous_api: Any):
    french = anonymous_api.get(f"{API}/alerts/topics/")
    english = anonymous_api.get(f"{API}/alerts/topics/", HTTP_ACCEPT_LANGUAGE="en")

    assert french.status_code == 200
    codes = {t["code"] for t in french.json()}
    assert {"ordures", "recyclage", "travaux"} <= codes
    by_code = {t["code"]: t for t in english.json()}
    garbage = AlertTopic.objects.get(code="ordures")
    assert {t["code"]: t for t in french.json()}["ordures"]["name"] == garbage.name_fr
    assert by_code["ordures"]["name"] == (garbage.name_en or garbage.name_fr)
    assert by_code["ordures"]["is_collection"] is True
    assert by_code["travaux"]["is_collection"] is False


@pytest.fixture
def roadworks(address: Any, supervisor: Any) -> Notice:
    """Its street holds every address of the registry so far: the whole town, which a
    supervisor may publish."""
    notice = notice_save_draft(
        notice=Notice(
            topic=AlertTopic.objects.get(code="travaux"),
            title_fr="Rue Notre-Dame fermée",
            title_en="Notre-Dame Street closed",
            body_fr="Fermeture complète.",
            body_en="Fully closed.",
            area_kind="streets",
            streets=address.street,
            starts_at=timezone.now() - timedelta(hours=1),
        ),
        actor=supervisor,
    )
    return notice_publish(notice=notice, actor=supervisor)


def test_notices_in_force_are_public_and_filtered_by_address(
    anonymous_api: Any, roadworks: Notice, address: Any, agent: Any, town: Any
):
    draft = notice_save_draft(
        notice=Notice(
            topic=AlertTopic.objects.get(code="travaux"),
            title_fr="Brouillon",
            body_fr="Pas encore.",
            area_kind="town",
            starts_at=timezone.now(),
        ),
        actor=agent,
    )
    from victo_crm.places.models import Address

    elsewhere = Address.objects.create(
        civic_number=5,
        street="rue Ailleurs",
        latitude=address.latitude,
        longitude=address.longitude,
    )

    listed = anonymous_api.get(f"{API}/alerts/notices/").json()
    here = anonymous_api.get(f"{API}/alerts/notices/", {"address": address.pk}).json()
    there = anonymous_api.get(f"{API}/alerts/notices/", {"address": elsewhere.pk}).json()
    english = anonymous_api.get(f"{API}/alerts/notices/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [n["id"] for n in listed] == [roadworks.pk]
    assert draft.pk not in [n["id"] for n in listed]
    assert listed[0]["title"] == "Rue Notre-Dame fermée"
    assert listed[0]["url"].endswith(f"/alertes/en-vigueur/{roadworks.pk}/")
    assert [n["id"] for n in here] == [roadworks.pk]
    assert there == []
    assert english[0]["title"] == "Notre-Dame Street closed"


def test_a_bad_address_is_a_field_error(anonymous_api: Any, town: Any):
    body = problem(anonymous_api.get(f"{API}/alerts/notices/", {"address": "abc"}), 400)
    missing = problem(anonymous_api.get(f"{API}/alerts/collections/", {"address": "999999"}), 400)
    absent = problem(anonymous_api.get(f"{API}/alerts/collections/"), 400)

    for document in (body, missing, absent):
        assert document["errors"][0]["pointer"] == "#/address"
    assert "registre" in missing["errors"][0]["detail"]


def test_collection_days_show_a_moved_collection_and_the_ical_feed(
    anonymous_api: Any, address: Any, town: Any
):
    today = timezone.localdate()
    calendar = CollectionCalendar.objects.create(
        zone=town["sector"],
        topic=AlertTopic.objects.get(code="ordures"),
        frequency="weekly",
        weekday=(today + timedelta(days=2)).weekday(),
        reference_date=today + timedelta(days=2),
    )
    first, second = regular_dates(calendar, today, today + timedelta(weeks=8))[:2]
    CollectionException.objects.create(
        calendar=calendar,
        kind="moved",
        date=second,
        new_date=second + timedelta(days=1),
        reason_fr="Jour férié",
    )

    response = anonymous_api.get(f"{API}/alerts/collections/", {"address": address.pk})

    assert response.status_code == 200
    document = response.json()
    days = document["days"]
    assert days[0] == {
        "date": first.isoformat(),
        "topic": {"code": "ordures", "name": calendar.topic.name},
        "cancelled": False,
        "moved_from": None,
        "reason": "",
    }
    assert days[1]["date"] == (second + timedelta(days=1)).isoformat()
    assert days[1]["moved_from"] == second.isoformat()
    assert days[1]["reason"] == "Jour férié"
    assert document["address"] == {"id": address.pk, "label": address.label}
    feed = anonymous_api.get(document["ical_url"].replace("http://testserver", ""))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")


# --- Subscriptions ----------------------------------------------------------------------------


def test_subscribe_list_change_and_unsubscribe(marie_api: Any, citizen: Any, address: Any):
    created = post_json(
        marie_api,
        f"{API}/alerts/subscriptions/",
        {"topic": "ordures", "address": address.pk, "channels": ["email"], "label": "Chez nous"},
    )
    again = post_json(
        marie_api,
        f"{API}/alerts/subscriptions/",
        {"topic": "ordures", "address": address.pk, "channels": ["email", "in_app"]},
    )

    assert created.status_code == 201, created.content
    assert again.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.user == citizen and subscription.channels == ["email", "in_app"]
    listed = marie_api.get(f"{API}/alerts/subscriptions/").json()
    assert listed == [again.json()]
    assert listed[0]["address"] == {"id": address.pk, "label": address.label}
    assert listed[0]["label"] == "Chez nous"

    url = f"{API}/alerts/subscriptions/{subscription.pk}/"
    changed = marie_api.patch(url, '{"channels": ["in_app"]}', content_type="application/json")
    assert changed.status_code == 200 and changed.json()["channels"] == ["in_app"]
    assert marie_api.get(url).json()["channels"] == ["in_app"]

    assert marie_api.delete(url).status_code == 204
    assert not Subscription.objects.exists()
    assert marie_api.get(url).status_code == 404


def test_subscription_errors_point_at_their_field_in_french_or_english(
    marie_api: Any, address: Any
):
    no_phone = problem(
        post_json(
            marie_api,
            f"{API}/alerts/subscriptions/",
            {"topic": "ordures", "address": address.pk, "channels": ["sms"]},
        ),
        400,
    )
    unknown = problem(
        post_json(
            marie_api,
            f"{API}/alerts/subscriptions/",
            {"topic": "inconnu", "address": address.pk, "channels": ["email"]},
            HTTP_ACCEPT_LANGUAGE="en",
        ),
        400,
    )
    no_channel = problem(
        post_json(
            marie_api,
            f"{API}/alerts/subscriptions/",
            {"topic": "ordures", "address": address.pk, "channels": []},
        ),
        400,
    )

    assert no_phone["errors"][0]["pointer"] == "#/channels"
    assert "téléphone" in no_phone["errors"][0]["detail"]
    assert unknown["errors"][0]["pointer"] == "#/topic"
    assert "topic" in unknown["errors"][0]["detail"].lower()
    assert no_channel["errors"][0]["pointer"] == "#/channels"
    assert not Subscription.objects.exists()


def test_a_retried_subscription_with_the_same_key_is_replayed(marie_api: Any, address: Any):
    body = {"topic": "travaux", "address": address.pk, "channels": ["email"]}
    first = post_json(marie_api, f"{API}/alerts/subscriptions/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    second = post_json(marie_api, f"{API}/alerts/subscriptions/", body, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Subscription.objects.count() == 1


def test_subscriptions_need_a_session(anonymous_api: Any, address: Any):
    listed = anonymous_api.get(f"{API}/alerts/subscriptions/")
    created = post_json(
        anonymous_api,
        f"{API}/alerts/subscriptions/",
        {"topic": "travaux", "address": address.pk, "channels": ["email"]},
    )

    assert listed.status_code == 401 and created.status_code == 401
    assert not Subscription.objects.exists()


# --- The in-app inbox -------------------------------------------------------------------------


def test_the_inbox_pages_newest_first_with_the_unread_count(
    marie_api: Any, citizen: Any, other_citizen: Any
):
    for n in range(25):
        in_app(citizen, n)
    in_app(citizen, 99, status="pending")  # not delivered yet: not in the inbox
    in_app(citizen, 98, channel="email", address="marie@example.ca")  # another channel
    in_app(other_citizen, 1)

    first = marie_api.get(f"{API}/notifications/").json()
    second = marie_api.get(first["next"].replace("http://testserver", "")).json()

    assert first["unread"] == 25
    assert [n["subject"] for n in first["results"]] == [f"Avis {n}" for n in range(24, 4, -1)]
    assert [n["subject"] for n in second["results"]] == [f"Avis {n}" for n in range(4, -1, -1)]
    assert all(n["read_at"] is None for n in first["results"])


def test_marking_read_one_then_all(marie_api: Any, citizen: Any):
    kept = [in_app(citizen, n) for n in range(3)]

    one = marie_api.post(f"{API}/notifications/{kept[0].pk}/read/")
    unread = marie_api.get(f"{API}/notifications/", {"unread": "true"}).json()
    every = marie_api.post(f"{API}/notifications/read-all/")

    assert one.status_code == 204
    assert {n["id"] for n in unread["results"]} == {kept[1].pk, kept[2].pk}
    assert unread["unread"] == 2
    assert every.status_code == 200 and every.json() == {"marked": 2}
    assert marie_api.get(f"{API}/notifications/").json()["unread"] == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_another_citizens_notification_is_404_and_stays_unread(
    jean_api: Any, anonymous_api: Any, citizen: Any
):
    maries = in_app(citizen, 1)

    assert jean_api.post(f"{API}/notifications/{maries.pk}/read/").status_code == 404
    assert anonymous_api.post(f"{API}/notifications/{maries.pk}/read/").status_code == 404
    assert jean_api.post(f"{API}/notifications/read-all/").json() == {"marked": 0}
    maries.refresh_from_db()
    assert maries.read_at is None


def test_a_bad_unread_filter_is_a_field_error(marie_api: Any):
    body = problem(marie_api.get(f"{API}/notifications/", {"unread": "peut-être"}), 400)

    assert body["errors"][0]["pointer"] == "#/unread"
