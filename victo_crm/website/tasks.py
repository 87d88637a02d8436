"""Scheduled publishing: Wagtail publishes pages whose go-live time has come only when its
``publish_scheduled`` command runs; beat runs it every few minutes."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="website.publish_scheduled")
def publish_scheduled() -> None:
    call_command("publish_scheduled")
