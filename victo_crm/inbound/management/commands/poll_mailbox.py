"""Poll the hosted mailbox once (beat does it every VICTO_IMAP_POLL_SECONDS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from victo_crm.inbound.imap import mailbox_poll


class Command(BaseCommand):
    help = "Fetch, store and process the messages of the IMAP mailbox (VICTO_IMAP_*)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        report = mailbox_poll(limit=options["limit"])
        self.stdout.write(f"fetched {report.fetched}, stored {report.stored}")
