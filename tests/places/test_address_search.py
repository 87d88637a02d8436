"""Finding an address the way people write it (issue 15, point 4).

The registry spells "2 rue Notre-Dame Est"; citizens type "2, rue Notre-Dame E.",
"2 Notre Dame est", "2 boul. Jutras E.", "st-jean" ... Each must find the same address, the
exact civic number first ("1" is not "10"), and several matches are listed to choose from.
"""

from __future__ import annotations

import pytest

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.core.text import address_words, normalize_address
from victo_crm.places.models import Address
from victo_crm.places.selectors import address_resolve, address_search


def make(number: int, street: str, suffix: str = "", unit: str = "") -> Address:
    return Address.objects.create(
        civic_number=number,
        civic_suffix=suffix,
        street=street,
        unit=unit,
        postal_code="G6P 6W1",
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )


@pytest.fixture
def registry(db):
    """A few streets of Victoriaville, with the numbers that trip a substring search."""
    return {
        "1 nd est": make(1, "rue Notre-Dame Est"),
        "10 nd est": make(10, "rue Notre-Dame Est"),
        "12 nd est": make(12, "rue Notre-Dame Est"),
        "2 nd est": make(2, "rue Notre-Dame Est"),
        "21 nd est": make(21, "rue Notre-Dame Est"),
        "2 nd ouest": make(2, "rue Notre-Dame Ouest"),
        "4 nd est": make(4, "rue Notre-Dame Est"),
        "4a nd est": make(4, "rue Notre-Dame Est", suffix="A"),
        "20 jutras": make(20, "boulevard Jutras Est"),
        "5 st-jean": make(5, "rue Saint-Jean-Baptiste"),
        "8 labbe": make(8, "boulevard Labbé Nord"),
        "3 pie-x": make(3, "avenue Pie-X"),
        "30 apt 1": make(30, "rue de l'Aqueduc", unit="1"),
        "30 apt 2": make(30, "rue de l'Aqueduc", unit="2"),
    }


def test_the_normaliser_reads_the_usual_spellings_as_one():
    expected = "2 rue notre dame est"
    for typed in (
        "2 rue Notre-Dame Est",
        "2, rue Notre-Dame Est",
        "2, rue Notre-Dame E.",
        "2 RUE NOTRE DAME EST",
        "  2   rue  notre-dame   e ",
        "2 rue Notre-Dame East",
    ):
        assert normalize_address(typed) == expected, typed
    assert normalize_address("8 boul. Labbé N.") == "8 boulevard labbe nord"
    assert normalize_address("3 av. Pie-X") == "3 avenue pie x"
    assert normalize_address("5 ch. St-Jean") == "5 chemin saint jean"
    assert normalize_address("5 rue Ste-Victoire O.") == "5 rue sainte victoire ouest"
    # A letter right after the number is its suffix, not a direction.
    assert address_words("4 E rue Notre-Dame")[:2] == ["4", "e"]


@pytest.mark.parametrize(
    "typed",
    [
        "2 rue Notre-Dame Est",
        "2, rue Notre-Dame Est",
        "2 rue Notre-Dame E.",
        "2, Notre-Dame E",
        "2 rue notre dame est",
        "2 rue Notre-Dame Est, Victoriaville, QC",
        "2 rue Notre-Dame Est G6P 6W1",
    ],
)
def test_each_spelling_resolves_to_the_one_address(registry, typed):
    match = address_resolve(typed)
    assert match.address == registry["2 nd est"], typed
    assert match.candidates == []


def test_the_exact_civic_number_wins_over_numbers_that_contain_it(registry):
    assert address_resolve("1 rue Notre-Dame Est").address == registry["1 nd est"]
    # The autocomplete lists the exact number first, then the numbers it begins.
    found = address_search("1 rue Notre-Dame Est", limit=10)
    assert found[0] == registry["1 nd est"]
    assert set(found[1:]) == {registry["10 nd est"], registry["12 nd est"]}


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("20 boul. Jutras E.", "20 jutras"),
        ("20 bd Jutras Est", "20 jutras"),
        ("8 boul Labbe N", "8 labbe"),
        ("5 rue St-Jean-Baptiste", "5 st-jean"),
        ("5 st jean baptiste", "5 st-jean"),
        ("3 av. Pie-X", "3 pie-x"),
        ("3 rue Pie-X", "3 pie-x"),  # the wrong street type still finds the street
        ("4 rue Notre-Dame Est", "4 nd est"),  # 4, not 4A
        ("4A rue Notre-Dame Est", "4a nd est"),
        ("4 a rue Notre-Dame Est", "4a nd est"),
    ],
)
def test_abbreviations_accents_and_suffixes(registry, typed, key):
    assert address_resolve(typed).address == registry[key]


def test_several_addresses_with_the_number_are_candidates(registry):
    match = address_resolve("2 rue Notre-Dame")
    assert match.address is None and not match.number_missing
    assert set(match.candidates) == {registry["2 nd est"], registry["2 nd ouest"]}
    units = address_resolve("30 rue de l'Aqueduc")
    assert set(units.candidates) == {registry["30 apt 1"], registry["30 apt 2"]}


def test_a_number_the_street_lacks_offers_its_nearest_addresses(registry):
    match = address_resolve("11 rue Notre-Dame Est")
    assert match.address is None and match.number_missing
    assert match.candidates[:2] == [registry["10 nd est"], registry["12 nd est"]]


def test_nothing_matches_nothing(registry):
    assert address_resolve("999 rue Inexistante").candidates == []
    assert address_resolve("").address is None
    assert address_search("   ,  ") == []


def test_hostile_input_is_just_text(registry):
    assert address_resolve("2 rue Notre-Dame Est' OR 1=1 --").address is None
    assert address_resolve("%_%").candidates == []
    assert address_resolve("9" * 5000).address is None


def test_an_address_names_its_unit_in_the_reader_s_language() -> None:
    from django.utils import translation

    from victo_crm.places.models import address_label

    parts = (100, "A", "rue Alexandre", "3", "Victoriaville")
    with translation.override("fr"):
        assert address_label(*parts) == "100A, rue Alexandre, app. 3, Victoriaville"
    with translation.override("en"):
        assert address_label(*parts) == "100A, rue Alexandre, apt. 3, Victoriaville"
        assert address_label(100, "", "rue Alexandre", "", "Victoriaville") == (
            "100, rue Alexandre, Victoriaville"
        )
