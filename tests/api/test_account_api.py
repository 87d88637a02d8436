"""Marie's account through the API: profile, address search, preferences, consents, export,
deletion and push devices; plus rate limits and the Open311 key command."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.management import call_command

from tests.api.conftest import ApiClient
from tests.api.test_requests_api import API, POTHOLE, post_json, problem
from victo_crm.accounts.models import Consent, User
from victo_crm.api.models import ApiKey
from victo_crm.api.services import hash_key
from victo_crm.notifications.models import PushDevice
from victo_crm.service_requests.models import ServiceRequest


def test_marie_reads_and_changes_her_profile(marie_api: Any, citizen: Any, address: Any):
    assert marie_api.get(f"{API}/me/").json()["email"] == "marie@example.ca"

    response = marie_api.patch(
        f"{API}/me/",
        json.dumps({"phone": "819 758-0555", "address": address.pk, "preferred_language": "en"}),
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["first_name"] == "Marie"  # untouched by a partial update
    assert body["address_label"] == address.label
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.address, citizen.preferred_language) == (
        "819 758-0555",
        address,
        "en",
    )
    bad = marie_api.patch(
        f"{API}/me/", json.dumps({"phone": "abc"}), content_type="application/json"
    )
    assert problem(bad, 400)["errors"][0]["pointer"] == "#/phone"


def test_address_search_finds_the_registry_entry(anonymous_api: Any, address: Any):
    found = anonymous_api.get(f"{API}/addresses/", {"q": "1 notre-dame"}).json()

    assert [a["id"] for a in found] == [address.pk]
    problem(anonymous_api.get(f"{API}/addresses/"), 400)


def test_preferences_and_consents(marie_api: Any, citizen: Any):
    grid = marie_api.get(f"{API}/me/preferences/").json()
    updates = next(p for p in grid if (p["topic"], p["channel"]) == ("request_updates", "email"))
    assert updates["enabled"] is True  # the default: updates of my requests by e-mail

    turned = marie_api.put(
        f"{API}/me/preferences/",
        json.dumps([{"topic": "collections", "channel": "push", "enabled": True}]),
        content_type="application/json",
    )
    assert turned.status_code == 200
    cell = next(p for p in turned.json() if (p["topic"], p["channel"]) == ("collections", "push"))
    assert cell["enabled"] is True
    sms = marie_api.put(
        f"{API}/me/preferences/",
        json.dumps([{"topic": "emergencies", "channel": "sms", "enabled": True}]),
        content_type="application/json",
    )
    assert problem(sms, 400)["errors"][0]["pointer"] == "#/preferences"

    given = post_json(marie_api, f"{API}/me/consents/", {"purpose": "push", "given": True})
    assert next(c for c in given.json() if c["purpose"] == "push")["given"] is True
    withdrawn = post_json(marie_api, f"{API}/me/consents/", {"purpose": "push", "given": False})
    push = next(c for c in withdrawn.json() if c["purpose"] == "push")
    assert push["given"] is False and push["history"][0]["withdrawn_at"]
    assert Consent.objects.filter(user=citizen).count() == 1


def test_marie_exports_her_data_as_one_archive(marie_api: Any, citizen: Any, file_request: Any):
    sr = file_request(citizen)

    exported = marie_api.get(f"{API}/me/export/")

    assert exported.status_code == 200
    assert exported["Content-Type"] == "application/zip"
    assert exported["Cache-Control"] == "private, no-store"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as zipped:
        data = json.loads(zipped.read("data.json"))
        assert "csv/requests.csv" in zipped.namelist()
    assert data["requests"][0]["reference"] == sr.reference
    assert marie_api.get(f"{API}/me/export/csv/").status_code == 404  # one archive now


def test_marie_deletes_her_account_and_her_requests_stay_anonymised(
    marie_api: Any, citizen: Any, file_request: Any
):
    sr = file_request(citizen)
    wrong = post_json(marie_api, f"{API}/me/deletion/", {"password": "nope"})
    assert problem(wrong, 400)["errors"][0]["pointer"] == "#/password"

    deleted = post_json(marie_api, f"{API}/me/deletion/", {"password": "correct horse battery"})

    assert deleted.status_code == 204
    assert not User.objects.filter(pk=citizen.pk).exists()
    sr.refresh_from_db()
    assert sr.citizen is None and sr.contact_email == ""
    assert marie_api.get(f"{API}/me/").status_code == 401


def test_push_devices_register_list_and_unregister(
    marie_api: Any, jean_api: Any, citizen: Any, other_citizen: Any
):
    web = {
        "kind": "webpush",
        "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "keys": {"p256dh": "BNc", "auth": "xyz"},
        "name": "Firefox",
    }
    created = post_json(marie_api, f"{API}/devices/", web)
    assert created.status_code == 201, created.content
    again = post_json(marie_api, f"{API}/devices/", web)
    assert again.status_code == 200  # the same endpoint is the same device
    assert problem(post_json(marie_api, f"{API}/devices/", {**web, "keys": {}}), 400)
    assert [d["name"] for d in marie_api.get(f"{API}/devices/").json()] == ["Firefox"]

    # The phone changes hands: Jean registers the same token; it is his alone now.
    post_json(jean_api, f"{API}/devices/", web)
    assert PushDevice.objects.get().user == other_citizen
    assert marie_api.get(f"{API}/devices/").json() == []
    device_id = PushDevice.objects.get().pk
    problem(marie_api.delete(f"{API}/devices/{device_id}/"), 404)
    assert jean_api.delete(f"{API}/devices/{device_id}/").status_code == 204


# --- Rate limits --------------------------------------------------------------------------


def test_writes_are_throttled_per_person_with_retry_after(
    marie_api: Any, jean_api: Any, request_type: Any, town: Any, settings: Any
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "write_user": "2/min",
            "write_ip": "100/min",
            "auth_failure": "100/min",
        },
    }
    for _ in range(2):
        assert post_json(marie_api, f"{API}/requests/", POTHOLE).status_code == 201

    refused = post_json(marie_api, f"{API}/requests/", POTHOLE)

    problem(refused, 429)
    assert int(refused["Retry-After"]) > 0
    assert marie_api.get(f"{API}/requests/").status_code == 200  # reads are not limited
    assert post_json(jean_api, f"{API}/requests/", POTHOLE).status_code == 201
    assert ServiceRequest.objects.count() == 3


def test_writes_are_throttled_per_ip_address(
    marie_api: Any, jean_api: Any, request_type: Any, town: Any, settings: Any
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "write_user": "100/min",
            "write_ip": "2/min",
            "auth_failure": "100/min",
        },
    }
    post_json(marie_api, f"{API}/requests/", POTHOLE)
    post_json(jean_api, f"{API}/requests/", POTHOLE)

    problem(post_json(jean_api, f"{API}/requests/", POTHOLE), 429)


def test_wrong_session_tokens_are_throttled_per_ip_address(db: None, settings: Any):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "write_user": "100/min",
            "write_ip": "100/min",
            "auth_failure": "3/min",
        },
    }
    for attempt in range(3):
        assert ApiClient(f"guess-{attempt}").get(f"{API}/me/").status_code == 401

    refused = ApiClient("guess-4").get(f"{API}/me/")

    problem(refused, 429)
    # Until the sliding minute lets one more through (core.ratelimit): at most two minutes.
    assert 0 < int(refused["Retry-After"]) <= 120


def test_a_rotating_forwarded_for_header_does_not_escape_the_limit(db: None, settings: Any):
    """A script guessing tokens sends a new X-Forwarded-For each time: without a trusted
    proxy configured (the default), the header is not believed."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "write_user": "100/min",
            "write_ip": "100/min",
            "auth_failure": "3/min",
        },
    }
    assert settings.VICTO_TRUSTED_PROXY_COUNT == 0
    answers = [
        ApiClient(f"guess-{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").get(f"{API}/me/")
        for n in range(6)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]


def test_behind_one_trusted_proxy_only_the_address_it_saw_counts(db: None, settings: Any):
    settings.VICTO_TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "write_user": "100/min",
            "write_ip": "100/min",
            "auth_failure": "3/min",
        },
    }

    def guess(n: int, client: str) -> int:
        # The client forges the left part; our load balancer appends what it saw.
        forged = f"10.0.0.{n}, {client}"
        return ApiClient(f"guess-{n}", HTTP_X_FORWARDED_FOR=forged).get(f"{API}/me/").status_code

    assert [guess(n, "203.0.113.7") for n in range(4)] == [401, 401, 401, 429]
    assert guess(9, "203.0.113.8") == 401  # another client behind the same balancer


# --- Open311 keys -----------------------------------------------------------------------------


def test_open311_key_create_prints_the_key_once_and_stores_its_hash(
    db: None, capsys: pytest.CaptureFixture[str]
):
    call_command("open311_key", "create", "Centre 311 régional")

    key = capsys.readouterr().out.strip()
    stored = ApiKey.objects.get()
    assert key.startswith("v311_") and len(key) > 40
    assert stored.key_hash == hash_key(key)
    assert key not in (stored.prefix, stored.key_hash, stored.name)
    assert stored.prefix == key[:12]

    call_command("open311_key", "list")
    assert key not in capsys.readouterr().out
    call_command("open311_key", "revoke", stored.prefix)
    stored.refresh_from_db()
    assert stored.is_active is False


def test_the_admin_creates_a_key_and_shows_it_once(admin_client: Any, db: None):
    response = admin_client.post(
        "/admin/api/apikey/add/", {"name": "Partenaire", "is_active": "on"}, follow=True
    )

    assert response.status_code == 200
    stored = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert any(stored.prefix in message for message in shown)
    key = next(word for message in shown for word in message.split() if word.startswith("v311_"))
    assert hash_key(key) == stored.key_hash
