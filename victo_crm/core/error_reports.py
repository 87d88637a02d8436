"""Errors to a Sentry-compatible service (Sentry, GlitchTip…) when ``SENTRY_DSN`` is set.

Off without a DSN. On, sentry-sdk reports unhandled exceptions of the web (Django) and of the
worker (Celery) and error-level log records, with nothing that identifies a citizen (Law 25:
the service is a third party, often outside Québec):

- no personal data by the SDK's own switches (``data_collection``: no user, cookies, request
  bodies, query strings, SQL parameters or task arguments; headers by allow-list), no local
  variables of the frames (nor their source lines), Redis breadcrumbs without their keys (a
  session's key is in one);
- of the request, the method and the URL pattern only (a path carries tracking tokens and ids,
  a query string a search), and the request id (``X-Request-ID``) to find the logs;
- e-mail addresses, telephone numbers and postal codes replaced in every remaining string
  (exception messages, log messages, breadcrumbs): a message such as "Key (email)=(…) already
  exists" keeps its meaning without the address. Names and street addresses cannot be found by
  a pattern; they reach a report only through a message that quotes them, which the code does
  not write (model ``__str__`` of personal data name no one).
"""

from __future__ import annotations

import re
from typing import Any

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)")
_POSTAL_CODE = re.compile(r"\b[A-Za-z]\d[A-Za-z][ -]?\d[A-Za-z]\d\b")
_KEEP_HEADERS = {"x-request-id", "user-agent", "content-type", "content-length"}
FILTERED = "[filtered]"


def scrub_text(text: str) -> str:
    text = _EMAIL.sub(FILTERED, text)
    text = _PHONE.sub(FILTERED, text)
    return _POSTAL_CODE.sub(FILTERED, text)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_scrub(item) for item in value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    request = event.get("request")
    if isinstance(request, dict):
        headers = request.get("headers") or {}
        event["request"] = {
            "method": request.get("method"),
            # The transaction is the URL pattern (transaction_style="url").
            "url": event.get("transaction") or "",
            "headers": {k: v for k, v in headers.items() if k.lower() in _KEEP_HEADERS},
        }
    event.pop("user", None)
    from .request_id import NONE, current

    if current() != NONE:
        event.setdefault("tags", {})["request_id"] = current()
    for frame_holder in (event.get("exception") or {}).get("values", []):
        for frame in (frame_holder.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        crumb.pop("data", None)
    return _scrub(event)


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    crumb.pop("data", None)
    if crumb.get("category") == "redis" and isinstance(crumb.get("message"), str):
        # "GET victo:1:django.contrib.sessions.cached_db<session key>": the command only.
        crumb["message"] = crumb["message"].split(" ", 1)[0]
    return _scrub(crumb)


def init(dsn: str, *, environment: str = "", release: str = "") -> bool:
    """Start reporting; nothing happens without a DSN. Returns whether it is on."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        # What the integrations may collect (sentry-sdk's successor of send_default_pii):
        # no user, cookies, bodies, query strings, SQL parameters, task arguments, frame
        # variables or source lines; request headers by allow-list.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(_KEEP_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
            "frame_context_lines": 0,
        },
        include_local_variables=False,
        include_source_context=False,  # the code is in the repository; less to send
        max_request_body_size="never",
        traces_sample_rate=0.0,
        integrations=[DjangoIntegration(transaction_style="url"), CeleryIntegration()],
        before_send=before_send,  # type: ignore[arg-type]
        before_breadcrumb=before_breadcrumb,
    )
    return True
