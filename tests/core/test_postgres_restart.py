"""PostgreSQL restarted under traffic: calls in flight fail with a clear 503 (a problem
document on the API), none is half-written, and service resumes without restarting anything.

The cluster is our own (initdb and pg_ctl in a temporary folder, on a free port), holding a
copy of the test database; the test points the application's connections at it, restarts it
mid-load, and points them back.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import close_old_connections, connection, connections
from django.test import Client

from tests.conftest import CENTRE_LAT, CENTRE_LON
from tests.notifications.conftest import free_port

pytestmark = [pytest.mark.postgres]

POTHOLE = {
    "request_type": "nid-de-poule",
    "description": "Un trou profond devant le 12",
    "field_values": {"taille": "grand"},
    "latitude": CENTRE_LAT,
    "longitude": CENTRE_LON,
}


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        if os.environ.get("VICTO_REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL's server programs are required")
        pytest.skip("needs PostgreSQL's initdb and pg_ctl")
    return found[-1]


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (PostgreSQL refuses to run as root: as root,
    the cluster runs as the ``postgres`` system user)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.data = workdir / "pgdata"
        self.log = workdir / "pg.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(workdir, "postgres")

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def own_postgres(transactional_db: None) -> Iterator[OwnPostgres]:
    # Not pytest's tmp_path: its parent is private to root, out of the postgres user's reach.
    workdir = Path(tempfile.mkdtemp(prefix="victo-pg-"))
    cluster = OwnPostgres(workdir)
    cluster.init()
    cluster.start()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def copy_test_database_into(cluster: OwnPostgres) -> None:
    db = connection.settings_dict
    source = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    target = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
    subprocess.run(
        [_bin("createdb"), *target, db["NAME"]], check=True, capture_output=True, timeout=60
    )
    dump = subprocess.run(
        [_bin("pg_dump"), *source, "--no-owner", db["NAME"]],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [_bin("psql"), *target, "-q", "-v", "ON_ERROR_STOP=1", db["NAME"]],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=120,
    )


THREADS = 3


def test_a_postgresql_restart_mid_load_answers_503_and_recovers_by_itself(
    own_postgres: OwnPostgres, seeded: Any, request_type: Any, town: Any, citizen: Any, settings
):
    from tests.api.conftest import session_token_for
    from victo_crm.service_requests.models import ServiceRequest

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write_user": "10000/min", "write_ip": "10000/min"},
    }
    token = session_token_for(citizen)
    copy_test_database_into(own_postgres)
    shared = connection.settings_dict  # every thread's connection is built from this dict
    home = (shared["HOST"], shared["PORT"], shared["CONN_MAX_AGE"])
    connections.close_all()
    shared["HOST"], shared["PORT"] = "127.0.0.1", own_postgres.port
    shared["CONN_MAX_AGE"] = 60  # kept between calls, as in production: must heal itself

    results: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def citizen_on_her_phone() -> None:
        client = Client(raise_request_exception=False)
        while not stop.is_set():
            # What the WSGI server does at the start of every request (Django's test client
            # skips it): a connection an error left broken is closed and opened again. Without
            # it, a thread whose first failure came outside a transaction kept its broken
            # connection and answered 503 for ever (CI, once, on Python 3.13).
            close_old_connections()
            response = client.post(
                "/api/v1/requests/",
                json.dumps(POTHOLE),
                content_type="application/json",
                HTTP_X_SESSION_TOKEN=token,
            )
            kind = response.get("Content-Type", "")
            with lock:
                results.append((time.monotonic(), response.status_code, kind))
            if response.status_code == 503:
                time.sleep(0.05)
        connection.close()

    try:
        threads = [threading.Thread(target=citizen_on_her_phone) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        while len(results) < 10:
            time.sleep(0.02)
        own_postgres.stop()
        stopped_at = time.monotonic()
        time.sleep(1)
        own_postgres.start()
        restarted_at = time.monotonic()
        deadline = restarted_at + 30
        while time.monotonic() < deadline:
            with lock:
                after = [status for at, status, _kind in results if at > restarted_at + 0.5]
            if after.count(201) >= 10:
                break
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

        statuses = Counter(status for _at, status, _kind in results)
        recovered = min(
            (at for at, status, _kind in results if status == 201 and at > restarted_at),
            default=None,
        )
        assert recovered is not None, statuses  # service resumed, no process restarted
        assert set(statuses) <= {201, 503}, statuses  # never a 500
        assert statuses[503] >= 1, "the restart came too late to test anything"
        assert {kind for _at, status, kind in results if status == 503} == {
            "application/problem+json"
        }
        # None half-written: every stored request is whole (its submission event is there).
        stored = ServiceRequest.objects.count()
        assert statuses[201] <= stored <= statuses[201] + statuses[503]
        assert not ServiceRequest.objects.filter(events__isnull=True).exists()
        print(
            f"\npostgres restart: {sum(statuses.values())} submissions, {statuses[201]} "
            f"stored, {statuses[503]} answered 503, first success "
            f"{recovered - restarted_at:.1f} s after the restart "
            f"({recovered - stopped_at:.1f} s after the stop)"
        )
    finally:
        stop.set()
        connections.close_all()
        shared["HOST"], shared["PORT"], shared["CONN_MAX_AGE"] = home
