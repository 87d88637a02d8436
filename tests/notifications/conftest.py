"""Fixtures of the notification tests: seeded rules in transactional tests, an SMTP sink,
our own Redis server and a real Celery worker."""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def reseed_rules() -> None:
    importlib.import_module("victo_crm.notifications.migrations.0005_seed_rules").seed(apps, None)
    importlib.import_module("victo_crm.notifications.migrations.0009_follower_messages").fill(
        apps, None
    )


def reseed_topics() -> None:
    importlib.import_module("victo_crm.alerts.migrations.0002_seed_topics").seed(apps, None)


@pytest.fixture
def rules(transactional_db: None) -> None:
    """Seeded notification rules in a transactional test (the flush empties them)."""
    reseed_rules()
    reseed_topics()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- SMTP sink ----------------------------------------------------------------------------------


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def wait_for(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.count() < count:
            time.sleep(0.2)
        return self.count()


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


# --- Our own Redis ------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free port, without persistence, that a test may stop
    and start again (never the shared one on 6379)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def _require_redis_binary() -> None:
    if shutil.which("redis-server") is None:
        if os.environ.get("VICTO_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is required")
        pytest.skip("needs redis-server")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    _require_redis_binary()
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


# --- A real Celery worker -----------------------------------------------------------------------


class Worker:
    def __init__(self, env: dict[str, str], logfile: Path, beat: bool, concurrency: int) -> None:
        self.env = env
        self.logfile = logfile
        self.beat = beat
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "victo_crm",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(self.concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if self.beat:
            command += ["-B", "-s", str(self.logfile.parent / "celerybeat-schedule")]
        log = self.logfile.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no warm shutdown, no acks."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
            self.process = None


def worker_env(
    *, broker: str, smtp_port: int, fast_relay: bool = False, extra: dict[str, str] | None = None
) -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.base",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "VICTO_SITE_URL": settings.SITE_URL,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    if fast_relay:
        env.update(
            {
                "VICTO_RELAY_INTERVAL_SECONDS": "2",
                "VICTO_RELAY_AFTER_SECONDS": "4",
                "VICTO_SENDING_STALE_SECONDS": "8",
                "VICTO_DELIVERY_BATCH_SIZE": "50",
                "VICTO_FANOUT_CHUNK": "250",
            }
        )
    env.update(extra or {})
    return env


@pytest.fixture
def broker_for_this_process(redis_server: RedisServer, settings: Any) -> Iterator[RedisServer]:
    """Make this test process publish to our Redis instead of running tasks eagerly."""
    from victo_crm.celery import app

    # The app reads Django's CELERY_* names: set those (``conf.broker_url`` would be shadowed).
    saved = (app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_BROKER_URL)
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_BROKER_URL = redis_server.url
    app._pool = None
    app.amqp._producer_pool = None
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert app.connection_for_write().as_uri().startswith(f"redis://127.0.0.1:{redis_server.port}")
    yield redis_server
    app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_BROKER_URL = saved
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
