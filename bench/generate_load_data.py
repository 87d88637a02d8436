"""Fill a database with realistic requests, in bulk, for the benchmarks and rehearsals.

    .venv/bin/python bench/generate_load_data.py --requests 1000000
    .venv/bin/python bench/generate_load_data.py --requests 300 --citizens 20 --years 2025,2026 --seed 7

Adds to what is there (run it twice, get twice as many). It writes to the database of
``DATABASE_URL`` with the settings of ``DJANGO_SETTINGS_MODULE`` (``victo_crm.settings.base``
by default), and refuses the production settings unless ``--allow-production`` is given.
See ``bench/loadgen`` for what it writes and how it stays consistent.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victo_crm.settings.base")


def _years(text: str) -> list[int]:
    try:
        years = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"Années illisibles : « {text} » (exemple : 2024,2025,2026)."
        ) from None
    if not years:
        raise argparse.ArgumentTypeError("Indiquez au moins une année.")
    return years


def main(argv: list[str] | None = None) -> int:
    import django

    django.setup()
    from bench.loadgen import DEFAULT_YEARS, LoadDataError, default_workers, generate_load_data

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, required=True, help="Nombre de requêtes.")
    parser.add_argument("--citizens", type=int, help="Nombre de citoyens (défaut : requêtes/20).")
    parser.add_argument(
        "--years",
        type=_years,
        default=list(DEFAULT_YEARS),
        help="Années couvertes, séparées par des virgules (défaut : les trois dernières).",
    )
    parser.add_argument("--seed", type=int, help="Graine (reproductible).")
    parser.add_argument("--batch", type=int, help="Requêtes par lot (une transaction par lot).")
    parser.add_argument(
        "--workers",
        type=int,
        help=f"Processus qui préparent et écrivent les lots (PostgreSQL; défaut : {default_workers()}).",
    )
    parser.add_argument(
        "--allow-production",
        action="store_true",
        help="Accepter de générer des données fictives avec les réglages de production.",
    )
    parser.add_argument("--quiet", action="store_true", help="Sans la progression.")
    options = parser.parse_args(argv)
    if (
        os.environ["DJANGO_SETTINGS_MODULE"].endswith(".production")
        and not options.allow_production
    ):
        print(
            "Refusé : ces données sont fictives et se mêleraient aux vraies. "
            "Ajoutez --allow-production seulement sur un serveur d’essai.",
            file=sys.stderr,
        )
        return 2
    try:
        report = generate_load_data(
            requests=options.requests,
            citizens=options.citizens,
            years=options.years,
            seed=options.seed,
            batch=options.batch,
            workers=options.workers,
            progress=None if options.quiet else lambda line: print(line, flush=True),
        )
    except LoadDataError as error:
        print(error, file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
