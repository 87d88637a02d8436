"""The reference for bench/api.py: a bare WSGI app (gunicorn + psycopg, no Django) that
executes the statements of a mobile submission, as our app sends them — the user lookup,
the idempotency lock and check, the reference sequence, the request, its zones, its event,
the outbox's reads and rows, the 201's timeline reads and the stored response, in one
transaction — and answers a small JSON document.

Run by bench/api.py: ``gunicorn -w 2 bench.api_bare:application`` with DATABASE_URL and
BENCH_TYPE (the request type's code) in the environment.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

_local = threading.local()  # one connection per gunicorn thread, as Django keeps them


def _db() -> psycopg.Connection[Any]:
    connection: psycopg.Connection[Any] | None = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        url = os.environ["DATABASE_URL"]
        connection = psycopg.connect(url, autocommit=False, prepare_threshold=None)
        _local.connection = connection
    return connection


def _submit(token: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """The statements our submission sends (bench/api.py prints their count in-process), in
    the same order, in one transaction. Like ours, it takes the configuration (type, fields,
    entry state, zones, rules) from memory and the session from elsewhere (Redis there): the
    figures compare the framework's cost, not a different plan."""
    db = _db()
    config = _config(db, body["request_type"], body["latitude"], body["longitude"])
    with db.transaction(), db.cursor() as cur:
        cur.execute(
            "SELECT id, email, first_name, last_name, phone FROM accounts_user WHERE id = %s",
            [int(os.environ["BENCH_USER_ID"])],
        )
        user = cur.fetchone()
        assert user is not None
        caller = f"bare:{user[0]}"
        cur.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [caller + key])
        cur.execute(
            "SELECT id, scope, key, fingerprint, service_request_id, response_status, "
            "response_body, response_headers, created_at, expires_at FROM "
            "service_requests_receipt WHERE scope = %s AND key = %s",
            [caller, key],
        )
        cur.fetchone()
        cur.execute("SELECT nextval(to_regclass('service_request_ref_2026'))")
        number = cur.fetchone()
        assert number is not None
        reference = f"2026-{number[0]:06d}"
        cur.execute(
            "INSERT INTO service_requests_servicerequest (reference, request_type_id, state_id, "
            "citizen_id, contact_name, contact_email, contact_phone, language, channel, "
            "description, field_values, location_text, latitude, longitude, team_id, priority, "
            "due_at, citizen_updated_at, rating_comment, version, tracking_token_hash, "
            "open311_token_hash, public_summary, address_is_nearest, "
            "public_id, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 'fr', "
            "'mobile', %s, %s, '', %s, %s, %s, %s, now() + make_interval(hours => %s), now(), "
            "'', 1, '', '', '', false, %s, now(), now()) RETURNING id",
            [
                reference,
                config["type_id"],
                config["state_id"],
                user[0],
                f"{user[2]} {user[3]}",
                user[1],
                user[4],
                body.get("description", ""),
                json.dumps(body.get("field_values", {})),
                body["latitude"],
                body["longitude"],
                config["team_id"],
                config["priority"],
                config["sla_hours"] or 0,
                uuid.uuid4(),
            ],
        )
        created = cur.fetchone()
        assert created is not None
        cur.execute(
            "INSERT INTO service_requests_servicerequest_zones (servicerequest_id, zone_id) "
            "SELECT %s, unnest(%s::bigint[])",
            [created[0], config["zone_ids"]],
        )
        cur.execute(
            "INSERT INTO service_requests_requestevent (request_id, kind, is_public, "
            "for_followers, actor_id, to_state_id, message, data, created_at) VALUES (%s, "
            "'submitted', true, false, %s, %s, '', '{}', now()) RETURNING id",
            [created[0], user[0], config["state_id"]],
        )
        event = cur.fetchone()
        assert event is not None
        # The outbox: the request again, then who hears of it and how.
        cur.execute(
            "SELECT r.*, u.email FROM service_requests_servicerequest r "
            "LEFT JOIN accounts_user u ON u.id = r.citizen_id WHERE r.id = %s",
            [created[0]],
        )
        cur.fetchone()
        reads = (
            "SELECT user_id FROM service_requests_requestfollower WHERE request_id = %s",
            "SELECT user_id, topic, channel, enabled FROM accounts_communicationpreference "
            "WHERE user_id = %s",
            "SELECT user_id, purpose FROM accounts_consent WHERE user_id = %s "
            "AND withdrawn_at IS NULL",
            "SELECT user_id FROM notifications_pushdevice WHERE is_active AND user_id = %s",
            "SELECT id, phone FROM accounts_user WHERE id = %s AND phone <> ''",
        )
        for sql, arg in zip(reads, (created[0], user[0], user[0], user[0], user[0]), strict=True):
            cur.execute(sql, [arg])
            cur.fetchall()
        cur.execute(
            "SELECT email, topic FROM notifications_emailsuppression WHERE email = %s", [user[1]]
        )
        cur.fetchall()
        keys = [f"request_received:e{event[0]}:u{user[0]}:{c}" for c in ("email", "in_app")]
        cur.execute(
            "SELECT dedup_key FROM notifications_notification WHERE dedup_key = ANY(%s)", [keys]
        )
        cur.fetchall()
        cur.execute(
            "INSERT INTO notifications_notification (address, channel, language, kind, "
            "context, dedup_key, status, attempts, last_error, created_at, event_id, "
            "recipient_id, request_id, body, group_key, is_emergency, link, subject, topic) "
            "VALUES (%s, 'email', 'fr', 'request_received', %s, %s, 'pending', 0, '', now(), "
            "%s, %s, %s, '', '', false, '', '', ''), ('', 'in_app', 'fr', 'request_received', "
            "%s, %s, 'pending', 0, '', now(), %s, %s, %s, '', '', false, '', '', '') "
            "ON CONFLICT DO NOTHING",
            [
                user[1],
                json.dumps({"reference": reference}),
                keys[0],
                event[0],
                user[0],
                created[0],
                json.dumps({"reference": reference}),
                keys[1],
                event[0],
                user[0],
                created[0],
            ],
        )
        # The 201's document: the timeline and photos of the new request.
        cur.execute(
            "SELECT id, kind, created_at, message FROM service_requests_requestevent "
            "WHERE request_id = %s AND is_public ORDER BY created_at, id",
            [created[0]],
        )
        cur.fetchall()
        cur.execute(
            "SELECT id, public_file FROM service_requests_attachment WHERE request_id = %s "
            "AND is_public ORDER BY created_at, id",
            [created[0]],
        )
        cur.fetchall()
        document = {"reference": reference, "status": "recue"}
        cur.execute(
            "INSERT INTO service_requests_receipt (scope, key, fingerprint, service_request_id, "
            "response_status, response_body, response_headers, created_at, expires_at) VALUES "
            "(%s, %s, %s, NULL, 201, %s, '{}', now(), now() + interval '1 day') "
            "ON CONFLICT (scope, key) DO NOTHING",
            [caller, key, "0" * 64, json.dumps(document)],
        )
    return document


_CONFIG: dict[str, Any] | None = None  # read once per process; threads may race to fill it


def _config(db: psycopg.Connection[Any], code: str, lat: float, lon: float) -> dict[str, Any]:
    """Read once per process, as our app keeps its configuration in memory."""
    global _CONFIG
    if _CONFIG is None:
        with db.transaction(), db.cursor() as cur:
            cur.execute(
                "SELECT t.id, t.workflow_id, t.team_id, t.sla_hours, t.default_priority, s.id "
                "FROM service_requests_requesttype t JOIN service_requests_state s "
                "ON s.workflow_id = t.workflow_id AND s.is_initial WHERE t.code = %s",
                [code],
            )
            row = cur.fetchone()
            assert row is not None
            cur.execute(
                "SELECT id FROM places_zone WHERE min_lon <= %s AND max_lon >= %s "
                "AND min_lat <= %s AND max_lat >= %s",
                [lon, lon, lat, lat],
            )
            zone_ids = [zone[0] for zone in cur.fetchall()]
        _CONFIG = {
            "type_id": row[0],
            "team_id": row[2],
            "sla_hours": row[3],
            "priority": row[4],
            "state_id": row[5],
            "zone_ids": zone_ids,
        }
    return _CONFIG


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
