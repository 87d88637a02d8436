#!/usr/bin/env python3
"""Translation catalogue chores (run with the project's venv: .venv/bin/python scripts/i18n.py ...).

fill-fr            French is the source language: every French entry is its msgid with French
                   punctuation (a no-break space before : ; ? !, core.typography), so the
                   French catalogue is complete and right by construction; the English
                   entries lose any space before that punctuation.
untranslated LANG  print the untranslated and fuzzy entries of a catalogue as JSON.
merge LANG FILE    read {msgid: translation} (or {msgid: [singular, plural]}) from a JSON
                   file into the catalogue, clearing the fuzzy flag.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from victo_crm.core.typography import english_spacing, french_spacing

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"), wrapwidth=0)


def fill_fr() -> None:
    po = catalogue("fr")
    filled = 0
    for entry in po:
        if entry.obsolete:
            continue
        # Always the msgid, not only when empty: makemessages pre-fills a new msgid with the
        # French of a similar old one (a "fuzzy" guess), which would be wrong here.
        # French typography is applied here, once, rather than in every source string.
        if entry.msgid_plural:
            wanted = {0: french_spacing(entry.msgid), 1: french_spacing(entry.msgid_plural)}
            if entry.msgstr_plural != wanted:
                entry.msgstr_plural = wanted
                filled += 1
        elif entry.msgstr != french_spacing(entry.msgid):
            entry.msgstr = french_spacing(entry.msgid)
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
    po.save()
    print(f"fr: {filled} entries filled from their msgid")
    english = catalogue("en")
    spaced = 0
    for entry in english:
        if entry.msgid_plural:
            fixed = {k: english_spacing(v) for k, v in entry.msgstr_plural.items()}
            if fixed != entry.msgstr_plural:
                entry.msgstr_plural = fixed
                spaced += 1
        elif entry.msgstr and english_spacing(entry.msgstr) != entry.msgstr:
            entry.msgstr = english_spacing(entry.msgstr)
            spaced += 1
    english.save()
    print(f"en: {spaced} entries lost a space before punctuation")


def untranslated(language: str) -> None:
    po = catalogue(language)
    entries = {}
    for entry in po:
        if entry.obsolete:
            continue
        missing = (
            (not all(entry.msgstr_plural.values())) if entry.msgid_plural else not entry.msgstr
        )
        if missing or "fuzzy" in entry.flags:
            entries[entry.msgid] = (
                [entry.msgid, entry.msgid_plural] if entry.msgid_plural else entry.msgid
            )
    json.dump(entries, sys.stdout, ensure_ascii=False, indent=1)


def merge(language: str, path: str) -> None:
    translations = json.loads(Path(path).read_text())
    po = catalogue(language)
    merged = 0
    for entry in po:
        value = translations.get(entry.msgid)
        if not value:
            continue
        if entry.msgid_plural:
            singular, plural = value if isinstance(value, list) else (value, value)
            entry.msgstr_plural = {0: singular, 1: plural}
        else:
            entry.msgstr = value if isinstance(value, str) else value[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        merged += 1
    po.save()
    print(f"{language}: {merged} entries merged")


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "fill-fr":
        fill_fr()
    elif command == "untranslated":
        untranslated(args[0])
    elif command == "merge":
        merge(args[0], args[1])
    else:
        print(__doc__)
        sys.exit(2)
