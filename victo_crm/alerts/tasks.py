"""Celery tasks of alerts: thin, taking ids, calling services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="alerts.fan_out_notice", ignore_result=True)
def fan_out_notice(notice_id: int) -> int:
    return services.notice_fanout(notice_id=notice_id)


@shared_task(name="alerts.resume_fanouts", ignore_result=True)
def resume_fanouts() -> int:
    return services.notices_resume_fanouts()


@shared_task(name="alerts.collection_reminders", ignore_result=True)
def collection_reminders() -> int:
    return services.collection_reminders_send()
