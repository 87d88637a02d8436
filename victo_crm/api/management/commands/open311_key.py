from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from victo_crm.api.models import ApiKey
from victo_crm.api.services import api_key_create


class Command(BaseCommand):
    help = "Manage Open311 API keys: `open311_key create NAME` prints the new key once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key for a partner and print it once.")
        create.add_argument("name")
        sub.add_parser("list", help="List keys (never the keys themselves).")
        revoke = sub.add_parser("revoke", help="Deactivate a key by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            try:
                _api_key, key = api_key_create(name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(key)
            self.stderr.write("Store this key now: it is kept hashed and cannot be shown again.")
        elif action == "list":
            for api_key in ApiKey.objects.all():
                state = "active" if api_key.is_active else "revoked"
                self.stdout.write(f"{api_key.prefix}…  {api_key.name}  {state}")
        elif action == "revoke":
            count = ApiKey.objects.filter(prefix=options["prefix"]).update(is_active=False)
            if not count:
                raise CommandError("No key with that prefix.")
            self.stdout.write(f"Revoked {count} key(s).")
