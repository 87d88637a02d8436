"""The dashboard's delivery rates per channel: what went out over the last 7 and 30 days,
what arrived where that is known, what did not, and complaints, from messages written and
reports recorded by the services themselves."""

from __future__ import annotations

import email
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.desk.conftest import client_for
from tests.inbound.test_bounces import dsn
from tests.inbound.test_complaints import arf
from victo_crm.accounts.models import CommunicationPreference, Consent
from victo_crm.desk.dashboard import delivery_stats
from victo_crm.notifications.bounces import (
    delivery_reports_record,
    feedback_report_record,
    sms_status_record,
)
from victo_crm.notifications.channels.sms import LocmemSmsBackend
from victo_crm.notifications.models import Notification, NotificationRule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def texting(settings: Any, citizen: Any) -> Any:
    settings.VICTO_SMS_BACKEND = "victo_crm.notifications.channels.sms.LocmemSmsBackend"
    settings.VICTO_QUIET_HOURS_START = settings.VICTO_QUIET_HOURS_END = 0
    LocmemSmsBackend.outbox.clear()
    citizen.phone = "819 555-0123"
    citizen.save()
    Consent.objects.create(user=citizen, purpose="sms", version="1")
    CommunicationPreference.objects.create(
        user=citizen, topic="request_updates", channel="sms", enabled=True
    )
    NotificationRule.objects.filter(event="request_received").update(
        channels=["email", "in_app", "sms"]
    )
    return citizen


def by_channel(rows: list[Any]) -> dict[str, Any]:
    return {row.channel: row for row in rows}


def test_rates_per_channel_over_7_and_30_days(
    submit, texting, other_citizen, supervisor, django_capture_on_commit_callbacks
):
    def filed(**kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return submit(**kwargs)

    # Three weeks ago: Marie's first request (e-mail, text, in-app), all out.
    with time_machine.travel(timezone.now() - timedelta(days=21)):
        filed()
    # This week: her second; the text is reported delivered, the e-mail marked as spam.
    second = filed()
    text = Notification.objects.get(request=second, channel="sms")
    sms_status_record(provider_id=text.provider_id, status="delivered")
    mail = Notification.objects.get(request=second, channel="email")
    from django.core import mail as django_mail

    sent = next(m for m in reversed(django_mail.outbox) if texting.email in m.to)
    feedback_report_record(email.message_from_bytes(arf(sent.message().as_bytes())))
    # Jean's address bounces for good; his next e-mail is refused at once.
    first_of_jean = filed(citizen=other_citizen)
    to_jean = next(m for m in reversed(django_mail.outbox) if other_citizen.email in m.to)
    delivery_reports_record(
        email.message_from_bytes(
            dsn(recipient=other_citizen.email, original_id=to_jean.extra_headers["Message-ID"])
        )
    )
    filed(citizen=other_citizen)
    assert first_of_jean.notifications.filter(channel="email", status="sent").exists()
    assert mail.receipts.get().kind == "complaint"

    rates = delivery_stats(use_cache=False)
    week, month = by_channel(rates[7]), by_channel(rates[30])

    assert (week["email"].sent, week["email"].refused, week["email"].bounced) == (2, 1, 1)
    assert week["email"].delivered is None  # nobody reports an e-mail's delivery
    assert week["email"].complaints == 1
    assert week["email"].failed_rate == round(100 * 2 / 3, 1)
    assert week["email"].complaint_rate == 50.0
    assert (week["sms"].sent, week["sms"].delivered, week["sms"].delivered_rate) == (1, 1, 100.0)
    assert week["in_app"].sent == week["in_app"].delivered == 3
    assert (week["push"].sent, week["push"].failed_rate) == (0, None)
    # The month also counts the first request's messages.
    assert month["email"].sent == 3 and month["sms"].sent == 2
    assert (month["sms"].delivered, month["sms"].delivered_rate) == (1, 50.0)


def test_the_dashboard_shows_them_as_tables_within_its_query_budget(
    submit, texting, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    client = client_for(supervisor)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/bureau/tableau-de-bord/").content.decode()
    assert len(queries) <= 15, [q["sql"][:120] for q in queries]
    assert "Livraison des avis par canal" in html
    assert "Livraison au cours des 7 derniers jours" in html
    assert "Livraison au cours des 30 derniers jours" in html
    assert '<th scope="row">Texto</th>' in html and "100,0\u00a0%" in html
    # Cached like the rest: a second view reads no outbox.
    with CaptureQueriesContext(connection) as queries:
        client.get("/bureau/tableau-de-bord/")
    assert not [q for q in queries if "notifications_notification" in q["sql"]]


def test_in_english(submit, texting, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    client = client_for(supervisor)
    client.cookies["django_language"] = "en"
    html = client.get("/bureau/tableau-de-bord/").content.decode()
    assert "Delivery over the last 7 days" in html and "100.0%" in html


def test_agents_do_not_see_the_dashboard(agent):
    assert client_for(agent).get("/bureau/tableau-de-bord/").status_code == 403
