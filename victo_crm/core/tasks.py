"""Housekeeping of what the cache leaves in PostgreSQL while Redis was unreachable."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import CacheEntry, RateCounter


@shared_task(name="core.sweep")
def sweep() -> int:
    """Delete the database cache's and the rate counters' expired rows (their keys may name
    an address or a person: kept no longer than Redis would have kept them)."""
    now = timezone.now()
    cache_rows, _ = CacheEntry.objects.filter(expires__lt=now).delete()
    counters, _ = RateCounter.objects.filter(expires_at__lt=now).delete()
    return cache_rows + counters


@shared_task(name="core.heartbeat")
def heartbeat() -> None:
    """Beat queues it, a worker runs it: ``/readyz`` reads when it last happened."""
    from .readiness import heartbeat as record

    record()
