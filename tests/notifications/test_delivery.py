"""Delivery: claimed before sending, retried with backoff, failed with a reason, relayed."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from django.core import mail
from django.utils import timezone

from victo_crm.notifications.channels import DeliveryError
from victo_crm.notifications.models import Notification
from victo_crm.notifications.services import notifications_deliver, notifications_relay

from .helpers import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_email(request_type, citizen, town):
    request = submit(request_type, citizen=citizen)
    return Notification.objects.get(request=request, channel="email")


class TestInTheEmbeddedSetup:
    def test_a_submission_is_mailed_on_commit_in_the_citizens_language(
        self, request_type, other_citizen, town, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit(request_type, citizen=other_citizen)

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["jean@example.ca"]
        assert message.subject == f"We received your request {request.reference}"
        assert message.extra_headers["Content-Language"] == "en"
        html = message.alternatives[0][0]
        assert '<html lang="en">' in html
        assert "/alertes/desabonnement/" in message.body and "/alertes/desabonnement/" in html
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        statuses = dict(
            Notification.objects.filter(request=request).values_list("channel", "status")
        )
        assert statuses == {"email": "sent", "in_app": "sent"}


class TestClaimBeforeSend:
    def test_delivering_twice_sends_once(self, pending_email):
        notifications_deliver(ids=[pending_email.pk])
        notifications_deliver(ids=[pending_email.pk])
        assert len(mail.outbox) == 1
        pending_email.refresh_from_db()
        assert (pending_email.status, pending_email.attempts) == ("sent", 1)

    def test_a_row_another_worker_claimed_is_left_alone(self, pending_email):
        Notification.objects.filter(pk=pending_email.pk).update(
            status="sending", claimed_at=timezone.now()
        )
        report = notifications_deliver(ids=[pending_email.pk])
        assert report.sent == 0 and mail.outbox == []


class TestFailures:
    def test_a_failure_is_retried_later_with_a_growing_delay(
        self, pending_email, monkeypatch, settings
    ):
        settings.VICTO_NOTIFICATION_RETRY_BASE_SECONDS = 60

        def broken(self, notification):
            raise DeliveryError("421 service not available")

        monkeypatch.setattr("victo_crm.notifications.channels.email.EmailChannel.send", broken)
        notifications_deliver(ids=[pending_email.pk])
        pending_email.refresh_from_db()
        assert pending_email.status == "pending" and pending_email.attempts == 1
        assert "421" in pending_email.last_error
        first_delay = pending_email.not_before - timezone.now()
        assert timedelta(seconds=55) < first_delay <= timedelta(seconds=60)

        # Not due yet: nothing happens.
        assert notifications_deliver(ids=[pending_email.pk]).retry == 0
        Notification.objects.filter(pk=pending_email.pk).update(not_before=timezone.now())
        notifications_deliver(ids=[pending_email.pk])
        pending_email.refresh_from_db()
        second_delay = pending_email.not_before - timezone.now()
        assert pending_email.attempts == 2 and second_delay > timedelta(seconds=110)

    def test_a_mail_server_down_for_a_night_loses_nothing(self, pending_email, settings):
        """With the default limits, an e-mail whose server refuses every connection is tried
        again with backoff for a day before it is failed: a night's outage loses nothing."""
        import time_machine

        from .conftest import free_port

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
        start = timezone.now()
        tries: list[timedelta] = []
        with time_machine.travel(start, tick=False) as clock:
            while len(tries) < 100:
                tries.append(timezone.now() - start)
                notifications_deliver(ids=[pending_email.pk])
                pending_email.refresh_from_db()
                if pending_email.status != "pending":
                    break
                clock.move_to(pending_email.not_before)
        assert pending_email.status == "failed" and pending_email.last_error
        assert pending_email.attempts == len(tries) == settings.VICTO_NOTIFICATION_MAX_ATTEMPTS
        # Still pending at the start of the next working day, failed only after a day.
        assert tries[-2] > timedelta(hours=12) and tries[-1] >= timedelta(hours=23)
        assert all(later - earlier <= timedelta(hours=1) for earlier, later in pairwise(tries))

    def test_after_the_limit_it_fails_with_its_reason(self, pending_email, monkeypatch, settings):
        settings.VICTO_NOTIFICATION_MAX_ATTEMPTS = 3

        def broken(self, notification):
            raise DeliveryError("550 mailbox unavailable")

        monkeypatch.setattr("victo_crm.notifications.channels.email.EmailChannel.send", broken)
        for _ in range(3):
            Notification.objects.filter(pk=pending_email.pk).update(not_before=None)
            notifications_deliver(ids=[pending_email.pk])
        pending_email.refresh_from_db()
        assert (pending_email.status, pending_email.attempts) == ("failed", 3)
        assert pending_email.last_error == "550 mailbox unavailable"

    def test_a_failed_row_is_visible_on_the_request(self, pending_email, monkeypatch, settings):
        from victo_crm.notifications.selectors import notifications_for_request

        settings.VICTO_NOTIFICATION_MAX_ATTEMPTS = 1
        monkeypatch.setattr(
            "victo_crm.notifications.channels.email.EmailChannel.send",
            lambda self, n: (_ for _ in ()).throw(DeliveryError("boom")),
        )
        notifications_deliver(ids=[pending_email.pk])
        failed = notifications_for_request(pending_email.request).get(channel="email")
        assert (failed.status, failed.last_error) == ("failed", "boom")


class TestTheRelay:
    def test_it_queues_what_waited_too_long_and_only_that(
        self, pending_email, settings, django_capture_on_commit_callbacks
    ):
        settings.VICTO_RELAY_AFTER_SECONDS = 120
        assert notifications_relay() == 0  # just queued: the task is on its way
        Notification.objects.filter(request=pending_email.request).update(
            queued_at=timezone.now() - timedelta(minutes=5)
        )
        assert notifications_relay() == 2  # e-mail and in-app
        assert len(mail.outbox) == 1  # eager: the relay's task ran in-process

    def test_it_frees_a_row_a_dead_worker_left_sending(self, pending_email, settings):
        settings.VICTO_SENDING_STALE_SECONDS = 600
        Notification.objects.filter(pk=pending_email.pk).update(
            status="sending", claimed_at=timezone.now() - timedelta(minutes=11), queued_at=None
        )
        notifications_relay()
        pending_email.refresh_from_db()
        assert pending_email.status == "sent"
        assert len(mail.outbox) == 1
