"""Anonymous page cache: a page view by someone not signed in costs a dictionary look-up.

:class:`PageCacheMiddleware` sits right after Django's CSRF middleware. For a GET of a
website page by a visitor without a session cookie it answers from the cache before
authentication, sessions, messages, URL routing or Wagtail run; on a miss it lets the page
be rendered and stores the whole response — body and headers (Content-Type,
Content-Language, Cache-Control, Vary, X-Frame-Options) — once every inner middleware has
added its part. The security middleware, outside it, adds its headers to every answer.

Keys hold the host, the path, the query string and the language, a generation number that
any publication increments (so one publish refreshes every cached page — menus, news lists
and banners included — without listing which pages depend on what), and a fingerprint of
the alerts app's notices in force, read at most once a second per process: an emergency
banner appears or goes when a notice starts, ends, is published or withdrawn, even when the
change is an ``UPDATE`` that sends no signal.

The cache needs a cache shared by every web process (Redis, ``REDIS_URL``) when there is
more than one; with the embedded local-memory cache each process invalidates only itself.
Each process also keeps the pages it served lately in memory, so a hit usually costs no
network round trip at all; another process's publication reaches it within a second.

Pages hold a CSRF token (the language switch is a POST form); it is stored as a marker and
replaced by the visitor's own token on every hit, so one visitor's token never reaches
another. A visitor who has no CSRF cookie yet gets one, and that answer is ``private`` so
no shared cache keeps a response that sets a cookie.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.urls import Resolver404, resolve

from victo_crm.core import config_cache

logger = logging.getLogger(__name__)

CSRF_MARKER = b"__victo_csrf_token__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]*)(")')
CACHE_HEADER = "X-Website-Cache"
PAGE_VIEW = "wagtail_serve"
MAX_QUERY_STRING = 200
MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie: shown once, to one visitor
# Headers recomputed for each answer, never stored.
UNSTORED_HEADERS = frozenset(["content-length", "etag", "x-website-cache", "set-cookie"])


@dataclass(frozen=True)
class CachedPage:
    content: bytes  # with CSRF_MARKER where the visitor's token goes
    headers: tuple[tuple[str, str], ...]
    etag: str  # a digest of ``content``

    @property
    def has_csrf_token(self) -> bool:
        return CSRF_MARKER in self.content


def seconds() -> int:
    return int(getattr(settings, "VICTO_WEBSITE_CACHE_SECONDS", 300))


def check_seconds() -> float:
    """How long a process trusts the generation and the notices it last read."""
    return float(getattr(settings, "VICTO_WEBSITE_CACHE_CHECK_SECONDS", 1.0))


LOCAL_PAGES = 256
_lock = threading.Lock()
_state: dict[str, Any] = {
    "notices": None,
    "notices_at": 0.0,
    "down_logged_at": -3600.0,
}
_pages: OrderedDict[str, tuple[CachedPage, float]] = OrderedDict()
_page_paths: dict[str, bool] = {}


# --- Freshness ---------------------------------------------------------------------------------


def generation() -> int:
    """The one generation number of ``core.config_cache``: a publication bumps it."""
    return config_cache.generation()


def notices_version() -> str:
    """A fingerprint of the notices in force (what the emergency banner shows), read at most
    once per ``check_seconds()``."""
    now = time.monotonic()
    known = _state["notices"]
    if known is not None and now - _state["notices_at"] < check_seconds():
        return str(known)
    try:
        from victo_crm.alerts.selectors import active_notices

        rows = list(active_notices().values_list("pk", "updated_at")[:20])
        version = hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()[:12]
    except Exception:
        # Like the banner itself: a notice must never take the website down.
        version = str(known or "-")
    with _lock:
        if version != known:
            _pages.clear()
        _state["notices"], _state["notices_at"] = version, now
    return version


def _cache_down() -> None:
    """The shared cache failed: pages are then rendered, never refused. Said once a minute."""
    now = time.monotonic()
    if now - _state["down_logged_at"] > 60:
        _state["down_logged_at"] = now
        logger.warning("website page cache: the shared cache is unreachable", exc_info=True)


def website_cache_clear() -> None:
    """Forget every cached page (a page was published, moved or unpublished; a request type,
    a site or a privacy setting changed): the generation moves when the change commits, and
    until then this process stores no page (it may show what is not committed yet)."""
    config_cache.forget()
    with _lock:
        _state["notices"] = None
        _pages.clear()


def website_notices_changed() -> None:
    """Read the notices in force again on the next page view (this process), and after
    the commit."""
    _forget_notices()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget_notices)


def _forget_notices() -> None:
    with _lock:
        _state["notices"] = None


def memo(name: str, factory: Callable[[], Any]) -> Any:
    """A value computed once per process and generation (home pages, menus, request types,
    result cards): what only a publication or a configuration change can alter."""
    return config_cache.memoized(f"website:{name}", factory)


# --- Which requests ----------------------------------------------------------------------------


def is_cacheable_request(request: HttpRequest) -> bool:
    """For the page view: an anonymous GET whose answer may be shared."""
    if request.method not in ("GET", "HEAD") or seconds() <= 0:
        return False
    # Messages are shown once, to one visitor: never from the cache.
    if MESSAGES_COOKIE in request.COOKIES:
        return False
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def is_early_candidate(request: HttpRequest) -> bool:
    """For the middleware, before sessions and authentication: a GET of a website page by
    a visitor who carries no session and no credentials, so cannot be signed in."""
    if request.method not in ("GET", "HEAD") or seconds() <= 0:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return False
    meta = request.META
    if "HTTP_AUTHORIZATION" in meta or "HTTP_X_SESSION_TOKEN" in meta:
        return False
    if len(meta.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        return False
    if getattr(settings, "CSRF_USE_SESSIONS", False):
        return False
    return is_page_path(request.path_info)


def is_page_path(path: str) -> bool:
    """Whether Wagtail's page view serves this path (remembered per process)."""
    known = _page_paths.get(path)
    if known is None:
        try:
            known = resolve(path).url_name == PAGE_VIEW
        except Resolver404:
            known = False
        if len(_page_paths) > 10_000:
            _page_paths.clear()
        _page_paths[path] = known
    return known


def key_for(request: HttpRequest, language: str) -> str:
    raw = f"{request.get_host()}{request.path}?{request.META.get('QUERY_STRING', '')}"
    digest = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    return f"website:page:{generation()}:{notices_version()}:{language}:{digest}"


# --- Reading -----------------------------------------------------------------------------------


def lookup(request: HttpRequest, language: str) -> HttpResponseBase | None:
    if config_cache.changing():  # this process is publishing: its pages are being replaced
        return None
    key = key_for(request, language)
    local = _pages.get(key)
    page: Any = local[0] if local is not None and local[1] > time.monotonic() else None
    if page is None:
        try:
            page = cache.get(key)
        except Exception:
            _cache_down()
            return None
        if not isinstance(page, CachedPage):
            return None
        _remember(key, page)
    return _answer(request, page)


def _answer(request: HttpRequest, page: CachedPage) -> HttpResponseBase:
    content = page.content
    etag = f'W/"{page.etag}"'
    sets_cookie = False
    if page.has_csrf_token:
        # CsrfViewMiddleware has read the visitor's cookie; csrf_token() masks that secret,
        # or makes a new one that the middleware sets on the way out.
        sets_cookie = has_no_csrf_secret(request)
        token = csrf_token(request)
        content = content.replace(CSRF_MARKER, token.encode())
        # The body holds a token of this visitor's secret: so does the validator.
        secret = str(request.META.get("CSRF_COOKIE", ""))
        visitor = hashlib.sha1(secret.encode(), usedforsecurity=False).hexdigest()[:8]
        etag = f'W/"{page.etag}-{visitor}"'
    if not sets_cookie and _etag_matches(request, etag):
        response: HttpResponseBase = HttpResponseNotModified()
        for name, value in page.headers:
            if name.lower() != "content-type":
                response[name] = value
        # What the 200 would have sent (RFC 9110 §8.6), not the empty body's 0.
        response["Content-Length"] = str(len(content))
    else:
        response = HttpResponse(content)
        for name, value in page.headers:
            response[name] = value
    response["ETag"] = etag
    response[CACHE_HEADER] = "hit"
    if sets_cookie:
        make_private(response)
    return response


def csrf_token(request: HttpRequest) -> str:
    """What ``django.middleware.csrf.get_token`` returns and records — the visitor's secret
    (or a new one, which CsrfViewMiddleware then sets as the cookie) under a fresh mask —
    with the random characters drawn from one ``os.urandom`` call per string rather than one
    per character as Django's ``get_random_string`` does: those 64 system calls were the
    largest cost of a cached page view for a visitor without a cookie."""
    meta = request.META
    if "CSRF_COOKIE" not in meta:
        meta["CSRF_COOKIE"] = _random_csrf_chars(CSRF_SECRET_LENGTH)
    meta["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie's expiry is renewed
    secret = str(meta["CSRF_COOKIE"])
    mask = _random_csrf_chars(CSRF_SECRET_LENGTH)
    size = len(CSRF_ALLOWED_CHARS)
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(_CSRF_INDEX[x] + _CSRF_INDEX[y]) % size]
        for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# Bytes at or above this multiple of the alphabet's size are dropped, so every character
# is equally likely.
_CSRF_UNBIASED = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def _random_csrf_chars(count: int) -> str:
    chars: list[str] = []
    size = len(CSRF_ALLOWED_CHARS)
    while len(chars) < count:
        chars += [
            CSRF_ALLOWED_CHARS[b % size] for b in os.urandom(count + 16) if b < _CSRF_UNBIASED
        ]
    return "".join(chars[:count])


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in header.split(",")
    )


def has_no_csrf_secret(request: HttpRequest) -> bool:
    """Whether the visitor came without a usable CSRF cookie, so that a page with a form
    gives them a new secret (Django also re-sends an existing one, which is harmless)."""
    meta = request.META
    return "CSRF_COOKIE" not in meta or bool(meta.get("CSRF_COOKIE_NEEDS_UPDATE"))


def make_private(response: HttpResponseBase) -> None:
    """An answer that sets a cookie is for this visitor's browser only."""
    current = response.get("Cache-Control", "")
    if current.startswith("public"):
        response["Cache-Control"] = "private" + current.removeprefix("public")


# --- Writing -----------------------------------------------------------------------------------


def mark_cacheable(response: HttpResponseBase) -> None:
    """The page view's word that this answer is the same for every anonymous visitor."""
    response.website_cacheable = True  # type: ignore[attr-defined]


def store(request: HttpRequest, response: HttpResponseBase, language: str) -> None:
    if not getattr(response, "website_cacheable", False) or config_cache.changing():
        return
    if not isinstance(response, HttpResponse) or response.status_code != 200:
        return
    if any(name != settings.CSRF_COOKIE_NAME for name in response.cookies):
        return
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-cache" in cache_control or "no-store" in cache_control:
        return
    tokens = [match[2] for match in CSRF_INPUT.finditer(response.content)]
    content = CSRF_INPUT.sub(rb"\g<1>" + CSRF_MARKER + rb"\g<3>", response.content)
    secret = str(request.META.get("CSRF_COOKIE", "")).encode()
    # A token or secret anywhere else (a script, a meta tag) would be shared: not stored.
    if (secret and secret in content) or any(token and token in content for token in tokens):
        return
    page = CachedPage(
        content=content,
        headers=tuple(
            (name, value)
            for name, value in response.items()
            if name.lower() not in UNSTORED_HEADERS
        ),
        etag=hashlib.sha1(content, usedforsecurity=False).hexdigest()[:20],
    )
    key = key_for(request, language)
    try:
        cache.set(key, page, seconds())
    except Exception:
        _cache_down()
    _remember(key, page)
    response[CACHE_HEADER] = "miss"
    if page.has_csrf_token:
        visitor = hashlib.sha1(secret, usedforsecurity=False).hexdigest()[:8]
        response["ETag"] = f'W/"{page.etag}-{visitor}"'
    else:
        response["ETag"] = f'W/"{page.etag}"'
    if getattr(request, "website_new_csrf_secret", False) and page.has_csrf_token:
        make_private(response)


def _remember(key: str, page: CachedPage) -> None:
    with _lock:
        _pages[key] = (page, time.monotonic() + seconds())
        _pages.move_to_end(key)
        while len(_pages) > LOCAL_PAGES:
            _pages.popitem(last=False)


def set_cache_headers(request: HttpRequest, response: HttpResponseBase) -> None:
    """Public caching for anonymous views, private for signed-in people (their pages may
    show their name or drafts)."""
    if response.has_header("Cache-Control"):
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = f"public, max-age={min(seconds(), 300)}"


class PageCacheMiddleware:
    """Answers anonymous page views from the cache before the rest of the stack runs, and
    stores the pages the page view marked as shareable. Goes right after
    ``CsrfViewMiddleware`` (which reads the visitor's CSRF cookie and sets a new one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from .selectors import language_of_path

        language = language_of_path(request.path_info)
        request.website_new_csrf_secret = has_no_csrf_secret(request)  # type: ignore[attr-defined]
        if is_early_candidate(request):
            hit = lookup(request, language)
            if hit is not None:
                return hit
            request.website_cache_checked = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        if getattr(response, "website_cacheable", False):
            store(request, response, language)
        return response
