"""What became of a text: the SMS provider's status callbacks (Twilio's), signature checked
with the same code as the inbound texts' webhook, recorded per notification; a number that
can never receive a text is marked undeliverable, as a hard e-mail bounce marks an address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import sign_in
from tests.notifications.helpers import submit
from victo_crm.accounts.models import CommunicationPreference, Consent
from victo_crm.notifications.channels.sms import LocmemSmsBackend
from victo_crm.notifications.models import (
    DeliveryReceipt,
    Notification,
    NotificationRule,
    NotificationStatus,
    SmsOptOut,
    UndeliverableNumber,
)
from victo_crm.notifications.services import notifications_deliver, notifications_relay
from victo_crm.privacy.services import retention_purge
from victo_crm.service_requests.services import service_request_reply

from .test_sms import TOKEN, signed

STATUS_URL = "http://testserver/entrant/sms/twilio/statut/"
NUMBER = "+18195550123"


def report(client: Any, sid: str, status: str, *, code: str = "", token: str = TOKEN) -> Any:
    params = {
        "MessageSid": sid,
        "MessageStatus": status,
        "AccountSid": "AC123",
        "From": "+18195550000",
        "To": NUMBER,
    }
    if code:
        params["ErrorCode"] = code
    return client.post(
        STATUS_URL, params, HTTP_X_TWILIO_SIGNATURE=signed(params, token, url=STATUS_URL)
    )


@pytest.fixture
def texting(db: None, settings: Any, inbound_settings: Any, citizen: Any) -> Any:
    """Marie (819 555-0123) agreed to texts about her requests; receipts go by SMS too."""
    settings.VICTO_TWILIO_AUTH_TOKEN = TOKEN
    settings.VICTO_SMS_BACKEND = "victo_crm.notifications.channels.sms.LocmemSmsBackend"
    settings.SITE_URL = "http://testserver"
    settings.VICTO_QUIET_HOURS_START = settings.VICTO_QUIET_HOURS_END = 0  # whatever the hour
    LocmemSmsBackend.outbox.clear()
    citizen.phone = "819 555-0123"
    citizen.save()
    Consent.objects.create(user=citizen, purpose="sms", version="1")
    for kind in ("request_updates",):
        CommunicationPreference.objects.create(
            user=citizen, topic=kind, channel="sms", enabled=True
        )
    NotificationRule.objects.filter(event__in=["request_received", "public_reply"]).update(
        channels=["email", "in_app", "sms"]
    )
    return citizen


@pytest.fixture
def filed(texting, request_type, address, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(request_type, citizen=texting)


def the_text(sr: Any) -> Notification:
    return Notification.objects.get(request=sr, channel="sms", kind="request_received")


def test_a_text_carries_the_callback_and_its_provider_id_is_kept(filed):
    sent = the_text(filed)
    assert sent.status == NotificationStatus.SENT
    assert sent.provider_id == LocmemSmsBackend.outbox[0]["id"]
    assert LocmemSmsBackend.outbox[0]["status_callback"] == STATUS_URL


def test_delivered_is_recorded_on_the_notification(client, filed, agent):
    sid = the_text(filed).provider_id
    assert report(client, sid, "sent").status_code == 204  # on its way: nothing to record
    assert not DeliveryReceipt.objects.exists()
    assert report(client, sid, "delivered").status_code == 204
    assert report(client, sid, "delivered").status_code == 204  # a retried report
    receipt = DeliveryReceipt.objects.get()
    assert receipt.notification == the_text(filed)
    assert (receipt.kind, receipt.address) == (DeliveryReceipt.Kind.DELIVERED, NUMBER)

    # The clerk sees that the text arrived, on the request, beside that text only.
    staff = Client()
    sign_in(staff, agent)
    page = staff.get(f"/bureau/requetes/{filed.reference}/").content.decode()
    section = page[page.index('id="avis-envoyes"') :]
    assert section.count("Livré (avis reçu le") == 1
    sms_line = next(line for line in section.split("<li") if "Texto" in line or "SMS" in line)
    assert "Livré (avis reçu le" in sms_line


def test_an_unreachable_handset_is_temporary_and_stops_nothing(client, filed):
    report(client, the_text(filed).provider_id, "undelivered", code="30003")
    receipt = DeliveryReceipt.objects.get()
    assert receipt.kind == DeliveryReceipt.Kind.SOFT_BOUNCE
    assert receipt.status_code == "undelivered 30003"
    assert not UndeliverableNumber.objects.exists()


@pytest.mark.parametrize("code", ["21211", "21614", "30005", "30006"])
def test_a_number_that_can_never_receive_a_text_is_marked(client, filed, code):
    report(client, the_text(filed).provider_id, "failed", code=code)
    assert DeliveryReceipt.objects.get().kind == DeliveryReceipt.Kind.HARD_BOUNCE
    assert UndeliverableNumber.objects.get().number == NUMBER


def test_a_landline_is_shown_to_both_and_gets_no_more_texts(
    client, filed, texting, agent, django_capture_on_commit_callbacks
):
    report(client, the_text(filed).provider_id, "undelivered", code="30006")

    sign_in(client, agent)
    page = client.get(f"/bureau/requetes/{filed.reference}/").content.decode()
    assert "ne peut pas recevoir de textos" in page

    own = Client()
    own.force_login(texting)
    profile = own.get("/portail/profil/").content.decode()
    assert "ne vous parviennent pas" in profile and 'href="#id_phone"' in profile

    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Nous y allons demain.")
    refused = Notification.objects.get(request=filed, channel="sms", kind="public_reply")
    assert refused.status == NotificationStatus.FAILED and "undeliverable" in refused.last_error
    assert LocmemSmsBackend.outbox == []

    # Another number is free at once.
    texting.phone = "819 555-0199"
    texting.save()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reply(request=filed, actor=agent, text="Encore un mot.")
    assert [t["to"] for t in LocmemSmsBackend.outbox] == ["+18195550199"]
    assert "ne vous parviennent pas" not in own.get("/portail/profil/").content.decode()


def test_an_opt_out_at_the_provider_is_a_stop(client, filed):
    report(client, the_text(filed).provider_id, "failed", code="21610")
    assert SmsOptOut.objects.filter(number=NUMBER).exists()
    assert not UndeliverableNumber.objects.exists()


def test_a_forged_or_unsigned_report_is_refused_and_changes_nothing(client, filed):
    sid = the_text(filed).provider_id
    assert report(client, sid, "failed", code="30006", token="pas-le-bon").status_code == 403
    unsigned = client.post(STATUS_URL, {"MessageSid": sid, "MessageStatus": "failed"})
    assert unsigned.status_code == 403
    assert not DeliveryReceipt.objects.exists() and not UndeliverableNumber.objects.exists()


def test_a_report_on_an_unknown_text_is_acknowledged_and_changes_nothing(client, filed):
    assert report(client, "SMinconnu", "failed", code="30006").status_code == 204
    assert report(client, "SMinconnu", "failed", code="30006").status_code == 204  # retried
    # Kept, unlinked, in case its text is recorded late; it marks no number.
    waiting = DeliveryReceipt.objects.get()
    assert (waiting.notification, waiting.provider_id) == (None, "SMinconnu")
    assert not UndeliverableNumber.objects.exists()
    assert notifications_relay() == 0 and DeliveryReceipt.objects.get().notification is None
    # No text of ours ever claims it: the retention purge deletes it.
    later = timezone.now() + timedelta(days=31)
    assert retention_purge(now=later)["delivery_reports.unmatched"] == 1
    assert not DeliveryReceipt.objects.exists()


def test_a_report_that_comes_before_its_text_is_recorded_is_not_lost(
    client, texting, request_type, address
):
    """A wrong number fails within a second: the provider's report may come before the
    worker has recorded the text's id. It waits, and counts once the text is recorded."""
    sr = submit(request_type, citizen=texting)  # the delivery task has not run yet
    text = the_text(sr)
    assert text.status == NotificationStatus.PENDING
    next_id = f"locmem-{len(LocmemSmsBackend.outbox) + 1}"
    assert report(client, next_id, "failed", code="30006").status_code == 204
    assert not UndeliverableNumber.objects.exists()

    notifications_deliver(ids=[text.pk])  # the worker sends it and records its id

    text.refresh_from_db()
    assert (text.status, text.provider_id) == (NotificationStatus.SENT, next_id)
    receipt = DeliveryReceipt.objects.get()
    assert receipt.notification == text and receipt.kind == DeliveryReceipt.Kind.HARD_BOUNCE
    assert UndeliverableNumber.objects.filter(number=NUMBER).exists()


def test_a_report_that_crossed_the_worker_is_linked_by_the_relay(client, filed):
    """The report's transaction read before the worker recorded the id and wrote after the
    worker looked for waiting reports: the relay's next round links it, once."""
    text = the_text(filed)
    crossed = DeliveryReceipt.objects.create(
        provider_id=text.provider_id,
        address=NUMBER,
        kind=DeliveryReceipt.Kind.SOFT_BOUNCE,
        status_code="failed 21610",
    )
    notifications_relay()
    crossed.refresh_from_db()
    assert crossed.notification == text
    assert SmsOptOut.objects.filter(number=NUMBER).exists()  # what it says is done
    SmsOptOut.objects.all().delete()
    notifications_relay()  # nothing waits any more: nothing is done twice
    assert not SmsOptOut.objects.exists()


def test_the_relay_looks_only_at_the_last_day_of_waiting_reports(client, filed):
    # A text is recorded seconds after it is sent: a report waiting longer names a text not
    # ours, and the relay does not read it again every minute until the purge.
    text = the_text(filed)
    old = DeliveryReceipt.objects.create(
        provider_id=text.provider_id, address=NUMBER, kind=DeliveryReceipt.Kind.DELIVERED
    )
    DeliveryReceipt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    notifications_relay()
    old.refresh_from_db()
    assert old.notification is None
