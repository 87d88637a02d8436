"""Importing the address registry from a CSV file.

An operator imports the town's registry; good rows are stored, bad rows are reported with
their line and the reason, in French, and running the same file again changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from victo_crm.places.imports import (
    addresses_import,
    addresses_import_csv,
    postal_code_normalize,
)
from victo_crm.places.models import Address, Zone

HEADER = "civic_number,civic_suffix,street,unit,postal_code,latitude,longitude\n"

GOOD_ROWS = (
    "12,,rue Notre-Dame Est,,g6p4a1,46.06,-71.99\n"  # line 2, west district
    "12,A,rue Notre-Dame Est,,G6P 4A1,46.0601,-71.9901\n"  # line 3, same number, suffix A
    "40,,boulevard Jutras Est,3,G6S-1B2,46.06,-71.90\n"  # line 4, east district, unit 3
)

BAD_ROWS = (
    ",,rue Girouard,,G6S 1A1,46.05,-71.95\n"  # line 5: no number
    "-4,,rue Girouard,,G6S 1A1,46.05,-71.95\n"  # line 6: negative number
    "15,,,,G6S 1A1,46.05,-71.95\n"  # line 7: no street
    "16,,rue Girouard,,12345,46.05,-71.95\n"  # line 8: not a Canadian postal code
    "17,,rue Girouard,,G6S 1A1,nord,-71.95\n"  # line 9: latitude is not a number
    "18,,rue Girouard,,G6S 1A1,48.85,2.35\n"  # line 10: Paris
    "19,,rue Girouard,,G6S 1A1,-71.95,46.05\n"  # line 11: latitude and longitude swapped
    "12,,rue Notre-Dame Est,,G6P 4A1,46.06,-71.99\n"  # line 12: repeats line 2
)


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_addresses", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def registry_csv(write_file: Callable[..., Path]) -> Path:
    return write_file("adresses.csv", HEADER + GOOD_ROWS + BAD_ROWS)


def test_good_rows_are_stored_normalised_and_located(town: dict[str, Zone], registry_csv: Path):
    run(registry_csv)

    assert Address.objects.count() == 3
    notre_dame = Address.objects.get(civic_number=12, civic_suffix="", street="rue Notre-Dame Est")
    assert notre_dame.postal_code == "G6P 4A1"
    assert notre_dame.search_text == "12 rue notre dame est g6p 4a1 victoriaville"
    assert set(notre_dame.zones.all()) == {town["boundary"], town["west"], town["sector"]}

    jutras = Address.objects.get(street="boulevard Jutras Est")
    assert (jutras.unit, jutras.postal_code) == ("3", "G6S 1B2")
    assert set(jutras.zones.all()) == {town["boundary"], town["east"], town["sector"]}


def test_each_rejected_row_is_reported_with_its_line_and_reason(
    town: dict[str, Zone], registry_csv: Path
):
    output = run(registry_csv)

    assert (
        "Adresses — créées\u00a0: 3, mises à jour\u00a0: 0, inchangées\u00a0: 0, rejetées\u00a0: 8."
        in output
    )
    assert "Ligne 5\u00a0: Numéro civique manquant." in output
    assert (
        "Ligne 6\u00a0: Numéro civique invalide «\u00a0-4\u00a0»\u00a0: un entier positif est attendu."
        in output
    )
    assert "Ligne 7\u00a0: Rue manquante." in output
    assert (
        "Ligne 8\u00a0: Code postal invalide «\u00a012345\u00a0»\u00a0: le format attendu est A1A 1A1."
        in output
    )
    assert (
        "Ligne 9\u00a0: Latitude invalide «\u00a0nord\u00a0»\u00a0: un nombre décimal est attendu."
        in output
    )
    assert "Ligne 10\u00a0: Coordonnées hors du Québec (48.85, 2.35)" in output
    assert "Ligne 11\u00a0: Coordonnées hors du Québec" in output
    assert "semblent inversées" in output.split("Ligne 11")[1]
    assert "Ligne 12\u00a0: Adresse en double dans le fichier (déjà à la ligne 2)." in output
    assert "Ligne 2\u00a0:" not in output and "Ligne 4\u00a0:" not in output


def test_a_row_with_several_problems_lists_them_all(town: dict[str, Zone]):
    report = addresses_import(rows=[(2, {"civic_number": "abc", "street": " ", "latitude": ""})])

    assert report.rejected[0].position == 2
    assert report.rejected[0].reason == (
        "Numéro civique invalide «\u00a0abc\u00a0»\u00a0: un entier positif est attendu. Rue manquante. "
        "Latitude manquante. Longitude manquante."
    )


def test_running_the_same_file_again_changes_nothing(town: dict[str, Zone], registry_csv: Path):
    run(registry_csv)
    first = {a.pk: a.updated_at for a in Address.objects.all()}
    links = Address.zones.through.objects.count()

    output = run(registry_csv)

    assert (
        "créées\u00a0: 0, mises à jour\u00a0: 0, inchangées\u00a0: 3, rejetées\u00a0: 8." in output
    )
    assert {a.pk: a.updated_at for a in Address.objects.all()} == first
    assert Address.zones.through.objects.count() == links


def test_a_moved_address_is_updated_and_changes_district(
    town: dict[str, Zone], write_file: Callable[..., Path]
):
    run(write_file("v1.csv", HEADER + "12,,rue Notre-Dame Est,,G6P 4A1,46.06,-71.99\n"))
    address = Address.objects.get()
    assert town["west"] in address.zones.all()

    output = run(write_file("v2.csv", HEADER + "12,,rue Notre-Dame Est,,G6P 4A2,46.06,-71.90\n"))

    assert "créées\u00a0: 0, mises à jour\u00a0: 1" in output
    address.refresh_from_db()
    assert (address.postal_code, address.longitude) == ("G6P 4A2", -71.90)
    assert set(address.zones.all()) == {town["boundary"], town["east"], town["sector"]}


def test_a_file_without_postal_codes_keeps_the_stored_ones(town: dict[str, Zone]):
    addresses_import(
        rows=[
            (
                2,
                {
                    "civic_number": "5",
                    "street": "rue Arel",
                    "postal_code": "G6P 1A1",
                    "latitude": "46.06",
                    "longitude": "-71.99",
                },
            )
        ]
    )

    report = addresses_import(
        rows=[
            (
                2,
                {
                    "civic_number": "5",
                    "street": "rue Arel",
                    "latitude": "46.06",
                    "longitude": "-71.99",
                },
            )
        ]
    )

    assert report.unchanged == 1
    assert Address.objects.get().postal_code == "G6P 1A1"


def test_semicolons_byte_order_mark_and_decimal_commas_are_accepted(
    town: dict[str, Zone], write_file: Callable[..., Path]
):
    content = (
        "civic_number;civic_suffix;street;unit;postal_code;latitude;longitude\n"
        "7;;rue de l’Aqueduc;;G6P 2B3;46,061;-71,985\n"
        "\n"  # a blank line still counts in the numbering
        "x;;rue de l’Aqueduc;;G6P 2B3;46,061;-71,985\n"
    )
    path = write_file("excel.csv", "\ufeff" + content)

    output = run(path)

    address = Address.objects.get()
    assert (address.street, address.latitude, address.longitude) == (
        "rue de l’Aqueduc",
        46.061,
        -71.985,
    )
    assert "Ligne 4\u00a0: Numéro civique invalide «\u00a0x\u00a0»" in output


def test_a_dry_run_reports_without_writing(town: dict[str, Zone], registry_csv: Path):
    output = run(registry_csv, "--dry-run")

    assert "créées\u00a0: 3" in output and "rejetées\u00a0: 8" in output
    assert "Essai à blanc\u00a0: rien n’a été enregistré." in output
    assert not Address.objects.exists()


def test_a_file_missing_required_columns_is_refused(db: None, write_file: Callable[..., Path]):
    path = write_file("wrong.csv", "numero,rue\n1,rue Arel\n")

    with pytest.raises(
        CommandError, match="Colonnes manquantes dans l’en-tête\u00a0: civic_number"
    ):
        run(path)


def test_a_missing_file_is_a_clear_error(db: None, tmp_path: Path):
    with pytest.raises(CommandError, match="Fichier illisible"):
        run(tmp_path / "absent.csv")


@pytest.mark.slow
def test_tens_of_thousands_of_rows_import_in_batches(town: dict[str, Zone]):
    rows = "".join(
        f"{n},,rue Monfette,,G6P 1A1,{46.01 + n * 0.000004:.6f},-71.96\n" for n in range(1, 20001)
    )

    report = addresses_import_csv(stream=io.StringIO(HEADER + rows))

    assert report.created == 20000 and not report.rejected
    assert Address.objects.filter(zones=town["west"]).count() == 20000


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("g6p4a1", "G6P 4A1"), ("G6P-4A1", "G6P 4A1"), (" G6P  4A1 ", "G6P 4A1"), ("", "")],
)
def test_postal_codes_are_written_the_canada_post_way(typed: str, stored: str):
    assert postal_code_normalize(typed) == stored
