"""Errors reach a Sentry-compatible service when a DSN is set, and carry no personal data
(core/error_reports.py; Law 25). The service is a real HTTP server on a loopback port standing
in for Sentry's ingest endpoint: the SDK sends it a real envelope."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from victo_crm import urls as project_urls
from victo_crm.core import error_reports

EMAIL = "jeanne.tremblay@example.com"
PHONE = "819-555-0142"
POSTAL = "G6P 1A1"
NAME = "Jeanne Tremblay"
STREET = "12 rue des Érables"
TOKEN = "tracking-token-s3cr3t"


def boom(request: HttpRequest, token: str) -> HttpResponse:
    citizen = {"name": NAME, "address": STREET, "email": EMAIL}  # a local: never sent
    raise RuntimeError(f"delivery to {EMAIL} ({PHONE}, {POSTAL}) failed for {len(citizen)}")


urlpatterns = [path("boom/<str:token>/", boom), *project_urls.urlpatterns]


class Sink(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]

            body = brotli.decompress(body)
        Sink.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sentry_sink() -> Iterator[str]:
    Sink.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield f"http://public-key@127.0.0.1:{port}/42"
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)  # off again for the other tests
        server.shutdown()
        server.server_close()


def events() -> list[dict[str, Any]]:
    found = []
    for _path, body in Sink.received:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_without_a_dsn_nothing_is_reported() -> None:
    assert error_reports.init("") is False
    assert sentry_sdk.get_client().dsn is None


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_server_error_is_reported_without_personal_data(sentry_sink: str, settings: Any) -> None:
    assert error_reports.init(sentry_sink, environment="test")
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-of-someone"
    response = client.post(
        f"/boom/{TOKEN}/?q={EMAIL}",
        {"nom": NAME, "adresse": STREET, "courriel": EMAIL},
        HTTP_AUTHORIZATION="Session someone-s-token",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    reported = events()
    assert reported, "the sink received no event"
    raw = b"".join(body for _path, body in Sink.received).decode()
    for secret in (
        EMAIL,
        PHONE,
        POSTAL,
        NAME,
        STREET,
        TOKEN,
        "a-session-of-someone",
        "someone-s-token",
    ):
        assert secret not in raw, secret
    event = reported[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert "[filtered]" in exception["value"]
    # The URL pattern, never the path (it carries the token).
    assert event["request"]["url"] == "/boom/{token}/"
    assert set(event["request"]["headers"]) <= {"X-Request-Id", "User-Agent", "Content-Type"}
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    assert "user" not in event


def test_the_scrubber_removes_contact_details_from_any_text() -> None:
    text = f"IntegrityError: Key (email)=({EMAIL}) already exists; call {PHONE}, {POSTAL}"
    assert error_reports.scrub_text(text) == (
        "IntegrityError: Key (email)=([filtered]) already exists; call [filtered], [filtered]"
    )
