"""The ``mail`` process of the Procfile: receive the town's mail over LMTP or SMTP."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from victo_crm.inbound.server import mail_server


class Command(BaseCommand):
    help = (
        "Receive mail for the reply and request addresses over LMTP (default) or SMTP "
        "(VICTO_MAIL_SERVER_PROTOCOL, _HOST, _PORT)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.VICTO_MAIL_SERVER_HOST)
        parser.add_argument("--port", type=int, default=settings.VICTO_MAIL_SERVER_PORT)
        parser.add_argument(
            "--protocol", choices=("lmtp", "smtp"), default=settings.VICTO_MAIL_SERVER_PROTOCOL
        )
        parser.add_argument("--threads", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        controller = mail_server(
            host=options["host"],
            port=options["port"],
            protocol=options["protocol"],
            threads=options["threads"],
        )
        self.stdout.write(
            f"{options['protocol'].upper()} server on {options['host']}:{options['port']}"
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        controller.stop()
