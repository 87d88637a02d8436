from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from victo_crm.api.services import api_cleanup


class Command(BaseCommand):
    help = "Delete expired Idempotency-Key records and unused photo uploads of the mobile API."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = api_cleanup()
        self.stdout.write(
            f"Deleted {counts['idempotency_keys']} idempotency record(s), "
            f"{counts['uploads']} upload(s)."
        )
