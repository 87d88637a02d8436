"""Mobile push through Firebase Cloud Messaging (HTTP v1), against a fake of Google's two
endpoints (OAuth token and messages:send) served on loopback: the fake stands for the
outside provider, our code is the real thing."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from victo_crm.accounts.models import Consent
from victo_crm.notifications.channels import DeliveryError, SkipDeliveryError
from victo_crm.notifications.channels import fcm as fcm_module
from victo_crm.notifications.channels.push import PushChannel
from victo_crm.notifications.models import Notification, PushDevice
from victo_crm.notifications.services import notifications_deliver

pytestmark = pytest.mark.django_db

PROJECT = "victoriaville-citoyen"


class FakeFcm:
    """Google's token endpoint and FCM's send endpoint, as far as we use them. Each device
    token may be given an answer (status, error code) to return."""

    def __init__(self, public_key: Any) -> None:
        self.public_key = public_key
        self.assertions: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.answers: dict[str, list[tuple[int, str]]] = {}
        self.issued = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake.lock:
                    if self.path == "/token":
                        form = parse_qs(raw.decode())
                        claims = fake.verify(form["assertion"][0])
                        fake.assertions.append({"grant": form["grant_type"][0], **claims})
                        fake.issued += 1
                        self.reply(
                            200,
                            {
                                "access_token": f"jeton-{fake.issued}",
                                "expires_in": 3599,
                                "token_type": "Bearer",
                            },
                        )
                        return
                    if self.path != f"/v1/projects/{PROJECT}/messages:send":
                        self.reply(404, {"error": {"message": "no such path"}})
                        return
                    body = json.loads(raw)
                    device = body["message"]["token"]
                    planned = fake.answers.get(device) or []
                    status, code = planned.pop(0) if planned else (200, "")
                    if status == 401 and self.headers["Authorization"] != "Bearer jeton-2":
                        self.reply(401, {"error": {"status": "UNAUTHENTICATED"}})
                        return
                    if status not in (200, 401):
                        self.reply(
                            status,
                            {
                                "error": {
                                    "code": status,
                                    "message": f"answer {code}",
                                    "status": "ERROR",
                                    "details": [{"errorCode": code}],
                                }
                            },
                        )
                        return
                    fake.sent.append({"auth": self.headers["Authorization"], **body["message"]})
                    self.reply(200, {"name": f"projects/{PROJECT}/messages/{len(fake.sent)}"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, assertion: str) -> dict[str, Any]:
        """Check the RS256 signature with the service account's public key, as Google does."""
        head, claims, signature = assertion.split(".")
        padded = signature + "=" * (-len(signature) % 4)
        self.public_key.verify(
            base64.urlsafe_b64decode(padded),
            f"{head}.{claims}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        return json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))


@pytest.fixture
def fake_fcm(settings: Any, tmp_path: Any) -> Iterator[FakeFcm]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake = FakeFcm(key.public_key())
    fake.thread.start()
    credentials = tmp_path / "service-account.json"
    credentials.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "cle-1",
                "private_key": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
                "client_email": f"envoi@{PROJECT}.iam.gserviceaccount.com",
                "token_uri": f"{fake.url}/token",
            }
        )
    )
    settings.VICTO_FCM_CREDENTIALS_FILE = str(credentials)
    settings.VICTO_FCM_API_BASE = fake.url
    fcm_module._tokens.clear()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    fcm_module._tokens.clear()


@pytest.fixture
def phones(citizen: Any) -> list[PushDevice]:
    return [
        PushDevice.objects.create(user=citizen, kind="fcm", name=name, endpoint=token)
        for name, token in (("Pixel de Marie", "jeton-pixel"), ("iPhone de Marie", "jeton-iphone"))
    ]


def boil_water(citizen: Any, **extra: Any) -> Notification:
    values: dict[str, Any] = {
        "recipient": citizen,
        "channel": "push",
        "kind": "notice",
        "topic": "emergencies",
        "group_key": "notice:7",
        "is_emergency": True,
        "subject": "Avis d’ébullition préventif",
        "body": "Faites bouillir l’eau une minute avant de la boire.",
        "link": "https://www.victoriaville.ca/alertes/en-vigueur/7/",
        "dedup_key": "notice:7:u1:push",
    }
    values.update(extra)
    return Notification.objects.create(**values)


class TestSending:
    def test_each_device_gets_the_message_with_one_signed_token_request(
        self, fake_fcm, phones, citizen
    ):
        channel = PushChannel()
        channel.send(boil_water(citizen))
        channel.send(boil_water(citizen, dedup_key="again"))

        assert [m["token"] for m in fake_fcm.sent] == ["jeton-pixel", "jeton-iphone"] * 2
        first = fake_fcm.sent[0]
        assert first["notification"] == {
            "title": "Avis d’ébullition préventif",
            "body": "Faites bouillir l’eau une minute avant de la boire.",
        }
        assert first["data"]["url"] == "https://www.victoriaville.ca/alertes/en-vigueur/7/"
        assert first["data"]["urgent"] == "1" and first["android"]["priority"] == "high"
        assert first["auth"] == "Bearer jeton-1"
        # One access token for the four sends; its JWT is the service account's, signed.
        [assertion] = fake_fcm.assertions
        assert assertion["grant"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        assert assertion["iss"] == f"envoi@{PROJECT}.iam.gserviceaccount.com"
        assert assertion["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
        assert assertion["aud"] == f"{fake_fcm.url}/token"
        assert assertion["exp"] - assertion["iat"] == 3600
        for phone in phones:
            phone.refresh_from_db()
            assert phone.last_used_at is not None

    def test_an_unregistered_device_is_deactivated_and_the_others_still_served(
        self, fake_fcm, phones, citizen
    ):
        fake_fcm.answers["jeton-pixel"] = [(404, "UNREGISTERED")]
        PushChannel().send(boil_water(citizen))
        assert [m["token"] for m in fake_fcm.sent] == ["jeton-iphone"]
        pixel, iphone = (PushDevice.objects.get(pk=p.pk) for p in phones)
        assert (pixel.is_active, iphone.is_active) == (False, True)

    def test_an_outage_is_temporary_and_keeps_the_device(self, fake_fcm, phones, citizen):
        for phone in phones:
            fake_fcm.answers[phone.endpoint] = [(503, "UNAVAILABLE")]
        with pytest.raises(DeliveryError) as error:
            PushChannel().send(boil_water(citizen))
        assert not isinstance(error.value, SkipDeliveryError)
        assert "503" in str(error.value)
        assert PushDevice.objects.filter(is_active=True).count() == 2

    def test_a_refused_access_token_is_renewed_once(self, fake_fcm, phones, citizen):
        fake_fcm.answers["jeton-pixel"] = [(401, "")]
        PushChannel().send(boil_water(citizen))
        assert [m["auth"] for m in fake_fcm.sent] == ["Bearer jeton-2", "Bearer jeton-2"]
        assert len(fake_fcm.assertions) == 2


class TestThroughTheOutbox:
    @pytest.fixture
    def consenting(self, citizen):
        Consent.objects.create(user=citizen, purpose="push", version="1")
        return citizen

    def test_a_push_row_is_sent_and_marked(self, fake_fcm, phones, consenting):
        row = boil_water(consenting, is_emergency=False, topic="road_works")
        with time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("America/Toronto"))):
            report = notifications_deliver(ids=[row.pk])
        row.refresh_from_db()
        assert (report.sent, row.status) == (1, "sent")
        assert len(fake_fcm.sent) == 2

    def test_without_fcm_configured_the_app_devices_are_skipped_with_the_reason(
        self, settings, phones, consenting
    ):
        settings.VICTO_FCM_CREDENTIALS_FILE = ""
        row = boil_water(consenting)
        report = notifications_deliver(ids=[row.pk])
        row.refresh_from_db()
        assert (report.skipped, row.status) == (1, "skipped")
        assert "no push service configured" in row.last_error
        assert PushDevice.objects.filter(is_active=True).count() == 2
