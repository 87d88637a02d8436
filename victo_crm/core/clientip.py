"""The caller's IP address, for every per-address limit (the API's write and wrong-token
limits, allauth's login limits): one answer everywhere.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as
the operator says proxies of theirs append to it: with ``VICTO_TRUSTED_PROXY_COUNT = n`` the
address is the n-th from the right (the one the outermost trusted proxy saw); with 0, the
default, the header is ignored and the address is the TCP peer's (``REMOTE_ADDR``). A client
that rotates the header cannot then pass as many callers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = settings.VICTO_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-min(count, len(forwarded))]
