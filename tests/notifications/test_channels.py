"""The SMS provider adapter and Web Push, without the internet."""

from __future__ import annotations

from typing import Any

import pytest

from victo_crm.notifications.channels import DeliveryError, PermanentDeliveryError
from victo_crm.notifications.channels.push import WebPushChannel
from victo_crm.notifications.channels.sms import (
    TwilioSmsBackend,
    UndeliverableNumberError,
    normalize_number,
    sms_text,
)
from victo_crm.notifications.models import Notification, PushDevice


class FakeResponse:
    def __init__(self, status: int, data: dict[str, Any] | None = None) -> None:
        self.status_code = status
        self._data = data or {}
        self.text = str(self._data)

    def json(self) -> dict[str, Any]:
        return self._data


class FakeSession:
    def __init__(self, response: FakeResponse) -> None:
        self.response = response
        self.calls: list[dict[str, Any]] = []

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append({"url": url, **kwargs})
        return self.response


@pytest.fixture
def twilio(settings):
    settings.VICTO_TWILIO_ACCOUNT_SID = "AC123"
    settings.VICTO_TWILIO_AUTH_TOKEN = "secret"
    settings.VICTO_TWILIO_FROM_NUMBER = "+18195550000"


class TestTwilio:
    def test_it_posts_the_message_with_basic_auth(self, twilio):
        session = FakeSession(FakeResponse(201, {"sid": "SM1"}))
        assert TwilioSmsBackend(session).send(to="+18197580555", body="Bonjour") == "SM1"
        call = session.calls[0]
        assert call["url"] == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
        assert call["data"] == {"To": "+18197580555", "From": "+18195550000", "Body": "Bonjour"}
        assert call["auth"] == ("AC123", "secret")

    def test_it_asks_for_delivery_reports_at_the_callback(self, twilio):
        session = FakeSession(FakeResponse(201, {"sid": "SM1"}))
        TwilioSmsBackend(session).send(
            to="+18197580555", body="Bonjour", status_callback="https://ville/statut/"
        )
        assert session.calls[0]["data"]["StatusCallback"] == "https://ville/statut/"

    @pytest.mark.parametrize("code", [21211, 21614])
    def test_a_number_refused_for_good_says_so(self, twilio, code):
        refused = FakeResponse(400, {"code": code, "message": "not a valid mobile number"})
        with pytest.raises(UndeliverableNumberError) as error:
            TwilioSmsBackend(FakeSession(refused)).send(to="+18197580555", body="x")
        assert error.value.code == str(code)

    def test_a_refusal_is_permanent_and_an_outage_is_not(self, twilio):
        with pytest.raises(PermanentDeliveryError):
            TwilioSmsBackend(FakeSession(FakeResponse(400))).send(to="+1", body="x")
        with pytest.raises(DeliveryError) as error:
            TwilioSmsBackend(FakeSession(FakeResponse(503))).send(to="+1", body="x")
        assert not isinstance(error.value, PermanentDeliveryError)

    def test_numbers_are_normalized_and_texts_kept_short(self):
        assert normalize_number("(819) 758-0555") == "+18197580555"
        with pytest.raises(PermanentDeliveryError):
            normalize_number("123")
        long = Notification(subject="Avis", body="x" * 1000, link="https://v.ca/a")
        text = sms_text(long)
        assert len(text) <= 320 and text.endswith("https://v.ca/a")


@pytest.mark.django_db
class TestWebPush:
    def test_a_gone_subscription_is_deactivated(self, citizen, settings, monkeypatch):
        from pywebpush import WebPushException

        settings.VICTO_VAPID_PRIVATE_KEY = "private"
        alive = PushDevice.objects.create(
            user=citizen,
            kind="webpush",
            endpoint="https://fcm.googleapis.com/fcm/send/a",
            keys={"p256dh": "k", "auth": "a"},
        )
        gone = PushDevice.objects.create(
            user=citizen,
            kind="webpush",
            endpoint="https://fcm.googleapis.com/fcm/send/b",
            keys={"p256dh": "k", "auth": "a"},
        )
        sent: list[str] = []

        def fake_webpush(subscription_info, data, **kwargs):
            if subscription_info["endpoint"].endswith("/b"):
                raise WebPushException("gone", response=FakeResponse(410))
            assert kwargs["vapid_claims"]["sub"].startswith("mailto:")
            sent.append(data)

        monkeypatch.setattr("pywebpush.webpush", fake_webpush)
        WebPushChannel().send(
            Notification(recipient=citizen, subject="Bris d’aqueduc", body="…", dedup_key="k")
        )
        assert len(sent) == 1 and "Bris d’aqueduc" in sent[0]
        alive.refresh_from_db()
        gone.refresh_from_db()
        assert alive.is_active and alive.last_used_at and not gone.is_active

    def test_without_vapid_keys_push_fails_for_good(self, citizen, settings):
        settings.VICTO_VAPID_PRIVATE_KEY = ""
        with pytest.raises(PermanentDeliveryError):
            WebPushChannel().send(Notification(recipient=citizen, dedup_key="k"))
