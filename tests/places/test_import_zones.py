"""Importing districts, collection sectors and works areas from GeoJSON.

Each feature is checked on its own: a broken one is reported with its rank and the reason,
the others are stored, and the addresses they cover are placed in them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.places.conftest import collection, feature, polygon
from victo_crm.places.imports import ImportFileError, zones_import
from victo_crm.places.models import Address, Zone, ZoneKind
from victo_crm.places.services import addresses_locate

NORTH = polygon(46.06, -72.03, 46.12, -71.87)
SOUTH = polygon(46.00, -72.03, 46.06, -71.87)
BOWTIE = {  # its outline crosses itself
    "type": "Polygon",
    "coordinates": [[[-72.0, 46.0], [-71.9, 46.1], [-71.9, 46.0], [-72.0, 46.1], [-72.0, 46.0]]],
}


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_zones", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def homes(db: None) -> dict[str, Address]:
    """One address in the north half of town, one in the south half."""
    north = Address.objects.create(
        civic_number=1, street="rue Arel", latitude=46.09, longitude=-71.95
    )
    south = Address.objects.create(
        civic_number=2, street="rue Arel", latitude=46.03, longitude=-71.95
    )
    addresses_locate()
    return {"north": north, "south": south}


def test_good_features_are_stored_and_broken_ones_reported(
    homes: dict[str, Address], write_file: Callable[..., Path]
):
    path = write_file(
        "secteurs.geojson",
        collection(
            feature(NORTH, code="nord", name="Secteur Nord"),
            feature(BOWTIE, code="noeud", name="Secteur noué"),
            feature(SOUTH, code="sans-nom"),
            feature({"type": "Point", "coordinates": [-71.95, 46.05]}, code="p", name="Un point"),
            {"type": "Polygon", "coordinates": []},
        ),
    )

    output = run(path, "--kind", "collection_sector")

    assert "Zones (Secteur de collecte) — créées\u00a0: 1, mises à jour\u00a0: 0" in output
    assert "rejetées\u00a0: 4." in output
    assert "Entité 2\u00a0: La géométrie n’est pas valide" in output
    assert "Entité 3\u00a0: Nom manquant (propriété «\u00a0name\u00a0»)." in output
    assert (
        "Entité 4\u00a0: Type de géométrie refusé «\u00a0Point\u00a0»\u00a0: Polygon ou MultiPolygon attendu."
        in output
    )
    assert "Entité 5\u00a0: Ce n’est pas une entité GeoJSON" in output

    north = Zone.objects.get()
    assert (north.kind, north.code, north.name) == ("collection_sector", "nord", "Secteur Nord")
    assert (north.min_lat, north.max_lat) == (46.06, 46.12)
    assert list(north.addresses.all()) == [homes["north"]]


def test_reimporting_upserts_by_code_and_moves_addresses(
    homes: dict[str, Address], write_file: Callable[..., Path]
):
    run(
        write_file("v1.geojson", collection(feature(NORTH, code="d1", name="District 1"))),
        "--kind",
        "district",
    )
    zone = Zone.objects.get()

    output = run(
        write_file("v2.geojson", collection(feature(SOUTH, code="d1", name="District 1 — Sud"))),
        "--kind",
        "district",
    )

    assert "créées\u00a0: 0, mises à jour\u00a0: 1, inchangées\u00a0: 0" in output
    zone.refresh_from_db()
    assert zone.name == "District 1 — Sud"
    assert list(zone.addresses.all()) == [homes["south"]]


def test_the_same_file_twice_changes_nothing(homes: dict[str, Address]):
    data = collection(feature(NORTH, code="d1", name="District 1"))
    zones_import(collection=data, kind=ZoneKind.DISTRICT)

    report = zones_import(collection=data, kind=ZoneKind.DISTRICT)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert Zone.objects.count() == 1


def test_a_feature_without_code_takes_the_slug_of_its_name(db: None):
    zones_import(
        collection=collection(feature(NORTH, name="Rue Notre-Dame Est — réfection")),
        kind=ZoneKind.WORKS_AREA,
    )

    assert Zone.objects.get().code == "rue-notre-dame-est-refection"


def test_other_property_names_can_be_used(db: None, write_file: Callable[..., Path]):
    path = write_file(
        "districts.geojson", collection(feature(NORTH, NO_DIST="3", NOM="District des Érables"))
    )

    run(path, "--kind", "district", "--code-property", "NO_DIST", "--name-property", "NOM")

    zone = Zone.objects.get()
    assert (zone.code, zone.name) == ("3", "District des Érables")


def test_replace_deletes_zones_missing_from_the_file(db: None):
    zones_import(
        collection=collection(
            feature(NORTH, code="a", name="A"), feature(SOUTH, code="b", name="B")
        ),
        kind=ZoneKind.DISTRICT,
    )
    Zone.objects.create(kind=ZoneKind.WORKS_AREA, code="b", name="Chantier B", geometry=SOUTH)

    report = zones_import(
        collection=collection(feature(NORTH, code="a", name="A")),
        kind=ZoneKind.DISTRICT,
        replace=True,
    )

    assert report.deleted == 1
    assert sorted(Zone.objects.values_list("kind", "code")) == [
        ("district", "a"),
        ("works_area", "b"),
    ]


def test_replace_with_nothing_importable_deletes_nothing(db: None):
    zones_import(collection=collection(feature(NORTH, code="a", name="A")), kind=ZoneKind.DISTRICT)

    report = zones_import(
        collection=collection(feature(BOWTIE, code="b", name="B")),
        kind=ZoneKind.DISTRICT,
        replace=True,
    )

    assert report.deleted == 0 and Zone.objects.count() == 1
    assert "les zones existantes n’ont pas été supprimées" in " ".join(report.lines())


def test_duplicate_codes_in_one_file_are_rejected(db: None):
    report = zones_import(
        collection=collection(
            feature(NORTH, code="a", name="A"), feature(SOUTH, code="a", name="A bis")
        ),
        kind=ZoneKind.DISTRICT,
    )

    assert report.created == 1
    assert report.rejected[0].position == 2
    assert (
        report.rejected[0].reason
        == "Code «\u00a0a\u00a0» en double dans le fichier (déjà à l’entité 1)."
    )


def test_a_dry_run_stores_nothing(db: None, write_file: Callable[..., Path]):
    path = write_file("d.geojson", collection(feature(NORTH, code="a", name="A")))

    output = run(path, "--kind", "district", "--dry-run")

    assert "créées\u00a0: 1" in output and "Essai à blanc" in output
    assert not Zone.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "Fichier GeoJSON illisible"),
        ({"type": "Feature", "geometry": NORTH, "properties": {}}, "FeatureCollection"),
        ({"type": "FeatureCollection"}, "liste «\u00a0features\u00a0»"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(
    db: None, write_file: Callable[..., Path], content: Any, message: str
):
    with pytest.raises(CommandError, match=message):
        run(write_file("x.geojson", content), "--kind", "district")


def test_an_unknown_kind_is_refused(db: None):
    with pytest.raises(ImportFileError, match="Type de zone inconnu «\u00a0quartier\u00a0»"):
        zones_import(collection=collection(), kind="quartier")
