"""Idempotency-Key on creating POSTs: a phone on a bad network retries, and nothing is
created twice (DESIGN invariant 3)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.api.conftest import ApiClient, session_token_for
from tests.api.test_requests_api import API, POTHOLE, post_json, problem
from victo_crm.privacy.services import retention_purge
from victo_crm.service_requests.models import Receipt, ServiceRequest


def submit(client: Any, body: Any, key: str = "8e03978e-40d5-43e8-bc93-6894a57f9324") -> Any:
    return post_json(client, f"{API}/requests/", body, HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_post_100_times_creates_one_request(marie_api: Any, request_type: Any, town: Any):
    first = submit(marie_api, POTHOLE)
    assert first.status_code == 201, first.content

    replays = [submit(marie_api, POTHOLE) for _ in range(99)]

    assert ServiceRequest.objects.count() == 1
    for replay in replays:
        assert replay.status_code == 201
        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
        assert replay["Location"] == first["Location"]


def test_the_same_key_with_another_body_is_422(marie_api: Any, request_type: Any, town: Any):
    submit(marie_api, POTHOLE)

    body = problem(submit(marie_api, {**POTHOLE, "description": "Autre chose"}), 422)

    assert body["type"] == "urn:victo:problem:idempotency-key-reused"
    assert ServiceRequest.objects.count() == 1


def test_json_whitespace_and_key_order_do_not_make_another_body(
    marie_api: Any, request_type: Any, town: Any
):
    submit(marie_api, POTHOLE)
    reordered = json.dumps(dict(reversed(list(POTHOLE.items()))), indent=4)

    again = marie_api.post(
        f"{API}/requests/",
        reordered,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="8e03978e-40d5-43e8-bc93-6894a57f9324",
    )

    assert again.status_code == 201
    assert ServiceRequest.objects.count() == 1


def test_a_retry_while_the_first_call_runs_is_409(
    marie_api: Any, citizen: Any, request_type: Any, town: Any
):
    Receipt.objects.create(
        scope=f"u:{citizen.pk}",
        key="en-cours",
        fingerprint="0" * 64,
        expires_at=timezone.now() + timedelta(hours=24),
    )
    # The same body as the running call: only the fingerprint matters for the conflict.
    from victo_crm.api.v1 import idempotency

    Receipt.objects.filter(key="en-cours").update(fingerprint=_fingerprint_of(marie_api, POTHOLE))

    body = problem(submit(marie_api, POTHOLE, key="en-cours"), 409)

    assert body["type"] == "urn:victo:problem:idempotency-in-progress"
    assert not ServiceRequest.objects.exists()
    assert timedelta(hours=24) == idempotency.ttl()


def _fingerprint_of(client: Any, body: Any) -> str:
    """What the server computes for this body, read back from a throwaway key."""
    submit(client, body, key="sonde")
    record = Receipt.objects.get(key="sonde")
    ServiceRequest.objects.all().delete()
    return record.fingerprint


def test_keys_are_scoped_to_the_caller(marie_api: Any, jean_api: Any, request_type: Any, town: Any):
    submit(marie_api, POTHOLE)
    jean = submit(jean_api, POTHOLE)

    assert jean.status_code == 201
    assert "Idempotent-Replayed" not in jean
    assert ServiceRequest.objects.count() == 2


def test_a_refused_call_releases_its_key(marie_api: Any, request_type: Any, town: Any):
    problem(submit(marie_api, {**POTHOLE, "field_values": {}}), 400)

    fixed = submit(marie_api, {**POTHOLE, "field_values": {}}, key="autre")
    assert fixed.status_code == 400
    assert not Receipt.objects.exists()
    assert submit(marie_api, POTHOLE).status_code == 201


def test_keys_expire_after_24_hours(marie_api: Any, request_type: Any, town: Any):
    submit(marie_api, POTHOLE)
    Receipt.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert retention_purge()["receipts.expired"] == 1
    assert submit(marie_api, POTHOLE).status_code == 201
    assert ServiceRequest.objects.count() == 2


def test_an_empty_or_oversized_key_is_400(marie_api: Any, request_type: Any, town: Any):
    problem(submit(marie_api, POTHOLE, key=""), 400)
    problem(submit(marie_api, POTHOLE, key="x" * 256), 400)
    assert not ServiceRequest.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_request_and_the_others_get_409(
    seeded: Any, citizen: Any, town: Any, teams: Any
):
    """Eight threads send the same POST at once on PostgreSQL: exactly one creates; each
    other one either waits its turn and replays (201) or finds the key in progress (409)."""
    from victo_crm.service_requests.models import RequestGroup, RequestType, RequestTypeField

    group = RequestGroup.objects.create(code="voirie", name_fr="Rues")
    rtype = RequestType.objects.create(
        code="nid-de-poule", name_fr="Nid-de-poule", group=group, team=teams["tp"], workflow=seeded
    )
    RequestTypeField.objects.create(
        request_type=rtype, code="taille", label_fr="Taille", datatype="string", order=1
    )
    token = session_token_for(citizen)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    from victo_crm.api.v1.views import requests as views

    original = views.service_request_submit

    def slow_submit(**kwargs: Any) -> Any:
        import time

        time.sleep(0.5)  # the first call is still running when the others arrive
        return original(**kwargs)

    def call() -> None:
        try:
            client = ApiClient(token)
            barrier.wait()
            response = submit(client, {**POTHOLE, "field_values": {"taille": "grand"}})
            statuses.append(response.status_code)
        finally:
            connection.close()

    views.service_request_submit = slow_submit  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        views.service_request_submit = original  # type: ignore[assignment]

    assert ServiceRequest.objects.count() == 1
    assert statuses.count(201) == 1
    assert statuses.count(409) == 7
    assert Receipt.objects.get().done


def test_a_response_stored_by_a_racing_call_wins_and_our_work_is_undone(
    marie_api: Any, request_type: Any, town: Any, monkeypatch: Any
):
    """The narrow race where another call stores its response between our check and our
    insert: our transaction rolls back and the other call's response is replayed."""
    from victo_crm.service_requests import receipts

    first = submit(marie_api, POTHOLE)
    assert first.status_code == 201
    real_earlier = receipts._earlier
    turns: list[int] = []

    def blind_first_time(caller: str, key: str, print_: str) -> Any:
        turns.append(1)
        return None if len(turns) == 1 else real_earlier(caller, key, print_)

    monkeypatch.setattr(receipts, "_earlier", blind_first_time)

    again = submit(marie_api, POTHOLE)

    assert len(turns) == 2
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ServiceRequest.objects.count() == 1


def test_a_keyed_submission_is_one_transaction_without_a_savepoint(
    marie_api: Any, request_type: Any, town: Any
):
    """The receipt's transaction holds the submission's writes: no savepoint of their own
    (two statements a submission), and a refusal still leaves no trace and frees the key."""
    from django.test.utils import CaptureQueriesContext

    assert submit(marie_api, POTHOLE, key="the-year-s-first").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert submit(marie_api, POTHOLE).status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # One: the receipt's block, a savepoint only because the test runs in a transaction.
    assert statements.count("SAVEPOINT") == 1, statements
    assert ServiceRequest.objects.count() == 2

    refused = submit(marie_api, {**POTHOLE, "latitude": 10.0}, key="another-key")
    assert refused.status_code == 400, refused.content
    assert ServiceRequest.objects.count() == 2
    assert not Receipt.objects.filter(key="another-key").exists()
