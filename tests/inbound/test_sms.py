"""Texts both ways: the SMS provider's inbound webhook (Twilio's, signature checked)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from tests.notifications.helpers import submit
from victo_crm.accounts.models import CommunicationPreference, Consent
from victo_crm.inbound.models import InboundMessage, Reason, Status
from victo_crm.notifications.channels.sms import LocmemSmsBackend
from victo_crm.notifications.models import Notification, SmsOptOut
from victo_crm.service_requests.models import EventKind, RequestEvent

URL = "http://testserver/entrant/sms/twilio/"
TOKEN = "jeton-twilio-de-test"


def signed(params: dict[str, str], token: str = TOKEN, *, url: str = URL) -> str:
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    return base64.b64encode(
        hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


@pytest.fixture
def twilio(db: None, settings: Any, inbound_settings: Any) -> None:
    settings.VICTO_TWILIO_AUTH_TOKEN = TOKEN
    settings.VICTO_SMS_BACKEND = "victo_crm.notifications.channels.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()


def text(
    client: Any, body: str, *, sender: str = "+18195550123", sid: str = "SM1", token: str = TOKEN
):
    params = {"From": sender, "To": "+18195550000", "Body": body, "MessageSid": sid}
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signed(params, token))


@pytest.fixture
def texted(twilio, request_type, citizen, address, django_capture_on_commit_callbacks):
    """Marie (819 555-0123, SMS consent) was texted about her request."""
    citizen.phone = "819 555-0123"
    citizen.save()
    Consent.objects.create(user=citizen, purpose="sms", version="1")
    CommunicationPreference.objects.create(
        user=citizen, topic="request_updates", channel="sms", enabled=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        sr = submit(request_type, citizen=citizen)
    Notification.objects.create(
        recipient=citizen,
        channel="sms",
        kind="state_changed",
        request=sr,
        dedup_key="test-sms",
        status="sent",
    )
    return sr


def test_a_forged_signature_is_refused(client, twilio):
    assert text(client, "Bonjour", token="pas-le-bon").status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_reply_by_text_reaches_her_latest_request(client, texted, citizen):
    response = text(client, "Le trou est encore là")
    assert response.status_code == 200
    assert texted.reference in response.content.decode()
    event = RequestEvent.objects.get(request=texted, kind=EventKind.CITIZEN_COMMENT)
    assert event.message == "Le trou est encore là" and event.data["channel"] == "sms"
    assert InboundMessage.objects.get().status == Status.POSTED
    assert text(client, "Le trou est encore là").status_code == 200  # a retried webhook
    assert RequestEvent.objects.filter(request=texted, kind=EventKind.CITIZEN_COMMENT).count() == 1


@pytest.mark.parametrize("word", ["STOP", "ARRÊT", "arret", "Desabonner"])
def test_stop_words_end_texts_to_the_number_at_once(client, texted, word):
    response = text(client, word).content.decode()
    assert "ne recevrez plus de textos" in response and "START" in response
    assert SmsOptOut.objects.filter(number="+18195550123").exists()
    message = InboundMessage.objects.get()
    assert (message.status, message.reason) == (Status.RECORDED, Reason.KEYWORD)
    assert not RequestEvent.objects.filter(kind=EventKind.CITIZEN_COMMENT).exists()


def test_after_stop_no_text_goes_out(
    client, texted, citizen, agent, django_capture_on_commit_callbacks
):
    text(client, "STOP")
    from victo_crm.notifications.services import notifications_deliver

    row = Notification.objects.create(
        recipient=citizen,
        channel="sms",
        kind="public_reply",
        request=texted,
        dedup_key="after-stop",
        body="Bonjour",
        is_emergency=True,  # whatever the hour: the test may run in the quiet hours
    )
    notifications_deliver(ids=[row.pk])
    row.refresh_from_db()
    assert row.status == "skipped" and "STOP" in row.last_error
    assert LocmemSmsBackend.outbox == []


@pytest.mark.parametrize("word", ["AIDE", "help"])
def test_help_answers_with_the_towns_contact(client, twilio, word, settings):
    response = text(client, word, sender="+14185550199").content.decode()
    assert settings.VICTO_TOWN_CONTACT in response


def test_an_unknown_number_learns_nothing(client, twilio):
    response = text(client, "Où en est ma requête?", sender="+14185550199").content.decode()
    assert "aucune requête" in response
    assert InboundMessage.objects.get().reason == Reason.UNKNOWN_NUMBER
