"""The mobile app built from the schema alone (docs/api.md, « Start from the schema »).

A Python client is generated from the schema the server serves (openapi-python-client,
pinned in the lock), and the whole citizen flow runs through it and nothing else: allauth's
part (sign-up, the e-mail verification code typed from the e-mail, two-factor enrolment, sign-in with the second
factor) and the API's (catalogue and its 304, address search, submission with an
Idempotency-Key and its replay, photos as files and uploaded ahead, list, detail and
timeline, comment, the 409 refusals, follow and unfollow, notifications, preferences,
devices, subscriptions, the Law 25 export, deletion). Every answer is checked against the
schema by the client's transport: a status, a media type or a header the schema does not
declare for that operation, or a body that does not match, fails the test — so does a
warning of the generator (an operation it could not turn into code).

The client is generated once per test process, into a temporary folder, and talks to the
application in-process (httpx's WSGI transport): no server, no network.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import subprocess
import sys
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import schemathesis
from django.core import mail
from django.core.wsgi import get_wsgi_application
from django.test import Client as DjangoClient

from tests.conftest import CENTRE_LAT, CENTRE_LON, totp_code

PACKAGE = "victo_generated_client"
# Binary answers (the export's ZIP, a photo) as bytes: the generator knows octet-stream.
CONFIG = {
    "project_name_override": PACKAGE,
    "package_name_override": PACKAGE,
    "post_hooks": [],
    "content_type_overrides": {
        "application/zip": "application/octet-stream",
        "image/jpeg": "application/octet-stream",
        "image/png": "application/octet-stream",
        "image/webp": "application/octet-stream",
    },
}


@pytest.fixture(scope="module")
def served_schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = DjangoClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return dict(json.loads(response.content))


@pytest.fixture(scope="module")
def api(served_schema: dict[str, Any], tmp_path_factory: Any) -> ModuleType:
    """The generated package (``victo_generated_client``), imported."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "schema.json").write_text(json.dumps(served_schema))
    (folder / "config.json").write_text(json.dumps(CONFIG))
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--config",
            str(folder / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "WARNING" not in output and "Unable to" not in output, output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


class ContractBroken(AssertionError):
    pass


class ContractTransport(httpx.BaseTransport):
    """The application in-process, every answer checked against the served schema."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.app = httpx.WSGITransport(app=get_wsgi_application())
        self.raw = raw
        self.schema = schemathesis.openapi.from_dict(raw)
        self.calls: list[tuple[str, str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.app.handle_request(request)
        response.read()
        response.request = request
        response.elapsed = timedelta(0)
        self.calls.append((request.method, request.url.path, response.status_code))
        self.check(request, response)
        return response

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def check(self, request: httpx.Request, response: httpx.Response) -> None:
        where = f"{request.method} {request.url.path} → {response.status_code}"
        operation = self.schema.find_operation_by_path(request.method, request.url.path)
        if operation is None:
            raise ContractBroken(f"{where}: no such operation in the schema")
        declared = self.raw["paths"][operation.path][request.method.lower()]["responses"]
        entry = declared.get(str(response.status_code)) or declared.get("default")
        if entry is None:
            raise ContractBroken(f"{where}: status not declared ({sorted(declared)})")
        entry = self._resolve(entry)
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if response.content and media not in entry.get("content", {}):
            raise ContractBroken(
                f"{where}: {media} not declared ({list(entry.get('content', {}))})"
            )
        for name, header in entry.get("headers", {}).items():
            if self._resolve(header).get("required") and name not in response.headers:
                raise ContractBroken(f"{where}: required header {name} missing")
        try:
            operation.validate_response(response)
        except Exception as error:  # schemathesis' FailureGroup: say which call
            raise ContractBroken(f"{where}: {error}\n{response.text[:2000]}") from error


@pytest.fixture
def _keep_the_test_connection() -> Any:
    """Calls go straight to the WSGI app: like Django's test client, keep the end of a
    request from closing the connection that holds the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _mod(api: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{api.__name__}.{name}")


def _mail_code() -> str:
    """The code the e-mail carries, as the person reads it to type it in the app."""
    body = mail.outbox[-1].body
    match = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", body)
    assert match and "http" not in body, body
    return match.group(1)


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_whole_mobile_flow_through_the_generated_client(
    api: ModuleType,
    served_schema: dict[str, Any],
    request_type: Any,
    address: Any,
    other_citizen: Any,
    file_request: Any,
) -> None:
    transport = ContractTransport(served_schema)
    base = "http://testserver"
    client = _mod(api, "client")
    models = _mod(api, "models")
    types = _mod(api, "types")

    def auth(name: str) -> Any:
        for group in (
            "auth_authentication_account",
            "auth_authentication_2fa",
            "auth_authentication_current_session",
            "auth_account_2fa",
            "auth_configuration",
        ):
            try:
                return _mod(api, f"api.{group}.{name}")
            except ModuleNotFoundError:
                continue
        raise AssertionError(name)

    def op(group: str, name: str) -> Any:
        return _mod(api, f"api.{group}.{name}")

    anonymous = client.Client(base_url=base, httpx_args={"transport": transport})

    # --- allauth: sign up, verify the address with the code the e-mail carries ---------------
    mail.outbox.clear()
    signup = auth("auth_signup").sync_detailed(
        client=anonymous,
        body=models.AllauthSignup(email="lea@example.ca", password="Lac-Beauport-2026"),
    )
    assert signup.status_code == 401  # pending: the address must be verified
    pending = signup.parsed
    token = pending.meta.session_token
    assert [flow.id for flow in pending.data.flows if flow.is_pending] == ["verify_email"]

    assert [m.to for m in mail.outbox] == [["lea@example.ca"]]
    code = _mail_code()
    wrong = auth("auth_email_verify_post").sync_detailed(
        client=anonymous, body=models.AllauthVerifyEmail(key="AAAA-AAAA"), x_session_token=token
    )
    assert wrong.status_code == 400, wrong.content
    resend = auth("auth_email_verify_resend").sync_detailed(client=anonymous, x_session_token=token)
    assert resend.status_code == 429  # one new code each 3 minutes at most
    assert resend.headers["Retry-After"] == "180"
    verified = auth("auth_email_verify_post").sync_detailed(
        client=anonymous, body=models.AllauthVerifyEmail(key=code), x_session_token=token
    )
    assert verified.status_code == 200, verified.content
    assert verified.parsed.data.user.email == "lea@example.ca"
    token = verified.parsed.meta.session_token or token

    # --- two-factor: confirm the password, enrol an authenticator app, keep the recovery codes
    confirmed = auth("auth_reauthenticate").sync_detailed(
        client=anonymous,
        body=models.AllauthReauthenticate(password="Lac-Beauport-2026"),
        x_session_token=token,
    )
    assert confirmed.status_code == 200, confirmed.content
    setup = auth("account_authenticators_totp_get").sync_detailed(
        client=anonymous, x_session_token=token
    )
    assert setup.status_code == 404  # allauth's way of saying "not set up yet, here is how"
    secret = setup.parsed.meta.secret
    activated = auth("account_authenticators_totp_post").sync_detailed(
        client=anonymous,
        body=models.AccountAuthenticatorsTotpPostBody(code=totp_code(secret)),
        x_session_token=token,
    )
    assert activated.status_code == 200, activated.content
    codes = auth("account_authenticators_recovery_codes_get").sync_detailed(
        client=anonymous, x_session_token=token
    )
    assert codes.status_code == 200, codes.content
    recovery = codes.parsed.data.unused_codes[0]

    # --- sign out, sign in again with the password and the second factor --------------------
    out = auth("auth_session_delete").sync_detailed(client=anonymous, x_session_token=token)
    assert out.status_code == 401
    login = auth("auth_login").sync_detailed(
        client=anonymous,
        body=models.AllauthLogin(email="lea@example.ca", password="Lac-Beauport-2026"),
    )
    assert login.status_code == 401
    assert [f.id for f in login.parsed.data.flows if f.is_pending] == ["mfa_authenticate"]
    second = auth("auth_2fa_authenticate").sync_detailed(
        client=anonymous,
        body=models.AllauthMFAAuthenticate(code=recovery),
        x_session_token=login.parsed.meta.session_token,
    )
    assert second.status_code == 200, second.content
    token = second.parsed.meta.session_token or login.parsed.meta.session_token
    session = auth("auth_session_get").sync_detailed(client=anonymous, x_session_token=token)
    assert session.status_code == 200

    lea = client.AuthenticatedClient(
        base_url=base,
        token=token,
        prefix="",
        auth_header_name="X-Session-Token",
        httpx_args={"transport": transport},
    )

    # --- the catalogue, and its 304 ------------------------------------------------------------
    catalogue = op("catalogue", "request_types_list").sync_detailed(client=lea)
    assert catalogue.status_code == 200
    pothole = next(t for t in catalogue.parsed if t.code == "nid-de-poule")
    size = next(f for f in pothole.fields if f.code == "taille")
    assert [c.code for c in size.choices] == ["petit", "moyen", "grand"]
    again = op("catalogue", "request_types_list").sync_detailed(
        client=lea, if_none_match=catalogue.headers["ETag"]
    )
    assert again.status_code == 304
    english = op("catalogue", "request_types_retrieve").sync_detailed(
        "nid-de-poule", client=lea, accept_language="en"
    )
    assert english.parsed.name == "Pothole"
    assert english.headers["Content-Language"] == "en"

    # --- an address, a submission with an Idempotency-Key, its replay --------------------------
    found = op("account", "addresses_search").sync_detailed(client=lea, q="1 notre-dame")
    assert [a.id for a in found.parsed] == [address.pk]
    key = str(uuid.uuid4())
    body = models.RequestSubmitRequest(
        request_type="nid-de-poule",
        description="Un trou profond devant le 1",
        field_values=models.RequestSubmitRequestFieldValues.from_dict({"taille": "grand"}),
        address=address.pk,
    )
    submitted = op("requests", "requests_create").sync_detailed(
        client=lea, body=body, idempotency_key=key
    )
    assert submitted.status_code == 201, submitted.content
    reference = submitted.parsed.reference
    assert submitted.headers["Location"].endswith(f"/api/v1/requests/{reference}/")
    replayed = op("requests", "requests_create").sync_detailed(
        client=lea, body=body, idempotency_key=key
    )
    assert replayed.status_code == 201
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.parsed.reference == reference

    # The same, as a form with a photo (field values as a JSON string).
    form = op("requests", "requests_create").sync_detailed(
        client=lea,
        body=models.RequestSubmitMultipartRequest(
            request_type="nid-de-poule",
            field_values=json.dumps({"taille": "petit"}),
            latitude=CENTRE_LAT,
            longitude=CENTRE_LON,
            photos=[
                types.File(
                    payload=io.BytesIO(_jpeg()), file_name="trou.jpg", mime_type="image/jpeg"
                )
            ],
        ),
    )
    assert form.status_code == 201, form.content
    assert len(form.parsed.photos) == 1

    # --- photos: as files, and uploaded ahead --------------------------------------------------
    photos = op("requests", "requests_photos_create").sync_detailed(
        reference,
        client=lea,
        body=models.PhotosMultipartRequest(
            photos=[
                types.File(payload=io.BytesIO(_jpeg()), file_name="a.jpg", mime_type="image/jpeg")
            ]
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    assert photos.status_code == 201, photos.content
    upload = op("uploads", "uploads_create").sync_detailed(
        client=lea,
        body=models.UploadInputRequest(
            file=types.File(payload=io.BytesIO(_jpeg()), file_name="b.jpg", mime_type="image/jpeg")
        ),
    )
    assert upload.status_code == 201, upload.content
    added = op("requests", "requests_photos_create").sync_detailed(
        reference, client=lea, body=models.PhotosInputRequest(upload_ids=[upload.parsed.id])
    )
    assert added.status_code == 201, added.content
    assert len(added.parsed.photos) == 2
    photo = op("requests", "requests_photo_retrieve").sync_detailed(
        reference, added.parsed.photos[0].id, client=lea
    )
    assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"

    # --- list, detail and timeline, comment ----------------------------------------------------
    listed = op("requests", "requests_list").sync_detailed(client=lea, page_size=1)
    assert listed.status_code == 200
    assert len(listed.parsed.results) == 1 and listed.parsed.next_
    detail = op("requests", "requests_retrieve").sync_detailed(reference, client=lea)
    assert detail.parsed.status.is_closed is False
    assert [entry.kind.value for entry in detail.parsed.timeline][:1] == ["submitted"]
    assert detail.parsed.address.id == address.pk
    comment = op("requests", "requests_comment_create").sync_detailed(
        reference, client=lea, body=models.CommentRequest(text="Il s’agrandit.")
    )
    assert comment.status_code == 201
    assert comment.parsed.timeline[-1].kind.value == "citizen_comment"

    # --- what an open request does not allow: 409 conflicts ------------------------------------
    reopen = op("requests", "requests_reopen").sync_detailed(
        reference, client=lea, body=models.ReopenRequest(reason="Pas réglé")
    )
    assert reopen.status_code == 409
    assert reopen.parsed.type_.value == "urn:victo:problem:conflict"
    rating = op("requests", "requests_rate").sync_detailed(
        reference, client=lea, body=models.RateRequest(rating=5)
    )
    assert rating.status_code == 409

    # --- someone else's request nearby: follow it, then stop -----------------------------------
    theirs = file_request(other_citizen)
    nearby = op("requests", "requests_nearby").sync_detailed(
        client=lea, request_type="nid-de-poule", latitude=CENTRE_LAT, longitude=CENTRE_LON
    )
    assert nearby.status_code == 200
    assert str(theirs.public_id) in [str(n.id) for n in nearby.parsed]
    followed = op("requests", "follows_create").sync_detailed(
        client=lea, body=models.FollowRequest(request_id=theirs.public_id)
    )
    assert followed.status_code == 201, followed.content
    assert followed.parsed.is_mine is False and followed.parsed.address is None
    unfollowed = op("requests", "follows_destroy").sync_detailed(str(theirs.public_id), client=lea)
    assert unfollowed.status_code == 204

    # --- notifications, preferences, devices, subscriptions -------------------------------------
    inbox = op("notifications", "notifications_list").sync_detailed(client=lea)
    assert inbox.status_code == 200
    assert (
        op("notifications", "notifications_read_all").sync_detailed(client=lea).status_code == 200
    )
    preferences = op("account", "me_preferences_list").sync_detailed(client=lea)
    first = preferences.parsed[0]
    changed = op("account", "me_preferences_update").sync_detailed(
        client=lea,
        body=[
            models.PreferenceRequest(
                topic=first.topic, channel=first.channel, enabled=not first.enabled
            )
        ],
    )
    assert changed.status_code == 200, changed.content
    device = op("devices", "devices_create").sync_detailed(
        client=lea,
        body=models.DeviceRequest(
            kind=models.DeviceKindEnum.FCM, endpoint="fcm-token:lea-telephone", name="Pixel"
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    assert device.status_code == 201, device.content
    assert [d.id for d in op("devices", "devices_list").sync_detailed(client=lea).parsed] == [
        device.parsed.id
    ]
    assert (
        op("devices", "devices_destroy").sync_detailed(device.parsed.id, client=lea).status_code
        == 204
    )
    topics = op("alerts", "alerts_topics_list").sync_detailed(client=lea)
    garbage = next(t for t in topics.parsed if t.code == "ordures")
    subscribed = op("alerts", "alerts_subscriptions_create").sync_detailed(
        client=lea,
        body=models.SubscriptionInputRequest(
            topic=garbage.code, address=address.pk, channels=[models.ChannelsEnum.EMAIL]
        ),
    )
    assert subscribed.status_code == 201, subscribed.content
    mine = op("alerts", "alerts_subscriptions_list").sync_detailed(client=lea)
    assert [s.id for s in mine.parsed] == [subscribed.parsed.id]
    schedule = op("alerts", "alerts_collections_retrieve").sync_detailed(
        client=lea, address=address.pk
    )
    assert schedule.status_code == 200
    gone = op("alerts", "alerts_subscriptions_destroy").sync_detailed(
        subscribed.parsed.id, client=lea
    )
    assert gone.status_code == 204

    # --- Law 25: everything held about me, then the deletion of the account ------------------
    export = op("account", "me_export").sync_detailed(client=lea)
    assert export.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert json.loads(archive.read("data.json"))["profile"]["email"] == "lea@example.ca"
    # data.json alone, checked against the schema's PersonalDataExport by the transport.
    as_json = op("account", "me_export").sync_detailed(
        client=lea.with_headers({"Accept": "application/json"})
    )
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"] == "application/json"
    data = json.loads(as_json.content)
    assert [r["reference"] for r in data["requests"]] == sorted([reference, form.parsed.reference])
    assert {a["type"] for a in data["sign_in"]["authenticators"]} == {"totp", "recovery_codes"}
    assert data["requests"][0]["photos"] and data["api_replays"]
    deleted = op("account", "me_delete").sync_detailed(
        client=lea, body=models.AccountDeletionRequest(password="Lac-Beauport-2026")
    )
    assert deleted.status_code == 204
    after = op("account", "me_retrieve").sync_detailed(client=lea)
    assert after.status_code == 401
    assert after.headers["WWW-Authenticate"].startswith("Session-Token")

    # Every answer above went through the contract check.
    assert len(transport.calls) >= 40
