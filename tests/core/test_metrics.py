"""/metrics: Prometheus's text format, for a scraper holding the token only (core/metrics.py).

An operator's scraper reads request rates and latency per route, submissions, the outbox's
backlog and age, deliveries per channel, SLA breaches and Celery queue lengths."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.notifications.models import Notification, NotificationStatus
from victo_crm.notifications.services import notifications_deliver
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-scrape-token"


@pytest.fixture
def scraper(settings: Any) -> Client:
    settings.VICTO_METRICS_TOKEN = TOKEN
    return Client(headers={"Authorization": f"Bearer {TOKEN}"})


def scrape(scraper: Client) -> str:
    response = scraper.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` (labels in any order; absent: 0)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.fullmatch(r"([a-zA-Z_:]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


def test_without_a_token_configured_there_is_no_metrics_page(client: Client, settings: Any) -> None:
    settings.VICTO_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_a_wrong_or_missing_token_is_refused(settings: Any) -> None:
    settings.VICTO_METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 401
    wrong = Client(headers={"Authorization": "Bearer guess"})
    assert wrong.get("/metrics").status_code == 401


def test_a_submission_moves_the_counters(
    scraper: Client,
    client: Client,
    request_type: Any,
    citizen: Any,
    town: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = scrape(scraper)
    client.get("/healthz")
    with django_capture_on_commit_callbacks(execute=True):
        service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "petit"},
            latitude=CENTRE_LAT,
            longitude=CENTRE_LON,
        )
    after = scrape(scraper)

    assert value(after, "victo_submissions_total", channel="web") == (
        value(before, "victo_submissions_total", channel="web") + 1
    )
    healthz = {"route": "healthz", "method": "GET", "status": "200"}
    assert value(after, "victo_http_requests_total", **healthz) == (
        value(before, "victo_http_requests_total", **healthz) + 1
    )
    assert (
        value(after, "victo_http_request_duration_seconds_count", route="healthz", method="GET")
        >= 1
    )


def test_a_delivery_moves_the_counter_of_its_channel(scraper: Client, citizen: Any) -> None:
    row = Notification.objects.create(
        recipient=citizen, channel="email", kind="test", dedup_key="metrics-sent", body="…"
    )
    before = scrape(scraper)
    notifications_deliver(ids=[row.pk])
    after = scrape(scraper)
    sent = {"channel": "email", "outcome": "sent"}
    assert value(after, "victo_notification_deliveries_total", **sent) == (
        value(before, "victo_notification_deliveries_total", **sent) + 1
    )


def test_the_outbox_backlog_and_its_age_come_from_the_database(
    scraper: Client, citizen: Any
) -> None:
    Notification.objects.create(
        recipient=citizen, channel="sms", kind="test", dedup_key="metrics-1", body="…"
    )
    Notification.objects.create(
        recipient=citizen,
        channel="email",
        kind="test",
        dedup_key="metrics-2",
        status=NotificationStatus.FAILED,
    )
    text = scrape(scraper)
    assert value(text, "victo_outbox_backlog", channel="sms") == 1
    assert value(text, "victo_outbox_failed", channel="email") == 1
    assert value(text, "victo_outbox_oldest_pending_age_seconds") >= 0
    assert "victo_outbox_oldest_pending_age_seconds " in text
    assert "victo_requests_overdue " in text
    assert "victo_sla_breaches_total " in text


def test_route_labels_are_url_patterns_never_paths(scraper: Client, client: Client) -> None:
    client.get("/portail/suivi/ABCDEF-secret-token/")
    text = scrape(scraper)
    assert "ABCDEF-secret-token" not in text
