"""Every log line carries the id of the request (or task) that caused it, from the web to the
worker (core/request_id.py); production logs are JSON."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.test import Client

from victo_crm.celery import app as project_app
from victo_crm.core import request_id

log = logging.getLogger("victo_crm.tests.request_id")
pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines(settings: Any) -> Iterator[io.StringIO]:
    """The root logger writing to a buffer through the project's own JSON handler."""
    config = json.loads(json.dumps(settings.LOGGING, default=str))
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = "ext://sys.stderr"
    logging.config.dictConfig(config)
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h, logging.StreamHandler))
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_each_answer_carries_a_new_request_id(client: Client) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_client_cannot_choose_its_id_unless_the_proxy_is_trusted(
    client: Client, settings: Any
) -> None:
    settings.VICTO_TRUST_REQUEST_ID = False
    assert client.get("/healthz", HTTP_X_REQUEST_ID="mine")["X-Request-ID"] != "mine"
    settings.VICTO_TRUST_REQUEST_ID = True
    assert client.get("/healthz", HTTP_X_REQUEST_ID="proxy-42")["X-Request-ID"] == "proxy-42"
    # Even from the proxy, nothing that could break a log line or a header.
    odd = client.get("/healthz", HTTP_X_REQUEST_ID='a b"c')["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", odd)


def test_every_line_of_a_request_is_json_with_its_id(
    client: Client, json_lines: io.StringIO
) -> None:
    response = client.get("/this-page-does-not-exist/")
    lines = records(json_lines)
    assert response.status_code == 404
    warning = next(r for r in lines if r["logger"] == "django.request")
    assert warning["request_id"] == response["X-Request-ID"]
    assert {"time", "level", "message", "process"} <= set(warning)
    log.info("outside any request")
    assert records(json_lines)[-1]["request_id"] == "-"


@pytest.fixture(scope="module")
def worker_app() -> Iterator[Celery]:
    """A real worker (a thread) consuming a real broker's messages, so that the id travels in
    message headers as in production, not through the test's own context."""
    app = Celery(
        "request-id-test", broker="memory://", backend="cache+memory://", set_as_current=False
    )
    app.conf.task_always_eager = False
    seen: dict[str, str] = {}

    @app.task(name="request_id_test.record")
    def record() -> str:
        seen["id"] = request_id.current()
        log.info("inside the task")
        return seen["id"]

    app.seen = seen  # type: ignore[attr-defined]
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        # start_worker makes its app the current and default one; left so, every later
        # ``.delay()`` of this process (eager in the tests) went to this stopped worker's
        # memory broker, and the tests that expect a task to run found nothing sent.
        project_app.set_current()
        project_app.set_default()


def test_a_task_logs_with_the_id_of_the_request_that_queued_it(
    worker_app: Celery, json_lines: io.StringIO
) -> None:
    token = request_id.request_id.set("submission-123")
    try:
        result = worker_app.tasks["request_id_test.record"].delay()
    finally:
        request_id.request_id.reset(token)
    assert result.get(timeout=20) == "submission-123"
    task_line = next(r for r in records(json_lines) if r["message"] == "inside the task")
    assert task_line["request_id"] == "submission-123"


def test_a_scheduled_task_gets_an_id_of_its_own(worker_app: Celery) -> None:
    result = worker_app.tasks["request_id_test.record"].delay()
    assert result.get(timeout=20) == f"task-{result.id}"
