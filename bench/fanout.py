"""Fan-out benchmark: one emergency notice to 50,000 subscribers, by e-mail and in-app,
delivered to a local SMTP sink by two Celery worker processes.

    .venv/bin/python bench/fanout.py                      # 50,000 subscribers
    .venv/bin/python bench/fanout.py --subscribers 5000   # a quick run

Needs PostgreSQL (``--database-url``, default postgres://postgres@127.0.0.1:5432/victo_bench_fanout,
dropped and created afresh) and the redis-server binary: the script starts its own Redis on
a free port and its own SMTP sink (aiosmtpd), so it touches no shared service but the
PostgreSQL server. Goal: ≤ 60 s from publication to the last message. Prints messages/s,
peak memory, the CPU time of the workers and of the sink, and the load average: on a shared
machine the CPU time says what the run cost, the wall time what the machine allowed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proc import process_tree, tree_cpu_seconds, vm_hwm_kb  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CountingSink:
    """Counts messages and remembers recipients, without parsing (the sink must not be the
    bottleneck of what it measures)."""

    def __init__(self) -> None:
        self.count = 0
        self.recipients: set[str] = set()
        self.duplicates = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.count += 1
            for rcpt in envelope.rcpt_tos:
                if rcpt in self.recipients:
                    self.duplicates += 1
                self.recipients.add(rcpt)
        return "250 OK"


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/victo_bench_fanout"
        ),
    )
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="victo-fanout-"))
    redis_port, smtp_port = free_port(), free_port()
    broker = f"redis://127.0.0.1:{redis_port}/0"
    redis = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    from aiosmtpd.controller import Controller

    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    recreate_database(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.base",
        "DJANGO_SECRET_KEY": "bench-fanout-secret-key-not-for-production-0123456789",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DJANGO_LOG_LEVEL": "WARNING",
        "VICTO_DELIVERY_BATCH_SIZE": os.environ.get("VICTO_DELIVERY_BATCH_SIZE", "500"),
        "VICTO_FANOUT_CHUNK": os.environ.get("VICTO_FANOUT_CHUNK", "5000"),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from victo_crm.accounts.models import User
    from victo_crm.alerts.models import AlertTopic, Notice, Subscription
    from victo_crm.alerts.services import notice_publish, notice_save_draft
    from victo_crm.notifications.models import Notification
    from victo_crm.places.models import Address

    workers: list[subprocess.Popen[bytes]] = []
    try:
        print(f"migrating {args.database_url} …", flush=True)
        call_command("migrate", verbosity=0)
        print(f"creating {args.subscribers:,} subscribers …", flush=True)
        started = time.perf_counter()
        addresses = Address.objects.bulk_create(
            Address(civic_number=n, street="rue du Banc-d’essai", latitude=46.05, longitude=-71.96)
            for n in range(1, 501)
        )
        topics = list(AlertTopic.objects.filter(category="collection"))
        users = User.objects.bulk_create(
            (
                User(
                    email=f"abonne{n:06d}@example.ca",
                    password="!",
                    preferred_language="fr" if n % 4 else "en",
                )
                for n in range(args.subscribers)
            ),
            batch_size=5000,
        )
        Subscription.objects.bulk_create(
            (
                Subscription(
                    user=user,
                    topic=topics[i % len(topics)],
                    address=addresses[i % len(addresses)],
                    channels=["email"],
                )
                for i, user in enumerate(users)
            ),
            batch_size=5000,
        )
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
        staff = User.objects.create_user(
            email="bench@victoriaville.ca", password="x", is_staff=True, is_superuser=True
        )  # an emergency to the whole town needs alerts.publish_townwide_notice
        notice = notice_save_draft(
            notice=Notice(
                topic=AlertTopic.objects.get(code="urgences"),
                severity="emergency",
                title_fr="Avis d’ébullition préventif",
                title_en="Precautionary boil-water notice",
                body_fr="Faites bouillir l’eau une minute avant de la boire.",
                body_en="Boil water for one minute before drinking it.",
                area_kind="town",
                starts_at=timezone.now(),
            ),
            actor=staff,
        )
        from django.db import connections

        connections.close_all()
        for index in range(args.workers):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "victo_crm",
                        "worker",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        "1",
                        "-n",
                        f"bench{index}@%h",
                        "--loglevel",
                        "WARNING",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=(workdir / f"worker{index}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        time.sleep(3)  # the workers connect to the broker

        expected_emails = args.subscribers
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        own_cpu0 = time.process_time()
        published = notice_publish(notice=notice, actor=staff)
        print(f"published to {published.audience_count:,} people; delivering …", flush=True)
        in_app_done = 0
        peak_workers = 0
        while time.perf_counter() - t0 < args.timeout:
            time.sleep(0.5)
            peak_workers = max(
                peak_workers,
                sum(vm_hwm_kb(pid) for w in workers for pid in process_tree(w.pid)),
            )
            if sink.count >= expected_emails:
                in_app_done = Notification.objects.filter(
                    group_key=f"notice:{notice.pk}", channel="in_app", status="sent"
                ).count()
                if in_app_done >= args.subscribers:
                    break
        elapsed = time.perf_counter() - t0
        sink_cpu = time.process_time() - own_cpu0
        worker_cpu = sum(tree_cpu_seconds(w.pid) for w in workers)
        load_after = os.getloadavg()
        emails = sink.count
        total = emails + in_app_done
        per_worker = [max(vm_hwm_kb(pid) for pid in process_tree(w.pid)) for w in workers]
        print()
        print(f"subscribers          {args.subscribers:,}")
        print(f"e-mails received     {emails:,} (duplicates: {sink.duplicates})")
        print(f"in-app delivered     {in_app_done:,}")
        print(
            f"end to end           {elapsed:.1f} s (goal ≤ 60 s: {'met' if elapsed <= 60 and total >= 2 * args.subscribers else 'NOT met'})"
        )
        print(f"messages/s           {total / elapsed:,.0f} (e-mails/s {emails / elapsed:,.0f})")
        print(
            f"CPU time             workers {worker_cpu:.1f} s, this process (SMTP sink, "
            f"polling) {sink_cpu:.1f} s; the machine has {os.cpu_count()} CPUs"
        )
        busy = load_before[0] > (os.cpu_count() or 1) - 1
        print(
            f"load average         {load_before[0]:.2f} before, {load_after[0]:.2f} after"
            + (
                " (other work was sharing the machine before the run: the time grows)"
                if busy
                else " (the machine was quiet before the run)"
            )
        )
        print(
            f"peak memory          workers: {', '.join(f'{kb / 1024:.0f} MiB' for kb in per_worker)} "
            f"(sum of the process trees, sampled: {peak_workers / 1024:.0f} MiB); "
            f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        return (
            0
            if emails == args.subscribers
            and in_app_done == args.subscribers
            and not sink.duplicates
            else 1
        )
    finally:
        for worker in workers:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(worker.pid, signal.SIGKILL)
        controller.stop()
        redis.kill()
        redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
