"""Push notifications on a browser, from the preferences page: Marie registers this browser
(a Web Push subscription, JSON, CSRF-protected, rate-limited) and removes it; Jean cannot
touch her devices; a malformed subscription gets a clear French answer."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.urls import reverse

from victo_crm.accounts.models import Consent
from victo_crm.notifications.models import PushDevice
from victo_crm.portal.services import web_push_device_register

pytestmark = pytest.mark.django_db

ENDPOINT = "https://fcm.googleapis.com/fcm/send/marie-telephone"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def p256dh() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def subscription(endpoint: str = ENDPOINT) -> dict[str, Any]:
    """What a browser's ``PushSubscription.toJSON()`` gives."""
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": p256dh(), "auth": b64url(os.urandom(16))},
    }


@pytest.fixture
def vapid(settings: Any) -> str:
    settings.VICTO_VAPID_PUBLIC_KEY = p256dh()
    return settings.VICTO_VAPID_PUBLIC_KEY


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def signed_in(user: Any) -> Client:
    """A browser that sends the CSRF header, as portal.js does."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get(reverse("portal:preferences"))  # sets the csrftoken cookie
    return browser


def post_json(browser: Client, url: str, payload: Any, *, csrf: bool = True) -> Any:
    headers = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value} if csrf else {}
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return browser.post(
        url, body, content_type="application/json", HTTP_ACCEPT="application/json", **headers
    )


def test_marie_registers_this_browser_and_removes_it(citizen: Any, verified: None) -> None:
    browser = signed_in(citizen)
    sub = subscription()
    answer = post_json(
        browser, reverse("portal:push_subscribe"), {"subscription": sub, "name": "Chrome · Android"}
    )
    assert answer.status_code == 201, answer.content
    device = PushDevice.objects.get(user=citizen)
    assert device.kind == PushDevice.Kind.WEB_PUSH and device.endpoint == ENDPOINT
    assert device.keys == sub["keys"] and device.name == "Chrome · Android"
    # Asking for push on this device is agreeing to it: without the consent nothing is sent.
    assert Consent.objects.filter(user=citizen, purpose="push", withdrawn_at=None).count() == 1
    assert answer.json() == {
        "id": device.pk,
        "message": "Cet appareil recevra vos notifications.",
        "unsubscribe_url": reverse("portal:push_unsubscribe", args=[device.pk]),
    }
    # The same browser again (new keys after a reinstall): still one device, refreshed.
    again = subscription()
    assert (
        post_json(browser, reverse("portal:push_subscribe"), {"subscription": again}).status_code
        == 201
    )
    device = PushDevice.objects.get(user=citizen)
    assert device.keys == again["keys"]

    removed = post_json(browser, answer.json()["unsubscribe_url"], {})
    assert removed.status_code == 200
    assert removed.json()["message"] == "Cet appareil ne recevra plus vos notifications."
    assert not PushDevice.objects.filter(user=citizen).exists()
    # Removing a device is not withdrawing the consent (that stays the citizen's choice).
    assert Consent.objects.filter(user=citizen, purpose="push", withdrawn_at=None).count() == 1


def test_jean_gets_404_on_marie_s_device_and_it_stays(
    citizen: Any, other_citizen: Any, verified: None
) -> None:
    device = web_push_device_register(user=citizen, subscription=subscription())
    jean = signed_in(other_citizen)
    url = reverse("portal:push_unsubscribe", args=[device.pk])
    assert post_json(jean, url, {}).status_code == 404
    assert jean.post(url, HTTP_X_CSRFTOKEN=jean.cookies["csrftoken"].value).status_code == 404
    assert PushDevice.objects.filter(pk=device.pk, user=citizen).exists()
    missing = reverse("portal:push_unsubscribe", args=[device.pk + 1000])
    assert post_json(signed_in(citizen), missing, {}).status_code == 404


def test_the_device_list_removes_a_device_without_javascript(marie: Client, citizen: Any) -> None:
    device = web_push_device_register(
        user=citizen, subscription=subscription(), name="Firefox · Windows"
    )
    page = marie.get(reverse("portal:preferences")).content.decode()
    assert "Firefox · Windows" in page and "Appareils inscrits" in page
    response = marie.post(reverse("portal:push_unsubscribe", args=[device.pk]))
    assert response.status_code == 302 and response["Location"].endswith("/preferences/#push")
    follow = marie.get(reverse("portal:preferences")).content.decode()
    assert "Cet appareil ne recevra plus vos notifications." in follow
    assert not PushDevice.objects.exists()


def test_without_the_csrf_header_nothing_is_stored(citizen: Any, verified: None) -> None:
    browser = signed_in(citizen)
    answer = post_json(
        browser, reverse("portal:push_subscribe"), {"subscription": subscription()}, csrf=False
    )
    assert answer.status_code == 403
    assert not PushDevice.objects.exists()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ("pas du JSON", "L’abonnement aux notifications est illisible."),
        ({"subscription": "texte"}, "L’abonnement aux notifications est illisible."),
        ({"subscription": {"keys": {}}}, "ne précise pas l’adresse du service de notification"),
        (
            {"subscription": {**subscription(), "endpoint": "http://push.example.net/x"}},
            "doit être une adresse https valide",
        ),
        (
            {"subscription": {**subscription(), "keys": {"p256dh": "abc", "auth": "def"}}},
            "clés de chiffrement de l’abonnement sont absentes ou invalides",
        ),
        (
            {"subscription": {"endpoint": ENDPOINT}},
            "clés de chiffrement de l’abonnement sont absentes ou invalides",
        ),
    ],
)
def test_a_malformed_subscription_gets_a_clear_french_answer(
    citizen: Any, verified: None, payload: Any, words: str
) -> None:
    answer = post_json(signed_in(citizen), reverse("portal:push_subscribe"), payload)
    assert answer.status_code == 400
    assert words in answer.json()["error"]
    assert answer["Content-Language"] == "fr"
    assert not PushDevice.objects.exists()


def test_a_script_hammering_the_endpoint_is_slowed_down(citizen: Any, verified: None) -> None:
    browser = signed_in(citizen)
    url = reverse("portal:push_subscribe")
    codes = [
        post_json(browser, url, {"subscription": subscription()}).status_code for _ in range(12)
    ]
    assert codes[:10] == [201] * 10 and codes[10:] == [429, 429]
    limited = post_json(browser, url, {"subscription": subscription()})
    assert "Trop de tentatives" in limited.json()["error"] and int(limited["Retry-After"]) > 0


def test_a_browser_that_changed_hands_belongs_to_its_new_account(
    citizen: Any, other_citizen: Any
) -> None:
    sub = subscription()
    web_push_device_register(user=other_citizen, subscription=sub)
    web_push_device_register(user=citizen, subscription=sub)
    assert list(PushDevice.objects.values_list("user", flat=True)) == [citizen.pk]


def test_the_button_is_offered_only_with_a_vapid_key(
    marie: Client, vapid: str, settings: Any
) -> None:
    page = marie.get(reverse("portal:preferences")).content.decode()
    assert "Recevoir les notifications sur cet appareil" in page
    assert f'data-key="{vapid}"' in page
    # Hidden until the page script has checked that this browser can receive push messages.
    assert "data-push-section hidden" in page and "data-push data-key" in page
    settings.VICTO_VAPID_PUBLIC_KEY = ""
    page = marie.get(reverse("portal:preferences")).content.decode()
    assert "Recevoir les notifications sur cet appareil" not in page and "data-push" not in page


def test_the_service_worker_shows_pushes_and_opens_their_link(client: Client) -> None:
    script = client.get(reverse("portal:service_worker")).content.decode()
    assert 'addEventListener("push"' in script and "showNotification" in script
    assert 'addEventListener("notificationclick"' in script and "openWindow" in script
    assert '"Ville de Victoriaville"' in script  # the title when a payload has none
