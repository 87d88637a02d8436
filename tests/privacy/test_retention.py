"""Retention periods (``settings.VICTO_RETENTION``): personal data whose purpose is met is
purged by beat (``privacy.purge``), each period configurable, nothing purged early."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from victo_crm.accounts.models import Channel, User
from victo_crm.notifications.models import Notification, NotificationStatus
from victo_crm.portal.services import service_request_submit_once
from victo_crm.privacy import tasks
from victo_crm.privacy.services import retention_purge
from victo_crm.service_requests.models import Attachment, Receipt, ServiceRequest, Upload
from victo_crm.service_requests.services import Contact, service_request_submit
from victo_crm.service_requests.uploads import upload_create

pytestmark = pytest.mark.django_db

T0 = timezone.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone())


def test_the_purge_is_in_the_beat_schedule_and_runs_the_retention_purge() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-purge"]
    assert entry["task"] == tasks.purge.name == "privacy.purge"
    assert entry["schedule"] == settings.VICTO_PRIVACY_PURGE_INTERVAL_SECONDS


def test_a_pending_upload_and_its_file_go_when_it_expires(
    citizen: User, make_image: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        upload = upload_create(owner=citizen, file=make_image("cour.jpg", exif=True))
    path = Path(upload.file.path)

    with time_machine.travel(T0 + timedelta(hours=23), tick=False):
        assert retention_purge()["pending_uploads.expired"] == 0
    with (
        time_machine.travel(T0 + timedelta(hours=24, seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.purge()["pending_uploads.expired"] == 1
    assert not Upload.objects.exists() and not path.exists()


def test_the_upload_period_is_configurable(citizen: User, make_image: Any, settings: Any) -> None:
    settings.VICTO_RETENTION = {**settings.VICTO_RETENTION, "pending_uploads": timedelta(hours=2)}
    with time_machine.travel(T0, tick=False):
        upload = upload_create(owner=citizen, file=make_image())
    assert upload.expires_at == T0 + timedelta(hours=2)


def _notification(**values: Any) -> Notification:
    defaults = {
        "channel": Channel.EMAIL,
        "address": "invite@example.ca",
        "subject": "Votre requête",
        "body": "Bonjour Lucie Roy",
        "context": {"name": "Lucie Roy"},
        "status": NotificationStatus.SENT,
        "dedup_key": f"k{Notification.objects.count()}",
    }
    return Notification.objects.create(**{**defaults, **values})


def test_delivered_outbox_bodies_and_old_inbox_messages_are_purged(
    citizen: User, settings: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        sent = _notification()
        pending = _notification(status=NotificationStatus.PENDING)
        inbox = _notification(channel=Channel.IN_APP, recipient=citizen, address="")
    with time_machine.travel(T0 + timedelta(days=89), tick=False):
        recent = _notification()
        assert retention_purge()["notifications.outbox_bodies"] == 0

    with time_machine.travel(T0 + timedelta(days=91), tick=False):
        counts = retention_purge()
    assert counts["notifications.outbox_bodies"] == 1
    sent.refresh_from_db()
    # The row (and its de-duplication key) stays, so a replay still sends nothing twice.
    assert (sent.subject, sent.body, sent.address, sent.context) == ("", "", "", {})
    assert sent.dedup_key == "k0"
    pending.refresh_from_db()
    recent.refresh_from_db()
    assert pending.body and recent.body  # not yet delivered; not yet due
    assert Notification.objects.filter(pk=inbox.pk).exists()

    with time_machine.travel(T0 + timedelta(days=366), tick=False):
        assert retention_purge()["notifications.in_app_notifications"] == 1
    assert not Notification.objects.filter(pk=inbox.pk).exists()


def test_expired_api_replays_and_old_portal_receipts_are_purged(
    citizen: User, request_type: Any, address: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        Receipt.objects.create(
            scope=f"u:{citizen.pk}",
            key="cle",
            fingerprint="x",
            response_body='{"contact_name": "Marie"}',
            expires_at=T0 + settings.VICTO_RETENTION["idempotency_records"],
        )
        service_request_submit_once(
            token="t1",
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "petit"},
            address=address,
        )
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        counts = retention_purge()
    assert counts["receipts.expired"] == 1  # the API's (a day), not yet the portal's
    assert Receipt.objects.get().key == "t1"
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        assert retention_purge()["receipts.expired"] == 1
    assert not Receipt.objects.exists()


def test_a_long_closed_guest_request_loses_its_contact_and_original_photos(
    citizen: User,
    request_type: Any,
    address: Any,
    make_image: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with time_machine.travel(T0, tick=False):
        guest = service_request_submit(
            request_type=request_type,
            contact=Contact(name="Lucie Roy", email="lucie@example.ca", phone="819 555-0199"),
            field_values={"taille": "petit"},
            address=address,
            photos=[make_image("cour.jpg", exif=True)],
            channel="open311",
        )
        open_one = service_request_submit(
            request_type=request_type,
            contact=Contact(name="Paul", email="paul@example.ca"),
            field_values={"taille": "petit"},
            address=address,
        )
    ServiceRequest.objects.filter(pk=guest.pk).update(closed_at=T0 + timedelta(days=1))
    original = Path(Attachment.objects.get(request=guest).file.path)

    with time_machine.travel(T0 + timedelta(days=1094), tick=False):
        assert retention_purge()["requests.guest_contacts"] == 0
    with (
        time_machine.travel(T0 + timedelta(days=1097), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        counts = retention_purge()
    assert counts["requests.guest_contacts"] == 1 and counts["requests.original_photos"] == 1
    guest.refresh_from_db()
    assert (guest.contact_name, guest.contact_email, guest.contact_phone) == ("", "", "")
    assert guest.tracking_token_hash == ""
    assert not original.exists()
    attachment = Attachment.objects.get(request=guest)
    assert attachment.file.name == attachment.public_file.name
    assert Path(attachment.public_file.path).exists()
    open_one.refresh_from_db()
    assert open_one.contact_email == "paul@example.ca"  # still being handled
