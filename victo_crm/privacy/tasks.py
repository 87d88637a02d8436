"""Celery task of privacy: the retention purge, scheduled by beat (``privacy-purge``)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="privacy.purge", ignore_result=True)
def purge() -> dict[str, int]:
    return services.retention_purge()
