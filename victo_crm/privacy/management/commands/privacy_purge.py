from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from victo_crm.privacy.services import retention_purge


class Command(BaseCommand):
    help = (
        "Apply the retention periods now (beat runs the same purge, task privacy.purge): "
        "expired uploads and API replays, old outbox bodies and inbox messages, resend "
        "receipts, the personal data of long-closed requests."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in sorted(retention_purge().items()):
            self.stdout.write(f"{name}: {count}")
