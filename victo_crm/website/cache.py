"""Anonymous page cache: a page view by someone not signed in costs one cache read.

Keys hold the path, the query string and the language, and a generation number that any
publication (or emergency notice) increments, so one publish refreshes every cached page —
menus, news lists and banners included — without listing which pages depend on what.

The cache needs a cache shared by every web process (Redis, ``REDIS_URL``) when there is
more than one; with the embedded local-memory cache each process invalidates only itself.

Pages hold a CSRF token (the language switch is a POST form); it is stored as a marker and
replaced by the visitor's own token on every hit, so one visitor's token never reaches
another.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

GENERATION_KEY = "website:generation"
CSRF_MARKER = "__victo_csrf_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


@dataclass(frozen=True)
class CachedPage:
    content: str
    content_type: str


def seconds() -> int:
    return int(getattr(settings, "VICTO_WEBSITE_CACHE_SECONDS", 300))


# Each process keeps the generation it last read for at most a second, and the pages of
# that generation in a small LRU, so a hit usually costs no network round trip at all; a
# publication reaches every process within a second.
GENERATION_TTL = 1.0
LOCAL_PAGES = 256
_lock = threading.Lock()
_local: dict[str, Any] = {"generation": None, "read_at": 0.0}
_pages: OrderedDict[str, tuple[CachedPage, float]] = OrderedDict()
_memo: dict[tuple[int, str], Any] = {}


def generation() -> int:
    now = time.monotonic()
    if _local["generation"] is not None and now - _local["read_at"] < GENERATION_TTL:
        return int(_local["generation"])
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY) or 1
    with _lock:
        if value != _local["generation"]:
            _pages.clear()
            _memo.clear()
        _local["generation"], _local["read_at"] = int(value), now
    return int(value)


def website_cache_clear() -> None:
    """Forget every cached page (called when a page is published, moved or unpublished)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)
    with _lock:
        _local["generation"] = None
        _pages.clear()
        _memo.clear()


def memo(name: str, factory: Callable[[], Any]) -> Any:
    """A value computed once per process and generation (home pages, menus, request
    types): what only a publication or a configuration change can alter."""
    key = (generation(), name)
    try:
        return _memo[key]
    except KeyError:
        value = factory()
        with _lock:
            _memo[key] = value
        return value


def is_cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or seconds() <= 0:
        return False
    # Messages are shown once, to one visitor: never from the cache.
    if "messages" in request.COOKIES:
        return False
    if len(request.META.get("QUERY_STRING", "")) > 200:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def key_for(request: HttpRequest, language: str) -> str:
    raw = f"{request.path}?{request.META.get('QUERY_STRING', '')}"
    digest = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    return f"website:page:{generation()}:{language}:{digest}"


def lookup(request: HttpRequest, language: str) -> HttpResponse | None:
    key = key_for(request, language)
    local = _pages.get(key)
    cached: Any = local[0] if local is not None and local[1] > time.monotonic() else None
    if cached is None:
        cached = cache.get(key)
        if not isinstance(cached, CachedPage):
            return None
        _remember(key, cached)
    content = cached.content
    if CSRF_MARKER in content:
        content = content.replace(CSRF_MARKER, get_token(request))
    response = HttpResponse(content, content_type=cached.content_type)
    response["X-Website-Cache"] = "hit"
    return response


def store(request: HttpRequest, language: str, response: HttpResponse) -> None:
    if response.status_code != 200 or response.streaming:
        return
    if getattr(response, "cookies", None) and any(
        name != settings.CSRF_COOKIE_NAME for name in response.cookies
    ):
        return
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-cache" in cache_control or "no-store" in cache_control:
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    content = CSRF_INPUT.sub(rf"\g<1>{CSRF_MARKER}\g<2>", response.content.decode())
    key = key_for(request, language)
    page = CachedPage(content=content, content_type=response.get("Content-Type", "text/html"))
    cache.set(key, page, seconds())
    _remember(key, page)
    response["X-Website-Cache"] = "miss"


def _remember(key: str, page: CachedPage) -> None:
    with _lock:
        _pages[key] = (page, time.monotonic() + seconds())
        _pages.move_to_end(key)
        while len(_pages) > LOCAL_PAGES:
            _pages.popitem(last=False)


def set_cache_headers(request: HttpRequest, response: HttpResponse) -> None:
    """Public caching for anonymous views, private for signed-in people (their pages may
    show their name or drafts)."""
    if response.has_header("Cache-Control"):
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = f"public, max-age={min(seconds(), 300)}"
