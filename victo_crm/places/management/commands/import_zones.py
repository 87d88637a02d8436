"""``manage.py import_zones FILE.geojson --kind …``: load districts, sectors, works areas."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from victo_crm.places.imports import ImportFileError, read_geojson, zones_import
from victo_crm.places.models import ZoneKind


class Command(BaseCommand):
    help = _(
        "Importe des zones depuis une FeatureCollection GeoJSON (Polygon ou MultiPolygon, en "
        "longitude/latitude). Chaque entité est reconnue par son code. Les zones existantes "
        "sont mises à jour, puis les zones des adresses sont recalculées."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("Chemin du fichier GeoJSON."))
        parser.add_argument(
            "--kind", required=True, choices=ZoneKind.values, help=_("Type des zones importées.")
        )
        parser.add_argument(
            "--code-property",
            default="code",
            help=_("Propriété qui porte le code de la zone (par défaut : code)."),
        )
        parser.add_argument(
            "--name-property",
            default="name",
            help=_("Propriété qui porte le nom de la zone (par défaut : name)."),
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_("Supprime les zones de ce type absentes du fichier."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Vérifie le fichier et affiche le rapport sans rien enregistrer."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], encoding="utf-8-sig") as stream:
                collection = read_geojson(stream)
            report = zones_import(
                collection=collection,
                kind=options["kind"],
                code_property=options["code_property"],
                name_property=options["name_property"],
                replace=options["replace"],
                dry_run=options["dry_run"],
            )
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
