"""Open311's public reads served from the shared cache, with validators.

A list of a thousand requests costs some 40 ms to build; the same answer from the cache costs
a few cache round trips. An answer is kept under a key made of the view, the path, the query
string (parameters sorted, so their order does not matter), the scheme and host (``media_url``
is absolute), the language (``Accept-Language`` chooses it on the APIs), and two generation
numbers of ``core.config_cache``: the configuration's (names, states, which types are
published) and the public requests' (bumped after the commit of any change to a request, its
photos or an address: a submission, a transition, a merge, a redaction, a deletion). A change
is therefore visible on the next read, in every process; ``VICTO_OPEN311_CACHE_SECONDS`` only
bounds how long an unchanged answer is kept (the default date window moves with the clock).

Every answer carries a strong ``ETag`` (a digest of the body), so a client that sends it back
in ``If-None-Match`` gets a 304 without a body. The ETag is also kept under a key of its own,
beside the answer: a conditional read fetches those few bytes, not the answer (half a
megabyte for a thousand requests), and only reads the answer when it changed. No
``Last-Modified``: its one-second precision would let a change made in the same second as the
previous answer go unseen.

Only 200s of anonymous-safe documents are kept: the public feeds hold no personal data (the
publication rule of ``service_requests.selectors.public_requests``), and a GET's answer does
not depend on who asks. If the cache cannot be reached, the answer is built as before.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language

from victo_crm.core import config_cache
from victo_crm.service_requests.models import PUBLIC_REQUESTS_GENERATION

logger = logging.getLogger(__name__)

CACHE_HEADER = "X-Open311-Cache"
ETAG_SUFFIX = ":etag"


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    content_type: str
    etag: str  # quoted, as sent


def seconds() -> int:
    return int(getattr(settings, "VICTO_OPEN311_CACHE_SECONDS", 300))


def max_age() -> int:
    """What clients and proxies may keep without asking: short, since a change shows at once
    here but not in their copies."""
    return min(seconds(), int(getattr(settings, "VICTO_OPEN311_MAX_AGE", 60)))


def key_for(request: HttpRequest, name: str, *, rows: bool) -> str:
    """Raises when the shared cache is unreachable (the generations live there)."""
    query = urlencode(sorted((k, sorted(v)) for k, v in request.GET.lists()), doseq=True)
    if rows:
        config, feed = config_cache.generations_with(PUBLIC_REQUESTS_GENERATION)
    else:
        config, feed = config_cache.generation(), 0
    parts = [
        name,
        request.scheme or "",
        request.get_host(),
        request.path,
        query,
        get_language() or "",
        str(config),
        str(feed),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"open311:answer:{digest}"


def public_answer(
    *, rows: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponseBase]]:
    """Cache a public GET view's 200 answers; ``rows``: whether the answer shows requests
    (services and their definitions show only configuration)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD") or seconds() <= 0:
                return view(request, *args, **kwargs)
            key: str | None = None
            answer: Any = None
            try:
                # The generations are read before the rows, so an answer built from rows
                # older than a change is never kept under the number that follows it.
                key = key_for(request, view.__name__, rows=rows)
                if request.headers.get("If-None-Match"):
                    unchanged = not_modified(request, cache.get(key + ETAG_SUFFIX))
                    if unchanged is not None:
                        return unchanged
                answer = cache.get(key)
            except Exception:
                logger.warning("open311 cache: unreachable, answering uncached", exc_info=True)
            state = "hit"
            if not isinstance(answer, CachedAnswer):
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.cookies:
                    return response
                body = response.content
                answer = CachedAnswer(
                    body=body,
                    content_type=response["Content-Type"],
                    etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                )
                state = "miss"
                if key is not None:
                    try:
                        cache.set_many({key: answer, key + ETAG_SUFFIX: answer.etag}, seconds())
                    except Exception:
                        logger.warning("open311 cache: unreachable, not kept", exc_info=True)
            return respond(request, answer, state)

        return wrapper

    return decorate


def _validated(response: HttpResponse, etag: str, state: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age()}"
    patch_vary_headers(response, ("Accept-Language",))
    response[CACHE_HEADER] = state
    return response


def not_modified(request: HttpRequest, etag: Any) -> HttpResponseBase | None:
    """The 304 for a client that holds the answer whose ETag is ``etag``, or None."""
    if not isinstance(etag, str):
        return None
    found = get_conditional_response(
        request, etag=etag, response=_validated(HttpResponse(), etag, "hit")
    )
    return found if found is not None and found.status_code == 304 else None


def respond(request: HttpRequest, answer: CachedAnswer, state: str) -> HttpResponseBase:
    response = _validated(
        HttpResponse(answer.body, content_type=answer.content_type), answer.etag, state
    )
    # 304 (no body) when If-None-Match names this answer; 412 for a failed If-Match.
    return get_conditional_response(request, etag=answer.etag, response=response) or response
