"""The reference for bench/api.py: a bare WSGI app (gunicorn + psycopg, no Django) that
executes the statements of a mobile submission — the session and user lookups, the
idempotency claim, the type, fields and initial state, the zones, the reference sequence,
the request, its zones, its event, the follower lookup, the outbox rows and the idempotency
completion, in one transaction — and answers a small JSON document.

Run by bench/api.py: ``gunicorn -w 2 bench.api_bare:application`` with DATABASE_URL and
BENCH_TYPE (the request type's code) in the environment.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

_connection: psycopg.Connection[Any] | None = None


def _db() -> psycopg.Connection[Any]:
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"]
        _connection = psycopg.connect(url, autocommit=False, prepare_threshold=None)
    return _connection


def _submit(token: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    db = _db()
    with db.transaction(), db.cursor() as cur:
        cur.execute(
            "SELECT session_data FROM django_session WHERE session_key = %s "
            "AND expire_date > now()",
            [token],
        )
        cur.fetchone()
        cur.execute(
            "SELECT id, email, first_name, last_name, phone FROM accounts_user WHERE id = %s",
            [int(os.environ["BENCH_USER_ID"])],
        )
        user = cur.fetchone()
        assert user is not None
        with db.transaction():  # the idempotency claim (its own transaction in the real app)
            cur.execute(
                "INSERT INTO api_idempotencykey (caller, key, fingerprint, status, "
                "response_body, response_headers, created_at, expires_at) VALUES "
                "(%s, %s, %s, 'in_progress', '', '{}', now(), now() + interval '1 day') "
                "RETURNING id",
                [f"bare:{user[0]}", key, "0" * 64],
            )
            claim = cur.fetchone()
            assert claim is not None
        cur.execute(
            "SELECT t.id, t.workflow_id, t.team_id, t.sla_hours, t.default_priority "
            "FROM service_requests_requesttype t WHERE t.code = %s",
            [body["request_type"]],
        )
        rtype = cur.fetchone()
        assert rtype is not None
        cur.execute(
            "SELECT code, datatype, required, choices FROM service_requests_requesttypefield "
            'WHERE request_type_id = %s ORDER BY "order"',
            [rtype[0]],
        )
        cur.fetchall()
        cur.execute(
            "SELECT id FROM service_requests_state WHERE workflow_id = %s AND is_initial",
            [rtype[1]],
        )
        state = cur.fetchone()
        assert state is not None
        lat, lon = body["latitude"], body["longitude"]
        cur.execute(
            "SELECT id, kind FROM places_zone WHERE min_lon <= %s AND max_lon >= %s "
            "AND min_lat <= %s AND max_lat >= %s",
            [lon, lon, lat, lat],
        )
        zones = cur.fetchall()
        cur.execute("SELECT 1 FROM places_zone WHERE kind = 'boundary' LIMIT 1")
        cur.fetchone()
        cur.execute(
            'SELECT id FROM service_requests_assignmentrule WHERE is_active ORDER BY "order"'
        )
        cur.fetchall()
        cur.execute("SELECT nextval('service_request_ref_2026')")
        number = cur.fetchone()
        assert number is not None
        reference = f"2026-{number[0]:06d}"
        cur.execute(
            "INSERT INTO service_requests_servicerequest (reference, request_type_id, state_id, "
            "citizen_id, contact_name, contact_email, contact_phone, language, channel, "
            "description, field_values, location_text, latitude, longitude, team_id, priority, "
            "due_at, citizen_updated_at, rating_comment, version, tracking_token_hash, "
            "public_id, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 'fr', "
            "'mobile', %s, %s, '', %s, %s, %s, %s, now() + make_interval(hours => %s), now(), "
            "'', 1, '', %s, now(), now()) RETURNING id",
            [
                reference,
                rtype[0],
                state[0],
                user[0],
                f"{user[2]} {user[3]}",
                user[1],
                user[4],
                body.get("description", ""),
                json.dumps(body.get("field_values", {})),
                lat,
                lon,
                rtype[2],
                rtype[4],
                rtype[3] or 0,
                uuid.uuid4(),
            ],
        )
        created = cur.fetchone()
        assert created is not None
        for zone in zones:
            cur.execute(
                "INSERT INTO service_requests_servicerequest_zones (servicerequest_id, zone_id) "
                "VALUES (%s, %s)",
                [created[0], zone[0]],
            )
        cur.execute(
            "INSERT INTO service_requests_requestevent (request_id, kind, is_public, actor_id, "
            "to_state_id, message, data, created_at) VALUES (%s, 'submitted', true, %s, %s, '', "
            "'{}', now()) RETURNING id",
            [created[0], user[0], state[0]],
        )
        event = cur.fetchone()
        assert event is not None
        cur.execute(
            "SELECT user_id FROM service_requests_requestfollower WHERE request_id = %s",
            [created[0]],
        )
        cur.fetchall()
        for channel in ("email", "in_app"):
            cur.execute(
                "INSERT INTO notifications_notification (address, channel, language, kind, "
                "context, dedup_key, status, attempts, last_error, created_at, event_id, "
                "recipient_id, request_id, body, group_key, is_emergency, link, subject, topic) "
                "VALUES (%s, %s, 'fr', 'request_received', %s, %s, 'pending', 0, '', now(), %s, "
                "%s, %s, '', '', false, '', '', '') ON CONFLICT DO NOTHING",
                [
                    user[1] if channel == "email" else "",
                    channel,
                    json.dumps({"reference": reference}),
                    f"request_received:{event[0]}:u{user[0]}:{channel}",
                    event[0],
                    user[0],
                    created[0],
                ],
            )
        document = {"reference": reference, "status": "recue"}
        cur.execute(
            "UPDATE api_idempotencykey SET status = 'completed', response_status = 201, "
            "response_body = %s WHERE id = %s",
            [json.dumps(document), claim[0]],
        )
    return document


def application(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    document = _submit(
        environ.get("HTTP_X_SESSION_TOKEN", ""),
        environ.get("HTTP_IDEMPOTENCY_KEY") or uuid.uuid4().hex,
        body,
    )
    payload = json.dumps(document).encode()
    start_response(
        "201 Created",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
