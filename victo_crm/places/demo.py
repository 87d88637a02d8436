"""Demonstration places: the boundary, districts, collection sectors and addresses of
Victoriaville, from the files in ``places/data`` (see the README there for what is real)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.db import transaction

from .imports import ImportReport, addresses_import_csv, read_geojson, zones_import
from .models import ZoneKind

DATA_DIR = Path(__file__).resolve().parent / "data"
ZONE_FILES = [
    (ZoneKind.BOUNDARY, "boundary.geojson"),
    (ZoneKind.DISTRICT, "districts.geojson"),
    (ZoneKind.COLLECTION_SECTOR, "collection_sectors.geojson"),
]
ADDRESS_FILE = "addresses.csv"


@transaction.atomic
def load_demo_places(stdout: IO[str] | Any | None = None) -> dict[str, Any]:
    """Import the demo zones, then the demo addresses; idempotent.

    Zones come first so that the address import places each new address in them. Returns
    each import's report as a dict, keyed by zone kind and ``"addresses"``.
    """
    reports: dict[str, ImportReport] = {}
    for kind, filename in ZONE_FILES:
        with (DATA_DIR / filename).open(encoding="utf-8") as stream:
            reports[kind] = zones_import(collection=read_geojson(stream), kind=kind)
    with (DATA_DIR / ADDRESS_FILE).open(encoding="utf-8-sig", newline="") as stream:
        reports["addresses"] = addresses_import_csv(stream=stream)
    if stdout is not None:
        for report in reports.values():
            for line in report.lines():
                stdout.write(line + "\n")
    return {key: report.as_dict() for key, report in reports.items()}
