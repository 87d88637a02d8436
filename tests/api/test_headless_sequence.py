"""The app's authentication sequence of docs/api.md, through allauth's headless API (app
client): sign up, verify the e-mail address, use the session token on the REST API, log out,
reset the password, log in again."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core import mail
from django.test import Client

from tests.api.conftest import ApiClient

AUTH = "/_allauth/app/v1"


def call(client: Client, method: str, path: str, body: Any = None, token: str = "") -> Any:
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    if body is None:
        return getattr(client, method)(f"{AUTH}{path}", **headers)
    return getattr(client, method)(
        f"{AUTH}{path}", json.dumps(body), content_type="application/json", **headers
    )


def code_from_last_mail() -> str:
    """The code the person reads in the e-mail and types in the app (no link to follow)."""
    body = mail.outbox[-1].body
    match = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", body)
    assert match and "http" not in body, body
    return match.group(1)


def test_sign_up_verify_use_log_out_reset_and_log_in(db: None) -> None:
    app = Client()

    signup = call(
        app, "post", "/auth/signup", {"email": "lea@example.ca", "password": "Lac-Beauport-2026"}
    )
    assert signup.status_code == 401, signup.content  # pending: the e-mail must be verified
    token = signup.json()["meta"]["session_token"]
    assert any(f["id"] == "verify_email" for f in signup.json()["data"]["flows"])

    code = code_from_last_mail()
    wrong = call(app, "post", "/auth/email/verify", {"key": "AAAA-AAAA"}, token)
    assert wrong.status_code == 400, wrong.content
    assert wrong.json()["errors"][0]["code"] == "incorrect_code"
    # A new code at most once each 3 minutes (allauth's "confirm_email" limit), with Retry-After.
    again = call(app, "post", "/auth/email/verify/resend", token=token)
    assert again.status_code == 429, again.content
    assert int(again["Retry-After"]) == 180
    verified = call(app, "post", "/auth/email/verify", {"key": code}, token)
    assert verified.status_code == 200, verified.content
    token = verified.json()["meta"].get("session_token", token)

    me = ApiClient(token).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "lea@example.ca"

    logout = call(app, "delete", "/auth/session", token=token)
    assert logout.status_code == 401, logout.content
    assert ApiClient(token).get("/api/v1/me/").status_code == 401

    requested = call(app, "post", "/auth/password/request", {"email": "lea@example.ca"})
    assert requested.status_code == 200, requested.content
    reset_key = re.search(r"/password/reset/key/([^/\s]+)/?", mail.outbox[-1].body)
    assert reset_key, mail.outbox[-1].body
    reset = call(
        app,
        "post",
        "/auth/password/reset",
        {"key": reset_key.group(1), "password": "Mont-Arthabaska-9"},
    )
    assert reset.status_code in (200, 401), reset.content

    login = call(
        app, "post", "/auth/login", {"email": "lea@example.ca", "password": "Mont-Arthabaska-9"}
    )
    assert login.status_code == 200, login.content
    assert ApiClient(login.json()["meta"]["session_token"]).get("/api/v1/me/").status_code == 200


def test_failed_logins_over_the_limit_get_429_with_retry_after(citizen: Any) -> None:
    """allauth's login limit (5 failures per 5 minutes for an address) answers 429; the
    answer says how long to wait: the longest window guarding a login (5 minutes)."""
    app = Client()
    statuses = [
        call(app, "post", "/auth/login", {"email": citizen.email, "password": f"mauvais-{n}"})
        for n in range(6)
    ]

    assert [response.status_code for response in statuses[:5]] == [400] * 5
    refused = statuses[5]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "300"


def test_sign_ups_over_the_limit_get_429_with_the_sign_up_window(db: None, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    app = Client()
    call(app, "post", "/auth/signup", {"email": "a@example.ca", "password": "Lac-Beauport-2026"})

    refused = call(
        app, "post", "/auth/signup", {"email": "b@example.ca", "password": "Lac-Beauport-2026"}
    )

    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"


def test_three_wrong_codes_end_the_pending_sign_up(db: None) -> None:
    """allauth allows 3 tries of a code: then the pending verification ends, and the right
    code no longer works (409)."""
    app = Client()
    signup = call(
        app, "post", "/auth/signup", {"email": "lea@example.ca", "password": "Lac-Beauport-2026"}
    )
    token = signup.json()["meta"]["session_token"]
    code = code_from_last_mail()

    tries = [
        call(app, "post", "/auth/email/verify", {"key": "AAAA-AAAA"}, token).status_code
        for _n in range(3)
    ]
    late = call(app, "post", "/auth/email/verify", {"key": code}, token)

    assert tries == [400, 400, 400]
    assert late.status_code == 409, late.content
