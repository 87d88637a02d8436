"""Every user-facing string is translated: French complete, English offered.

``makemessages`` is run on a copy of the source so that a string added without its
translation fails here, not in front of a citizen.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("django",)


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("xgettext"):
        pytest.fail("gettext is required (apt-get install -y gettext)")
    copy = tmp_path_factory.mktemp("i18n")
    shutil.copytree(
        ROOT / "victo_crm",
        copy / "victo_crm",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copytree(ROOT / "locale", copy / "locale")
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "-l",
            "en",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "victo_crm.settings.test",
            "VICTO_VAR_DIR": str(copy / "var"),
        },
    )
    return copy / "locale"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_string_is_translated(fresh_catalogues: Path, language: str, domain: str) -> None:
    catalogue = polib.pofile(str(fresh_catalogues / language / "LC_MESSAGES" / f"{domain}.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [], f"{len(missing)} untranslated ({language}): {missing[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy ({language}): {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalogues_are_up_to_date(language: str) -> None:
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), "run: make messages"
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(mo)) if not e.msgid_plural}
    source = {
        e.msgid: e.msgstr for e in polib.pofile(str(po)).translated_entries() if not e.msgid_plural
    }
    stale = [msgid for msgid, msgstr in source.items() if compiled.get(msgid) != msgstr]
    assert stale == [], f"locale .mo is older than its .po ({len(stale)}): run make messages"
