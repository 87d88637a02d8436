"""Fill the database with realistic requests, in bulk, for benchmarks and rehearsals.

    manage.py generate_load_data --requests 1000000
    manage.py generate_load_data --requests 300 --citizens 20 --years 2025,2026 --seed 7

Adds to what is there (run it twice, get twice as many). See
``victo_crm.service_requests.loadgen`` for what it writes and how it stays consistent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from victo_crm.service_requests.loadgen import (
    DEFAULT_YEARS,
    LoadDataError,
    default_workers,
    generate_load_data,
)


def _years(text: str) -> list[int]:
    try:
        years = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise CommandError(f"Années illisibles : « {text} » (exemple : 2024,2025,2026).") from None
    if not years:
        raise CommandError("Indiquez au moins une année.")
    return years


class Command(BaseCommand):
    help = (
        "Génère des requêtes réalistes en masse (avec leurs événements et leurs citoyens) "
        "pour les bancs d’essai. Ajoute aux données existantes; n’écrit aucune notification."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, required=True, help="Nombre de requêtes.")
        parser.add_argument(
            "--citizens", type=int, default=None, help="Nombre de citoyens (défaut : requêtes/20)."
        )
        parser.add_argument(
            "--years",
            default=",".join(str(year) for year in DEFAULT_YEARS),
            help="Années couvertes, séparées par des virgules (défaut : %(default)s).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Graine (reproductible).")
        parser.add_argument(
            "--batch", type=int, default=None, help="Requêtes par lot (une transaction par lot)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "Processus qui préparent et écrivent les lots (PostgreSQL; "
                f"défaut : {default_workers()})."
            ),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Accepter de générer des données fictives avec les réglages de production.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings_module = str(getattr(settings, "SETTINGS_MODULE", "") or "")
        if settings_module.endswith(".production") and not options["allow_production"]:
            raise CommandError(
                "Refusé : ces données sont fictives et se mêleraient aux vraies. "
                "Ajoutez --allow-production seulement sur un serveur d’essai."
            )
        verbose = options["verbosity"] >= 1
        try:
            report = generate_load_data(
                requests=options["requests"],
                citizens=options["citizens"],
                years=_years(options["years"]),
                seed=options["seed"],
                batch=options["batch"],
                workers=options["workers"],
                progress=self.stdout.write if verbose else None,
            )
        except LoadDataError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(self.style.SUCCESS(line) if verbose else line)
