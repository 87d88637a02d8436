"""One typography for every face (core.typography): French and English dates, numbers,
coordinates and punctuation, each as a reader of that language expects it."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from victo_crm.core.typography import (
    NBSP,
    english_spacing,
    format_coordinates,
    format_date,
    format_number,
    format_time,
    french_spacing,
)

ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 12, 6, 14, 5)


@pytest.mark.parametrize(
    ("language", "long", "short", "with_time"),
    [
        (
            "fr",
            f"6{NBSP}décembre{NBSP}2026",
            f"6{NBSP}déc.{NBSP}2026",
            f"6{NBSP}déc.{NBSP}2026, 14{NBSP}h{NBSP}05",
        ),
        ("en", f"December{NBSP}6, 2026", f"Dec.{NBSP}6, 2026", f"Dec.{NBSP}6, 2026, 14:05"),
    ],
)
def test_dates_in_each_language(language: str, long: str, short: str, with_time: str) -> None:
    # "6 Déc 2026" (a capital, no period) was Django's "j M Y" on French pages.
    assert format_date(WHEN, language=language) == long
    assert format_date(WHEN, short=True, language=language) == short
    assert format_date(WHEN, short=True, time=True, language=language) == with_time
    assert format_date(date(2026, 5, 3), short=True, language="fr") == f"3{NBSP}mai{NBSP}2026"


def test_times_the_quebec_way_in_french_and_the_english_way_in_english() -> None:
    # "14:05" on French pages: the OQLF writes "14 h 05", and "9 h 00" for the full hour.
    assert format_time(WHEN, language="fr") == f"14{NBSP}h{NBSP}05"
    assert format_time(time(9, 0), language="fr") == f"9{NBSP}h{NBSP}00"
    assert format_time(WHEN, language="en") == "14:05"
    assert format_time(time(9, 0), language="en") == "09:00"
    # Django's own formats (the admin, allauth's e-mails, |time) say the same in French.
    template = Template(
        '{% load typography %}{{ when|time }}|{{ when|date:"DATETIME_FORMAT" }}|{{ when|time_of_day }}'
    )
    with translation.override("fr"):
        fr = template.render(Context({"when": WHEN}))
    assert fr == f"14{NBSP}h{NBSP}05|6 décembre 2026, 14{NBSP}h{NBSP}05|14{NBSP}h{NBSP}05"
    with translation.override("en"):
        assert template.render(Context({"when": WHEN})).endswith("|14:05")


def test_numbers_and_coordinates() -> None:
    assert format_number(1234567.891, 2, language="fr") == f"1{NBSP}234{NBSP}567,89"
    assert format_number(1234567.891, 2, language="en") == "1,234,567.89"
    # "46,05750, -71,95690": a comma as both decimal mark and separator was ambiguous.
    assert format_coordinates(46.0575, -71.9569, language="fr") == f"46,05750{NBSP}; -71,95690"
    assert format_coordinates(46.0575, -71.9569, language="en") == "46.05750, -71.95690"
    assert format_coordinates(None, 1) == "" and format_coordinates("x", "y") == ""


def test_punctuation() -> None:
    assert french_spacing("collectes; aucun compte") == f"collectes{NBSP}; aucun compte"
    assert french_spacing("Lieu : ici. Pourquoi? Merci !") == (
        f"Lieu{NBSP}: ici. Pourquoi{NBSP}? Merci{NBSP}!"
    )
    assert french_spacing("à 14:30, https://victoriaville.ca?q=1") == (
        "à 14:30, https://victoriaville.ca?q=1"
    )
    assert english_spacing("Status change : done ? yes !") == "Status change: done? yes!"


def test_guillemets_hold_their_text_between_no_break_spaces() -> None:
    # "« Publiées »" with ordinary spaces could leave « alone at the end of a line.
    wanted = f"L’état «{NBSP}Reçue{NBSP}» ne peut pas être final{NBSP}?"
    assert french_spacing("L’état « Reçue » ne peut pas être final ?") == wanted
    assert french_spacing("L’état «Reçue» ne peut pas être final?") == wanted
    assert french_spacing(f"L’état «\u202fReçue\u202f» ne peut pas être final{NBSP}?") == wanted
    assert french_spacing(wanted) == wanted


def test_the_french_catalogue_has_french_punctuation_and_the_english_none() -> None:
    for language, rule in (("fr", french_spacing), ("en", english_spacing)):
        po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
        wrong = [
            text
            for entry in po.translated_entries()
            for text in ([entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values())
            if rule(text) != text
        ]
        assert wrong == [], (language, wrong[:10])


def test_templates_use_the_helper_in_each_language() -> None:
    template = Template(
        "{% load typography maps %}{{ when|short_datetime }}|{% coordinates 46.0575 -71.9569 %}"
        "|{% map_tile_attrs %}"
    )
    aware = timezone.make_aware(WHEN)
    with translation.override("fr"):
        fr = template.render(Context({"when": aware}))
    with translation.override("en"):
        en = template.render(Context({"when": aware}))
    assert fr.startswith(f"6{NBSP}déc.{NBSP}2026, 14{NBSP}h{NBSP}05|46,05750{NBSP}; -71,95690|")
    assert 'data-zoom-in="Zoom avant"' in fr and 'data-zoom-out="Zoom arrière"' in fr
    assert en.startswith(f"Dec.{NBSP}6, 2026, 14:05|46.05750, -71.95690|")
    assert 'data-zoom-in="Zoom in"' in en and 'data-zoom-out="Zoom out"' in en


def test_quotations_in_each_language() -> None:
    template = Template("{% load typography %}{{ text|quoted }}")
    with translation.override("fr"):
        assert template.render(Context({"text": "Fermer"})) == f"«{NBSP}Fermer{NBSP}»"
    with translation.override("en"):
        assert template.render(Context({"text": "Close"})) == "“Close”"


def test_the_demo_catalogue_has_french_typography() -> None:
    # The demo's request types are the town's own words, shown on every face.
    catalogue = json.loads(
        (ROOT / "victo_crm" / "service_requests" / "data" / "demo_catalogue.json").read_text()
    )
    french: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("_fr") and isinstance(value, str):
                    french.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(catalogue)
    assert french and [text for text in french if french_spacing(text) != text] == []
