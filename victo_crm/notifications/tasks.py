"""Celery tasks: thin, taking ids, calling services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_notifications(ids: list[int]) -> dict[str, int]:
    report = services.notifications_deliver(ids=ids)
    return vars(report)


@shared_task(name="notifications.relay", ignore_result=True)
def relay_notifications() -> int:
    return services.notifications_relay()


@shared_task(name="notifications.sla_scan", ignore_result=True)
def scan_sla() -> dict[str, int]:
    from .sla import sla_scan

    return vars(sla_scan())
