"""Celery task of inbound: the IMAP poll, scheduled by beat (``inbound-poll-imap``) when a
mailbox is configured."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="inbound.poll_imap", ignore_result=True)
def poll_imap() -> int:
    from .imap import mailbox_poll

    return mailbox_poll().stored
