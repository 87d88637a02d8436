"""Chaos: while a notice fans out to 2,000 subscribers, Redis is stopped and the worker
killed (SIGKILL, no warm shutdown), then both are restarted: every message arrives exactly
once.

Redis here is our own server on a free port, without persistence: its restart loses every
queued task, as a real outage would. What brings the work back is the database: the
notice's fan-out cursor, the pending outbox rows and the relay (run by the worker's beat).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.alerts.models import AlertTopic, Notice, Subscription
from victo_crm.alerts.services import notice_publish, notice_save_draft
from victo_crm.notifications.models import Notification
from victo_crm.places.models import Address

from .conftest import Worker, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SUBSCRIBERS = 2000


def make_subscribers(topic: AlertTopic, count: int) -> None:
    addresses = Address.objects.bulk_create(
        Address(civic_number=n, street="rue des Chaos", latitude=46.05, longitude=-71.96)
        for n in range(1, 51)
    )
    users = User.objects.bulk_create(
        User(
            email=f"abonne{n:05d}@example.ca",
            password="!",
            preferred_language="fr" if n % 3 else "en",
        )
        for n in range(count)
    )
    Subscription.objects.bulk_create(
        Subscription(
            user=user, topic=topic, address=addresses[i % len(addresses)], channels=["email"]
        )
        for i, user in enumerate(users)
    )


@pytest.mark.slow
def test_a_redis_outage_and_a_killed_worker_lose_nothing_and_duplicate_nothing(
    rules, smtp_sink, broker_for_this_process, tmp_path
):
    sink, port = smtp_sink
    redis = broker_for_this_process
    topic = AlertTopic.objects.get(code="travaux")
    make_subscribers(topic, SUBSCRIBERS)
    # Its street is the whole registry here: a notice to the whole town, which needs the
    # permission of its own (a supervisor's).
    agent = User.objects.create_user(email="agent@victoriaville.ca", password="x", is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    notice = notice_save_draft(
        notice=Notice(
            topic=topic,
            title_fr="Rue des Chaos fermée",
            title_en="Rue des Chaos closed",
            body_fr="Fermeture complète.",
            body_en="Fully closed.",
            area_kind="streets",
            streets="rue des Chaos",
            starts_at=timezone.now(),
        ),
        actor=agent,
    )
    env = worker_env(broker=redis.url, smtp_port=port, fast_relay=True)
    worker = Worker(env, tmp_path / "worker.log", beat=True, concurrency=2)
    worker.start()
    try:
        published = notice_publish(notice=notice, actor=agent)
        assert published.audience_count == SUBSCRIBERS

        # Let delivery get going, then the outage: Redis first, then the worker dies.
        assert sink.wait_for(300, 120) >= 300
        redis.stop()
        # The worker's pool finishes the batch it holds (it needs the database and the SMTP
        # server, not Redis), then waits for the broker; that is when it is killed.
        time.sleep(3)
        worker.kill()
        during = sink.count()
        assert during < SUBSCRIBERS, "the outage came too late to test anything"
        time.sleep(2)

        redis.start()
        worker = Worker(env, tmp_path / "worker.log", beat=True, concurrency=2)
        worker.start()
        sink.wait_for(SUBSCRIBERS, 240)
        time.sleep(6)  # two more relay rounds: a duplicate would show up now
    finally:
        worker.kill()

    recipients = Counter(m["To"] for m in sink.messages)
    message_ids = Counter(m["Message-ID"] for m in sink.messages)
    assert len(sink.messages) == SUBSCRIBERS, (len(sink.messages), during)
    assert len(recipients) == SUBSCRIBERS and max(recipients.values()) == 1
    assert len(message_ids) == SUBSCRIBERS
    rows = Notification.objects.filter(group_key=f"notice:{notice.pk}")
    assert rows.count() == SUBSCRIBERS
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    notice.refresh_from_db()
    assert notice.status == "published" and notice.fanout_done_at is not None
    english = next(m for m in sink.messages if m["To"] == "abonne00000@example.ca")
    assert english["Subject"] == "Rue des Chaos closed"
