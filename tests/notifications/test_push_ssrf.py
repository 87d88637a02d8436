"""Push endpoints cannot make the worker reach inside the network (server-side request forgery).

A hostile citizen registers a "Web Push subscription" that points at an internal service. The
API, the portal and the admin refuse it with the same check (https, an allowed push service);
and whatever is stored anyway (an old row, a row written straight to the database), the sender
checks again and connects only to public addresses: a real HTTP server listening on loopback
must never be hit, the device is deactivated and the notification fails for good.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from victo_crm.notifications.models import Notification, NotificationStatus, PushDevice
from victo_crm.notifications.push_endpoints import (
    PushAddressRefused,
    address_is_public,
    public_addresses,
    public_only_session,
    validate_push_endpoint,
)
from victo_crm.notifications.services import notifications_deliver

from ..api.conftest import ApiClient, session_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def marie_api(citizen: Any) -> ApiClient:
    from django.core.cache import cache

    cache.clear()
    return ApiClient(session_token_for(citizen))


ALLOWED = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk"


class Recorder(BaseHTTPRequestHandler):
    hits: list[str]

    def _hit(self) -> None:
        self.hits.append(f"{self.command} {self.path}")
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _hit

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def internal_service() -> Iterator[tuple[int, list[str]]]:
    """An internal HTTP service on loopback that records every request it receives."""
    hits: list[str] = []
    handler = type("Handler", (Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


HOSTILE = [
    "http://127.0.0.1:8199/metrics",
    "https://127.0.0.1/push",
    "https://169.254.169.254/latest/meta-data/",
    "https://intranet.victoriaville.local/admin",
    "https://push.example.net/send/x",
    "https://fcm.googleapis.com.attacker.example/fcm/send/x",
    "https://user:secret@fcm.googleapis.com/fcm/send/x",
    "ftp://fcm.googleapis.com/x",
]


@pytest.mark.parametrize("endpoint", HOSTILE)
def test_the_api_refuses_an_endpoint_outside_the_push_services(
    marie_api: Any, endpoint: str
) -> None:
    answer = marie_api.post(
        "/api/v1/devices/",
        data=json.dumps({"kind": "webpush", "endpoint": endpoint, "keys": browser_keys()}),
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in answer.json()["errors"]] == ["#/endpoint"]
    assert not PushDevice.objects.exists()


def test_the_api_accepts_a_real_push_service_and_a_mobile_token(marie_api: Any) -> None:
    for body in (
        {"kind": "webpush", "endpoint": ALLOWED, "keys": browser_keys()},
        {"kind": "webpush", "endpoint": "https://wns2-bl2p.notify.windows.com/w/?token=x"},
        {"kind": "fcm", "endpoint": "dGVzdC10b2tlbg:APA91bH-x_y"},
    ):
        body.setdefault("keys", browser_keys())
        answer = marie_api.post(
            "/api/v1/devices/", data=json.dumps(body), content_type="application/json"
        )
        assert answer.status_code == 201, answer.content
    assert PushDevice.objects.count() == 3


def test_a_mobile_token_that_is_a_url_is_refused(marie_api: Any) -> None:
    answer = marie_api.post(
        "/api/v1/devices/",
        data=json.dumps({"kind": "fcm", "endpoint": "http://127.0.0.1:8199/x"}),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "jeton" in answer.json()["errors"][0]["detail"]


@pytest.mark.parametrize("endpoint", HOSTILE[:5])
def test_the_portal_refuses_the_same_endpoints(citizen: Any, endpoint: str, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=citizen, email=citizen.email, defaults={"verified": True, "primary": True}
    )
    client = Client()
    client.force_login(citizen)
    answer = client.post(
        reverse("portal:push_subscribe"),
        data=json.dumps({"subscription": {"endpoint": endpoint, "keys": browser_keys()}}),
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.content
    assert "service de notification" in answer.json()["error"]
    assert not PushDevice.objects.exists()


def test_the_admin_form_check_is_the_same(citizen: Any) -> None:
    device = PushDevice(user=citizen, kind="webpush", endpoint="http://127.0.0.1:8199/x")
    with pytest.raises(ValidationError) as error:
        device.full_clean()
    assert "endpoint" in error.value.message_dict


def test_the_allow_list_is_configurable(settings: Any) -> None:
    settings.VICTO_PUSH_ALLOWED_HOSTS = ["push.ville.example"]
    validate_push_endpoint(kind="webpush", endpoint="https://push.ville.example/x")
    with pytest.raises(ValidationError):
        validate_push_endpoint(kind="webpush", endpoint=ALLOWED)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("142.250.65.74", True),
        ("2607:f8b0:4020:803::200a", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_public_unicast_addresses_are_reachable(address: str, public: bool) -> None:
    assert address_is_public(address) is public


def test_a_name_with_one_internal_address_among_public_ones_is_refused(monkeypatch: Any) -> None:
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("142.250.65.74", 443)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(PushAddressRefused):
        public_addresses("rebind.example", 443)


def test_the_session_never_connects_to_loopback(internal_service: tuple[int, list[str]]) -> None:
    port, hits = internal_service
    assert requests.get(f"http://127.0.0.1:{port}/control", timeout=5).status_code == 201
    assert hits == ["GET /control"]  # the service answers an ordinary client

    with pytest.raises(PushAddressRefused):
        public_only_session().post(f"http://127.0.0.1:{port}/push", data=b"x", timeout=5)
    with pytest.raises(PushAddressRefused):
        public_only_session().post(f"http://localhost:{port}/push", data=b"x", timeout=5)
    assert hits == ["GET /control"]


def push_to(citizen: Any, endpoint: str) -> Notification:
    from victo_crm.accounts.models import ConsentPurpose
    from victo_crm.accounts.services import consent_give

    consent_give(user=citizen, purpose=ConsentPurpose.PUSH)
    # Written straight to the database, as an old or tampered row would be: no validation.
    PushDevice.objects.bulk_create(
        [
            PushDevice(
                user=citizen,
                kind="webpush",
                endpoint=endpoint,
                keys=browser_keys(),
                endpoint_hash=endpoint,
            )
        ]
    )
    return Notification.objects.create(
        recipient=citizen,
        channel="push",
        kind="notice",
        topic="emergencies",
        group_key="notice:7",
        is_emergency=True,
        subject="Avis d’ébullition",
        body="Faites bouillir l’eau.",
        dedup_key=f"ssrf-{endpoint}",
    )


@pytest.mark.parametrize("scheme_host", ["http://127.0.0.1", "https://localhost"])
def test_a_stored_internal_endpoint_is_never_reached(
    citizen: Any,
    settings: Any,
    internal_service: tuple[int, list[str]],
    scheme_host: str,
) -> None:
    port, hits = internal_service
    settings.VICTO_VAPID_PRIVATE_KEY = b64url(
        ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")
    )
    # Even an operator who (wrongly) allowed the host does not open the internal network:
    # the address check after name resolution still refuses it.
    settings.VICTO_PUSH_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    notification = push_to(citizen, f"{scheme_host}:{port}/internal")

    report = notifications_deliver(ids=[notification.pk])

    assert hits == []
    notification.refresh_from_db()
    assert report.failed == 1, notification.last_error
    assert notification.status == NotificationStatus.FAILED
    assert "refused" in notification.last_error
    assert not PushDevice.objects.get().is_active  # not tried again on the next notice


def test_a_stored_endpoint_off_the_allow_list_is_refused_before_any_resolution(
    citizen: Any, settings: Any, internal_service: tuple[int, list[str]], monkeypatch: Any
) -> None:
    port, hits = internal_service
    settings.VICTO_VAPID_PRIVATE_KEY = "private"
    resolved: list[Any] = []
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: resolved.append(a) or real(*a, **k))
    notification = push_to(citizen, f"http://127.0.0.1:{port}/metrics")

    notifications_deliver(ids=[notification.pk])

    assert hits == [] and resolved == []
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert not PushDevice.objects.get().is_active
