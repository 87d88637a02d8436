"""One id per request, in every log line it causes, in the web process and in the worker.

The web takes the ``X-Request-ID`` of a proxy of ours when ``VICTO_TRUST_REQUEST_ID`` is on
(nginx: ``proxy_set_header X-Request-ID $request_id``), or makes one, and returns it in the
response's ``X-Request-ID`` header: a citizen who reports an error can quote it, and the
operator finds every line of that request, and of the tasks it queued. A task carries the id
in its message headers (``request_id``); the worker sets it around the task, so the
deliveries of a submission log the submission's id. Outside a request or a task the id is
``-``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NONE = "-"
# What we accept from a proxy: no spaces or quotes (it goes into log lines and headers).
_VALID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")

request_id: ContextVar[str] = ContextVar("request_id", default=NONE)


def current() -> str:
    return request_id.get()


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        trusted = settings.VICTO_TRUST_REQUEST_ID and _VALID.fullmatch(given)
        value = given if trusted else new_id()
        # Kept until the request is finished (``forget`` below): Django logs a 4xx or 5xx
        # answer after the middleware has returned, and that line needs the id too.
        request_id.set(value)
        response = self.get_response(request)
        response[HEADER] = value
        return response


def forget(**kwargs: Any) -> None:
    """``request_finished``: the thread's next lines belong to no request."""
    request_id.set(NONE)


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` (on the handler, so that every line has one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


# --- Celery: the id travels in the task's message headers -------------------------------------


def add_to_task_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """``before_task_publish``: the publishing request's (or task's) id goes along."""
    value = request_id.get()
    if headers is not None and value != NONE:
        headers.setdefault("request_id", value)


def set_for_task(task: Any = None, task_id: str = "", **kwargs: Any) -> None:
    """``task_prerun``: the id from the message, or (no header: a beat job) one of the
    task's own. A task run in-process (eager) keeps the id of the request that runs it."""
    carried = getattr(getattr(task, "request", None), "request_id", None)
    if isinstance(carried, str) and _VALID.fullmatch(carried):
        value = carried
    elif request_id.get() != NONE:
        return
    else:
        value = f"task-{task_id}" if task_id else new_id()
    token = request_id.set(value)
    if task is not None:
        task.request.victo_request_id_token = token


def reset_after_task(task: Any = None, **kwargs: Any) -> None:
    token = getattr(getattr(task, "request", None), "victo_request_id_token", None)
    if token is not None:
        try:
            request_id.reset(token)
        except ValueError:  # set in another context: leave it
            request_id.set(NONE)
        task.request.victo_request_id_token = None


def connect_signals() -> None:
    from celery import signals
    from django.core.signals import request_finished

    request_finished.connect(forget, dispatch_uid="victo-request-id-forget")
    signals.before_task_publish.connect(add_to_task_headers, weak=False)
    signals.task_prerun.connect(set_for_task, weak=False)
    signals.task_postrun.connect(reset_after_task, weak=False)
