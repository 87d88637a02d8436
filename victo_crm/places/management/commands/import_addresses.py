"""``manage.py import_addresses FILE.csv [--dry-run]``: load the address registry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from victo_crm.places.imports import ImportFileError, addresses_import_csv


class Command(BaseCommand):
    help = _(
        "Importe des adresses depuis un fichier CSV (UTF-8, séparateur « , » ou « ; ») dont "
        "l’en-tête nomme les colonnes civic_number, civic_suffix, street, unit, postal_code, "
        "latitude et longitude. Les adresses existantes sont mises à jour, puis leurs zones "
        "sont recalculées."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("Chemin du fichier CSV."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Vérifie le fichier et affiche le rapport sans rien enregistrer."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # utf-8-sig also reads files saved by spreadsheets with a byte-order mark.
            with open(options["file"], encoding="utf-8-sig", newline="") as stream:
                report = addresses_import_csv(stream=stream, dry_run=options["dry_run"])
        except OSError as error:
            raise CommandError(_("Fichier illisible : %(error)s") % {"error": error}) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("Le fichier n’est pas en UTF-8 : %(error)s") % {"error": error}
            ) from error
        except ImportFileError as error:
            raise CommandError(error.message) from error
        for line in report.lines():
            self.stdout.write(line)
