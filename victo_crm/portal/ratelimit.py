"""A fixed-window counter in the cache (Redis in production, where ``add`` and ``incr`` are
atomic), for the portal's endpoints that a script could hammer."""

from __future__ import annotations

from django.core.cache import cache


def allow(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; False once more than ``limit`` came within the window."""
    name = f"portal-rate:{key}"
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr: this hit opens a new window
        cache.add(name, 1, timeout=window_seconds)
        return True
    return count <= limit
