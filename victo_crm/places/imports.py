"""Imports into the address registry (CSV) and the zones (GeoJSON).

Both imports check every record, keep the good ones and report each rejected one with where
it is and why, in French, so that an operator can fix the file and run it again. Both are
upserts: running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .geometry import GeometryError, shape_from_geojson
from .models import Address, Zone, ZoneKind
from .services import addresses_locate, zone_save

BATCH = 1000

# Generous limits of Québec, to catch swapped, truncated or projected coordinates.
QUEBEC_MIN_LAT, QUEBEC_MAX_LAT = 44.9, 62.7
QUEBEC_MIN_LON, QUEBEC_MAX_LON = -79.9, -57.0

# Canada Post never uses D, F, I, O, Q or U, and W and Z never start a code.
POSTAL_CODE_RE = re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])(\d[ABCEGHJ-NPRSTV-Z]\d)$")

ADDRESS_REQUIRED_COLUMNS = ("civic_number", "street", "latitude", "longitude")
ADDRESS_OPTIONAL_COLUMNS = ("civic_suffix", "unit", "postal_code")

AddressKey = tuple[int, str, str, str]  # civic_number, civic_suffix, street, unit


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong columns, not a FeatureCollection…)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Rejection:
    position: int  # the CSV line, or the rank (from 1) of the GeoJSON feature
    reason: str


@dataclass
class ImportReport:
    """What an import did, or would do with ``dry_run``."""

    subject: str  # "addresses" or a zone kind
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    located: int = 0  # address-zone links written after the import
    dry_run: bool = False

    def reject(self, position: int, reasons: list[str]) -> None:
        self.rejected.append(Rejection(position, " ".join(reasons)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "rejected": [{"position": r.position, "reason": r.reason} for r in self.rejected],
            "located": self.located,
            "dry_run": self.dry_run,
        }

    def lines(self) -> list[str]:
        """The report as an operator reads it, in French."""
        counts: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "rejected": len(self.rejected),
        }
        if self.subject == "addresses":
            lines = [
                _(
                    "Adresses — créées : %(created)d, mises à jour : %(updated)d, "
                    "inchangées : %(unchanged)d, rejetées : %(rejected)d."
                )
                % counts
            ]
            where = _("Ligne %(position)d : %(reason)s")
        else:
            counts["kind"] = ZoneKind(self.subject).label
            lines = [
                _(
                    "Zones (%(kind)s) — créées : %(created)d, mises à jour : %(updated)d, "
                    "inchangées : %(unchanged)d, supprimées : %(deleted)d, rejetées : %(rejected)d."
                )
                % counts
            ]
            where = _("Entité %(position)d : %(reason)s")
        lines += [where % {"position": r.position, "reason": r.reason} for r in self.rejected]
        lines += self.warnings
        if self.dry_run:
            lines.append(_("Essai à blanc : rien n’a été enregistré."))
        elif self.located:
            lines.append(
                _("Zones recalculées : %(count)d liens adresse-zone écrits.")
                % {"count": self.located}
            )
        return lines


# --- Field checks, shared with the admin forms -------------------------------------------


def postal_code_normalize(value: str) -> str:
    """``g6p4a1`` or ``G6P-4A1`` → ``G6P 4A1``; an empty value stays empty."""
    compact = re.sub(r"[\s-]", "", value or "").upper()
    if not compact:
        return ""
    match = POSTAL_CODE_RE.match(compact)
    if not match:
        raise ValidationError(
            _("Code postal invalide « %(value)s » : le format attendu est A1A 1A1."),
            params={"value": value},
            code="postal_code",
        )
    return f"{match.group(1)} {match.group(2)}"


def coordinates_check(latitude: float, longitude: float) -> None:
    """Refuse a point that cannot be in Québec, with a hint when the two are swapped."""
    in_quebec = (
        QUEBEC_MIN_LAT <= latitude <= QUEBEC_MAX_LAT
        and QUEBEC_MIN_LON <= longitude <= QUEBEC_MAX_LON
    )
    if in_quebec:
        return
    swapped = (
        QUEBEC_MIN_LAT <= longitude <= QUEBEC_MAX_LAT
        and QUEBEC_MIN_LON <= latitude <= QUEBEC_MAX_LON
    )
    if swapped:
        message = _(
            "Coordonnées hors du Québec (%(latitude)s, %(longitude)s) : la latitude et la "
            "longitude semblent inversées."
        )
    else:
        message = _(
            "Coordonnées hors du Québec (%(latitude)s, %(longitude)s) : la latitude doit "
            "être entre 44,9 et 62,7 et la longitude entre -79,9 et -57,0."
        )
    raise ValidationError(
        message, params={"latitude": latitude, "longitude": longitude}, code="coordinates"
    )


# --- Addresses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressData:
    civic_number: int
    civic_suffix: str
    street: str
    unit: str
    postal_code: str | None  # None: the file has no postal code column, keep what is stored
    latitude: float
    longitude: float

    @property
    def key(self) -> AddressKey:
        return (self.civic_number, self.civic_suffix, self.street, self.unit)


def _text(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return " ".join(str(value).split()) if value is not None else ""


def _parse_coordinate(text: str) -> float | None:
    # Spreadsheets in French write 46,057; accept it when there is no other separator.
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# Whole sentences per column, so that translators never see a sentence assembled from parts.
COORDINATE_MISSING = {
    "latitude": gettext_lazy("Latitude manquante."),
    "longitude": gettext_lazy("Longitude manquante."),
}
COORDINATE_INVALID = {
    "latitude": gettext_lazy("Latitude invalide « %(value)s » : un nombre décimal est attendu."),
    "longitude": gettext_lazy("Longitude invalide « %(value)s » : un nombre décimal est attendu."),
}


def address_row_clean(row: Mapping[str, Any]) -> AddressData:
    """Check and normalise one row; raise ValidationError listing every problem."""
    problems: list[str] = []

    number_text = _text(row, "civic_number")
    civic_number = 0
    if not number_text:
        problems.append(_("Numéro civique manquant."))
    elif not number_text.isdigit() or not 0 < int(number_text) < 1_000_000:
        problems.append(
            _("Numéro civique invalide « %(value)s » : un entier positif est attendu.")
            % {"value": number_text}
        )
    else:
        civic_number = int(number_text)

    civic_suffix = _text(row, "civic_suffix").upper()
    if len(civic_suffix) > 8:
        problems.append(_("Suffixe trop long (8 caractères au plus)."))

    street = _text(row, "street")
    if not street:
        problems.append(_("Rue manquante."))
    elif len(street) > 150:
        problems.append(_("Nom de rue trop long (150 caractères au plus)."))

    unit = _text(row, "unit")
    if len(unit) > 20:
        problems.append(_("Unité trop longue (20 caractères au plus)."))

    postal_code: str | None = None
    if "postal_code" in row:
        try:
            postal_code = postal_code_normalize(_text(row, "postal_code"))
        except ValidationError as error:
            problems.extend(error.messages)

    coordinates: dict[str, float] = {}
    for column in ("latitude", "longitude"):
        text = _text(row, column)
        value = _parse_coordinate(text) if text else None
        if not text:
            problems.append(str(COORDINATE_MISSING[column]))
        elif value is None:
            problems.append(str(COORDINATE_INVALID[column]) % {"value": text})
        else:
            coordinates[column] = value
    if len(coordinates) == 2:
        try:
            coordinates_check(coordinates["latitude"], coordinates["longitude"])
        except ValidationError as error:
            problems.extend(error.messages)

    if problems:
        raise ValidationError(problems)
    return AddressData(
        civic_number=civic_number,
        civic_suffix=civic_suffix,
        street=street,
        unit=unit,
        postal_code=postal_code,
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
    )


def read_address_csv(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of an address CSV as (line number, row), for ``addresses_import``.

    Accepts ``,`` or ``;`` as delimiter and a leading byte-order mark. Line numbers are
    those an editor shows, blank lines included, so the report points at the right line.
    """
    header = stream.readline().lstrip("\ufeff")
    if not header.strip():
        raise ImportFileError(_("Le fichier est vide : une ligne d’en-tête est attendue."))
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(itertools.chain([header], stream), delimiter=delimiter)
    columns = [(name or "").strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in ADDRESS_REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportFileError(
            _(
                "Colonnes manquantes dans l’en-tête : %(columns)s. Colonnes attendues : %(expected)s."
            )
            % {
                "columns": ", ".join(missing),
                "expected": ", ".join(ADDRESS_REQUIRED_COLUMNS + ADDRESS_OPTIONAL_COLUMNS),
            }
        )
    for row in reader:
        yield reader.line_num, row


def _existing_addresses(streets: set[str]) -> dict[AddressKey, Address]:
    existing: dict[AddressKey, Address] = {}
    names = sorted(streets)
    for start in range(0, len(names), 500):  # stay under SQLite's parameter limit
        queryset = Address.objects.filter(street__in=names[start : start + 500])
        for address in queryset.iterator(chunk_size=BATCH):
            key = (address.civic_number, address.civic_suffix, address.street, address.unit)
            existing[key] = address
    return existing


def _locate_in_batches(addresses: list[Address]) -> int:
    links = 0
    for start in range(0, len(addresses), BATCH):
        links += addresses_locate(addresses=addresses[start : start + BATCH])
    return links


@transaction.atomic
def addresses_import(
    *, rows: Iterable[tuple[int, Mapping[str, Any]]], dry_run: bool = False
) -> ImportReport:
    """Upsert addresses keyed on (civic number, suffix, street, unit), then locate them.

    ``rows`` are (line number, row) pairs, as ``read_address_csv`` yields them; from Python,
    ``enumerate(rows, start=2)`` numbers them as a CSV file with a header would. Only new
    addresses and addresses that moved are located again: the zones of the others have not
    changed (a zone import recomputes its own addresses).
    """
    report = ImportReport(subject="addresses", dry_run=dry_run)
    cleaned: dict[AddressKey, tuple[int, AddressData]] = {}
    for line, row in rows:
        try:
            data = address_row_clean(row)
        except ValidationError as error:
            report.reject(line, error.messages)
            continue
        if data.key in cleaned:
            first_line = cleaned[data.key][0]
            report.reject(
                line,
                [
                    _("Adresse en double dans le fichier (déjà à la ligne %(line)d).")
                    % {"line": first_line}
                ],
            )
            continue
        cleaned[data.key] = (line, data)

    existing = _existing_addresses({data.street for _line, data in cleaned.values()})
    to_create: list[Address] = []
    to_update: list[Address] = []
    moved: list[Address] = []
    for key, (_line, data) in cleaned.items():
        address = existing.get(key)
        if address is None:
            to_create.append(
                Address(
                    civic_number=data.civic_number,
                    civic_suffix=data.civic_suffix,
                    street=data.street,
                    unit=data.unit,
                    postal_code=data.postal_code or "",
                    latitude=data.latitude,
                    longitude=data.longitude,
                )
            )
            continue
        postal_code = address.postal_code if data.postal_code is None else data.postal_code
        new_place = (data.latitude, data.longitude) != (address.latitude, address.longitude)
        if postal_code == address.postal_code and not new_place:
            report.unchanged += 1
            continue
        address.postal_code = postal_code
        address.latitude, address.longitude = data.latitude, data.longitude
        to_update.append(address)
        if new_place:
            moved.append(address)
    report.created, report.updated = len(to_create), len(to_update)
    if dry_run:
        return report

    now = timezone.now()
    for address in to_create + to_update:
        # bulk_create and bulk_update skip save(), which maintains these two fields.
        address.search_text = address.compute_search_text()
        address.updated_at = now
    Address.objects.bulk_create(to_create, batch_size=BATCH)
    Address.objects.bulk_update(
        to_update,
        ["postal_code", "latitude", "longitude", "search_text", "updated_at"],
        batch_size=BATCH,
    )
    if any(address.pk is None for address in to_create):
        # Databases that do not return ids from a bulk insert: read them back.
        stored = _existing_addresses({a.street for a in to_create})
        to_create = [stored[(a.civic_number, a.civic_suffix, a.street, a.unit)] for a in to_create]
    report.located = _locate_in_batches(to_create + moved)
    return report


def addresses_import_csv(*, stream: IO[str], dry_run: bool = False) -> ImportReport:
    return addresses_import(rows=read_address_csv(stream), dry_run=dry_run)


# --- Zones ---------------------------------------------------------------------------------


def read_geojson(stream: IO[str]) -> Any:
    try:
        return json.loads(stream.read().lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("Fichier GeoJSON illisible : %(error)s") % {"error": error}
        ) from error


def _feature_problems(
    feature: Any, *, code_property: str, name_property: str
) -> tuple[list[str], str, str, Any]:
    """(problems, code, name, geometry) of one feature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return (
            [_("Ce n’est pas une entité GeoJSON (un objet de type Feature est attendu).")],
            "",
            "",
            None,
        )
    problems = []
    properties = feature.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    name = " ".join(str(properties.get(name_property) or "").split())
    if not name:
        problems.append(
            _("Nom manquant (propriété « %(property)s »).") % {"property": name_property}
        )
    elif len(name) > 150:
        problems.append(_("Nom trop long (150 caractères au plus)."))
    raw_code = properties.get(code_property)
    code = slugify(str(raw_code)) if raw_code not in (None, "") else slugify(name)
    if not code:
        problems.append(
            _("Code manquant ou inutilisable (propriété « %(property)s »).")
            % {"property": code_property}
        )
    elif len(code) > 80:
        problems.append(_("Code trop long (80 caractères au plus)."))
    geometry = feature.get("geometry")
    geometry_type = geometry.get("type") if isinstance(geometry, dict) else None
    if geometry_type not in {"Polygon", "MultiPolygon"}:
        problems.append(
            _("Type de géométrie refusé « %(type)s » : Polygon ou MultiPolygon attendu.")
            % {"type": geometry_type or _("aucune")}
        )
    else:
        try:
            shape_from_geojson(geometry)
        except GeometryError as error:
            problems.extend(error.messages)
    return problems, code, name, geometry


@transaction.atomic
def zones_import(
    *,
    collection: Any,
    kind: str,
    code_property: str = "code",
    name_property: str = "name",
    replace: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Upsert the zones of one kind from a GeoJSON FeatureCollection, keyed on (kind, code).

    A feature without a code takes the slug of its name. Each zone created or reshaped has its
    addresses recomputed. With ``replace``, zones of this kind missing from the file are
    deleted, unless no feature of the file could be imported.
    """
    if kind not in ZoneKind.values:
        raise ImportFileError(
            _("Type de zone inconnu « %(kind)s » ; valeurs permises : %(values)s.")
            % {"kind": kind, "values": ", ".join(ZoneKind.values)}
        )
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ImportFileError(_("Le fichier doit contenir une FeatureCollection GeoJSON."))
    features = collection.get("features")
    if not isinstance(features, list):
        raise ImportFileError(_("La FeatureCollection n’a pas de liste « features »."))

    report = ImportReport(subject=kind, dry_run=dry_run)
    existing = {zone.code: zone for zone in Zone.objects.filter(kind=kind)}
    seen: dict[str, int] = {}  # code → rank of the feature that carried it
    imported = 0
    for rank, feature in enumerate(features, start=1):
        problems, code, name, geometry = _feature_problems(
            feature, code_property=code_property, name_property=name_property
        )
        if code in seen:
            problems.append(
                _("Code « %(code)s » en double dans le fichier (déjà à l’entité %(rank)d).")
                % {"code": code, "rank": seen[code]}
            )
        elif code:
            seen[code] = rank
        if problems:
            report.reject(rank, problems)
            continue

        zone = existing.get(code)
        if zone is not None and zone.name == name and zone.geometry == geometry:
            report.unchanged += 1
            imported += 1
            continue
        if zone is None:
            zone = Zone(kind=kind, code=code, name=name, geometry=geometry)
        else:
            zone.name, zone.geometry = name, geometry
        try:
            if dry_run:
                zone.full_clean()
            else:
                zone_save(zone=zone)
        except ValidationError as error:
            report.reject(rank, error.messages)
            continue
        imported += 1
        if not dry_run:
            report.located += zone.addresses.count()
        if code in existing:
            report.updated += 1
        else:
            report.created += 1

    if replace:
        if imported:
            stale = Zone.objects.filter(kind=kind).exclude(code__in=list(seen))
            report.deleted = stale.count()
            if not dry_run:
                stale.delete()
        else:
            report.warnings.append(
                _("Aucune entité importée : les zones existantes n’ont pas été supprimées.")
            )
    return report
