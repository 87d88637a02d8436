"""Process again the received messages whose processing failed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from victo_crm.inbound.models import InboundMessage, Status
from victo_crm.inbound.services import inbound_replay


class Command(BaseCommand):
    help = "Process again failed inbound messages: the ids given, or every failed one (--all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("ids", nargs="*", type=int)
        parser.add_argument("--all", action="store_true", help="every failed message")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["ids"] and not options["all"]:
            raise CommandError("name message ids, or --all")
        rows = InboundMessage.objects.filter(status__in=(Status.FAILED, Status.RECEIVED))
        if options["ids"]:
            rows = rows.filter(pk__in=options["ids"])
        for message in rows.order_by("pk"):
            message = inbound_replay(message=message)
            self.stdout.write(f"{message.pk}: {message.status} {message.reason}".rstrip())
