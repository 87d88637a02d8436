"""The public page cache: Django's cache framework, keyed on the one generation number.

A page view by a visitor who is not signed in is answered by Django's ``CacheMiddleware``
(what ``cache_page`` wraps around a view) from the shared cache. Its key holds the host,
the path, the query string and the language (Django's), behind a prefix holding

- the generation number of ``core.config_cache``, which every publication bumps (so one
  publish refreshes every cached page — menus, news lists and banners included — without
  listing which pages depend on what), and
- a fingerprint of the alerts app's notices in force, read at most once a second per
  process: an emergency banner appears or goes when a notice starts, ends, is published or
  withdrawn, even when the change is an ``UPDATE`` that sends no signal.

Pages hold nothing that belongs to one visitor: the website's language switch is a GET form
(``views.switch_language``), so no page carries a CSRF token, and the header differs only
between signed-in people and the rest. Signed-in people are never answered from the cache
and their pages (``private``) are never stored, nor are pages under a privacy restriction,
answers that set a cookie, or the page of a visitor who has a message waiting. Django's
key does not hold the visitor's cookies: only visitors who are not signed in reach this
cache, and they all see the same page. ``Vary: Cookie``, added on the way out, keeps
browsers and proxies from mixing the two headers.

Every page carries an ``ETag`` (Django's ``set_response_etag``, as ``ConditionalGetMiddleware``
does): a browser revalidating its copy gets Django's ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.cache import CacheMiddleware
from django.utils.cache import get_conditional_response, set_response_etag

from victo_crm.core import config_cache

MAX_QUERY_STRING = 200
MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie: shown once, to one visitor


def seconds() -> int:
    return int(getattr(settings, "VICTO_WEBSITE_CACHE_SECONDS", 300))


def check_seconds() -> float:
    """How long a process trusts the notices it last read."""
    return float(getattr(settings, "VICTO_WEBSITE_CACHE_CHECK_SECONDS", 1.0))


_lock = threading.Lock()
_notices: dict[str, Any] = {"version": None, "read_at": 0.0}


def notices_version() -> str:
    """A fingerprint of the notices in force (what the emergency banner shows), read at most
    once per ``check_seconds()``."""
    now = time.monotonic()
    known = _notices["version"]
    if known is not None and now - _notices["read_at"] < check_seconds():
        return str(known)
    try:
        from victo_crm.alerts.selectors import active_notices

        rows = list(active_notices().values_list("pk", "updated_at")[:20])
        version = hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()[:12]
    except Exception:
        # Like the banner itself: a notice must never take the website down.
        version = str(known or "-")
    with _lock:
        _notices["version"], _notices["read_at"] = version, now
    return version


def website_cache_clear() -> None:
    """Forget every cached page (a page was published, moved or unpublished; a request type,
    a site or a privacy setting changed): the generation moves when the change commits, and
    until then this process neither reads nor stores a page (it may show what is not
    committed yet)."""
    config_cache.forget()
    _forget_notices()


def website_notices_changed() -> None:
    """Read the notices in force again on the next page view (this process), and after
    the commit."""
    _forget_notices()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget_notices)


def _forget_notices() -> None:
    with _lock:
        _notices["version"] = None


def memo(name: str, factory: Callable[[], Any]) -> Any:
    """A value computed once per process and generation (home pages, menus, request types,
    result cards): what only a publication or a configuration change can alter."""
    return config_cache.memoized(f"website:{name}", factory)


def is_shared(request: HttpRequest) -> bool:
    """Whether this page view may be answered from, and stored in, the shared cache."""
    if request.method not in ("GET", "HEAD") or seconds() <= 0 or config_cache.changing():
        return False
    if MESSAGES_COOKIE in request.COOKIES:  # shown once, to one visitor
        return False
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        return False
    return not request.user.is_authenticated


def answer(request: HttpRequest, render: Callable[[], HttpResponse]) -> HttpResponseBase:
    """The page ``render()`` makes, from the shared cache when the visitor may share it (what
    ``cache_page`` does, with the generation in the key), then what ``ConditionalGetMiddleware``
    does: an ``ETag``, and ``304 Not Modified`` when the visitor's copy is current.
    ``render()`` returns a rendered response whose ``Cache-Control`` says whether it may be
    shared."""
    response: HttpResponse
    if is_shared(request):
        prefix = f"website.{config_cache.generation()}.{notices_version()}"
        cache = CacheMiddleware(
            lambda _request: render(), page_timeout=seconds(), key_prefix=prefix
        )
        response = cache.process_request(request) or cast(
            HttpResponse, cache.process_response(request, render())
        )
    else:
        response = render()
    if request.method != "GET" or "no-store" in response.get("Cache-Control", ""):
        return response
    set_response_etag(response)  # the cached copy has none: it is stored before this
    return (
        get_conditional_response(request, etag=response.get("ETag"), response=response) or response
    )


def set_cache_headers(request: HttpRequest, response: HttpResponseBase, *, public: bool) -> None:
    """Public caching for pages every anonymous visitor may share, private otherwise
    (signed-in people's pages show their space or Wagtail's userbar; a restricted page is
    for who passed its restriction)."""
    if response.has_header("Cache-Control"):
        return
    if public and not request.user.is_authenticated:
        response["Cache-Control"] = f"public, max-age={min(seconds(), 300)}"
    else:
        response["Cache-Control"] = "private, no-cache"
