"""The restore drill (docs/operations.md, "Backups"): scripts/backup.sh dumps a small town,
scripts/restore.sh puts it into a fresh database and media directory, and the application
starts on the copy — migrations up to date, a page served, a photo readable — with the same
number of rows in every table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.service_requests.services import service_request_submit

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def url_for(name: str) -> str:
    params = connection.settings_dict
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def row_counts(url: str) -> dict[str, int]:
    """Every table's row count, in one statement (query_to_xml counts each table)."""
    sql = (
        "SELECT table_name, (xpath('/row/n/text()', query_to_xml("
        "format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')"
        "))[1]::text FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    out = subprocess.run(
        ["psql", url, "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True
    ).stdout
    return {name: int(n) for name, n in (line.split("\t") for line in out.splitlines())}


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_a_backup_restores_into_a_fresh_database_that_serves(
    seeded: Any,
    request_type: Any,
    citizen: Any,
    town: Any,
    make_image: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    request = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "petit"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
        photos=[make_image()],
    )
    photo = request.attachments.first()
    assert photo is not None
    source = connection.settings_dict["NAME"]
    copy = f"{source}_restore"
    env = {
        **os.environ,
        "DATABASE_URL": url_for(source),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    admin = url_for("postgres")
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{copy}"'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{copy}"'], check=True)
    try:
        backup = run(["bash", "scripts/backup.sh", str(tmp_path / "backups")], env).strip()
        assert {p.name for p in Path(backup).iterdir()} == {
            "database.dump",
            "media.tar.gz",
            "SHA256SUMS",
        }

        restored_media = tmp_path / "restored-media"
        restored = {
            **env,
            "DATABASE_URL": url_for(copy),
            "DJANGO_MEDIA_ROOT": str(restored_media),
            "DJANGO_SETTINGS_MODULE": "victo_crm.settings.test",
        }
        restored.pop("PYTEST_XDIST_WORKER", None)
        run(["bash", "scripts/restore.sh", backup], restored)
        # Restoring over a database in use is refused.
        again = subprocess.run(
            ["bash", "scripts/restore.sh", backup], cwd=ROOT, env=restored, capture_output=True
        )
        assert again.returncode == 1

        assert row_counts(url_for(copy)) == row_counts(url_for(source))
        # One process (each start of Django costs seconds): `migrate --check` (exits non-zero
        # on an unapplied migration), `check`, then a page and the photo.
        served = run(
            [
                sys.executable,
                "-c",
                "import django; django.setup();"
                "from django.core.management import call_command;"
                "call_command('migrate', check_unapplied=True, verbosity=0);"
                "call_command('check', verbosity=0);"
                "from django.test import Client;"
                "from django.core.files.storage import default_storage as s;"
                "c = Client();"
                "print(c.get('/healthz').status_code,"
                " c.get('/open311/v2/services.json').status_code,"
                f" s.exists({photo.file.name!r}))",
            ],
            restored,
        )
        assert served.split()[-3:] == ["200", "200", "True"]
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'])
