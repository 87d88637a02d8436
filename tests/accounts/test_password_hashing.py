"""Password hashing is capped per process (accounts/hashers.py, issue 17.3): a sign-in beyond
the cap answers 503 with Retry-After at once, instead of holding a web thread in a queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import check_password, make_password

from victo_crm.accounts import hashers
from victo_crm.core.errors import Overloaded

BOUNDED = ["victo_crm.accounts.hashers.BoundedPBKDF2PasswordHasher"]


@pytest.fixture
def one_slot(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(hashers.BoundedPBKDF2PasswordHasher, "iterations", 1000)  # fast
    settings.PASSWORD_HASHERS = BOUNDED
    settings.VICTO_PASSWORD_HASH_SLOTS = 1
    settings.VICTO_PASSWORD_HASH_WAIT_SECONDS = 0
    hashers.reset_slots()
    yield hashers._semaphore()
    hashers.reset_slots()


def test_a_free_slot_hashes_as_django_does(one_slot: Any) -> None:
    encoded = make_password("correct horse battery")
    assert encoded.startswith("pbkdf2_sha256$")
    assert check_password("correct horse battery", encoded)


def test_a_hash_beyond_the_cap_is_refused_at_once(one_slot: Any) -> None:
    assert one_slot.acquire(blocking=False)  # another sign-in is hashing in this process
    try:
        with pytest.raises(Overloaded):
            make_password("correct horse battery")
    finally:
        one_slot.release()


@pytest.mark.django_db
def test_the_app_s_sign_in_answers_503_with_retry_after_when_full(
    client: Any, one_slot: Any
) -> None:
    assert one_slot.acquire(blocking=False)
    try:
        response = client.post(
            "/_allauth/app/v1/auth/login",
            {"email": "someone@example.com", "password": "not the one"},
            content_type="application/json",
        )
    finally:
        one_slot.release()
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json()["status"] == 503


@pytest.mark.django_db
def test_the_portal_s_sign_in_page_answers_503_in_french(client: Any, one_slot: Any) -> None:
    assert one_slot.acquire(blocking=False)
    try:
        response = client.post(
            "/compte/login/", {"login": "someone@example.com", "password": "not the one"}
        )
    finally:
        one_slot.release()
    assert response.status_code == 503
    assert "très sollicité" in response.content.decode()
