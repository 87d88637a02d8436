"""Submissions per second through the service layer, and the load generator's rate.

    python bench/submit.py                        # submissions, then the generator (100 000)
    python bench/submit.py --generator 1000000    # only the generator, a million requests
    python bench/submit.py --submit-only --count 500

Runs against PostgreSQL: DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/victo_bench.
The database is created if it does not exist, migrated, and given the demo data (places,
teams, catalogue, accounts) when it has no request type. Every run adds rows to it (the
submissions and the generated requests); drop it to start afresh. See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/victo_bench"
REQUEST_TYPE = "nid-de-poule"  # a type with custom fields, a location and photos allowed

sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "victo_crm.settings.base"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
# Photos of the bench go to a scratch folder, not to var/media.
MEDIA = tempfile.TemporaryDirectory(prefix="victo-bench-media-")
os.environ["DJANGO_MEDIA_ROOT"] = MEDIA.name


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if it is missing; True when it was created."""
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"This bench needs PostgreSQL; DATABASE_URL is {url!r}.")
    name = unquote(parts.path.lstrip("/"))
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or "") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django() -> None:
    import logging

    created = ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    # Celery's in-memory transport warns at each connection that it has no hostname.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    from django.core.management import call_command

    from victo_crm.service_requests.models import RequestType

    call_command("migrate", verbosity=0, skip_checks=True)
    if created or not RequestType.objects.filter(code=REQUEST_TYPE, is_active=True).exists():
        print("Loading the demo data (places, teams, catalogue, accounts)…", flush=True)
        call_command("load_demo", verbosity=0, skip_checks=True)


# --- Submissions ---------------------------------------------------------------------------


def jpeg_photo() -> bytes:
    """A small JPEG, as a phone would send after the app scaled it down (about 30 kB)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (90, 90, 95))
    draw = ImageDraw.Draw(image)
    for i in range(0, 640, 16):
        draw.line((i, 0, 640 - i, 480), fill=(40 + i % 200, 80, 60), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@dataclass
class Workload:
    photo: bytes | None
    count: int


# Set before forking, so each worker process inherits it.
BARRIER: Any = None


def field_values(rtype: Any) -> dict[str, Any]:
    """Valid values for every required field, plus the optional ones that are easy."""
    values: dict[str, Any] = {}
    for field in rtype.fields.all():
        choices = [code for code, _fr, _en in field.parsed_choices()]
        if field.datatype == "singlevaluelist":
            values[field.code] = choices[len(values) % len(choices)]
        elif field.datatype == "multivaluelist":
            values[field.code] = choices[:1]
        elif field.datatype == "number":
            values[field.code] = 2
        elif field.datatype in ("string", "text"):
            values[field.code] = "Banc d’essai"
        elif field.required and field.datatype == "date":
            values[field.code] = "2026-01-15"
        elif field.required and field.datatype == "datetime":
            values[field.code] = "2026-01-15T08:30:00-05:00"
    return values


def submit_many(
    index: int, work: Workload, ready: Callable[[], None]
) -> tuple[list[float], float, float]:
    """``count`` submissions on this process's connection; latencies and the span."""
    import random

    from django.core.files.uploadedfile import SimpleUploadedFile

    from victo_crm.accounts.models import User
    from victo_crm.places.models import Address
    from victo_crm.service_requests.models import RequestType
    from victo_crm.service_requests.services import service_request_submit

    rng = random.Random(index)
    citizen, _created = User.objects.get_or_create(
        email=f"banc.essai.{index}@example.ca",
        defaults={"first_name": "Banc", "last_name": f"d’essai {index}"},
    )
    rtype = RequestType.objects.select_related("workflow", "team").get(code=REQUEST_TYPE)
    values = field_values(rtype)
    points = list(Address.objects.values_list("latitude", "longitude")[:2000])
    if not points:
        raise SystemExit("The address registry is empty: run manage.py load_demo.")
    latencies: list[float] = []
    ready()
    started = time.perf_counter()
    for _ in range(work.count):
        lat, lon = points[rng.randrange(len(points))]
        photos = (
            [SimpleUploadedFile("photo.jpg", work.photo, content_type="image/jpeg")]
            if work.photo
            else []
        )
        before = time.perf_counter()
        service_request_submit(
            request_type=rtype,
            citizen=citizen,
            description="Nid-de-poule devant l’entrée, banc d’essai.",
            field_values=values,
            latitude=lat + rng.uniform(-0.0002, 0.0002),
            longitude=lon + rng.uniform(-0.0002, 0.0002),
            photos=photos,
            channel="mobile",
        )
        latencies.append(time.perf_counter() - before)
    return latencies, started, time.perf_counter()


def submit_worker(args: tuple[int, Workload]) -> tuple[list[float], float, float]:
    """One forked process with its own connection, started with the others at a barrier."""
    from django.db import connections

    index, work = args
    try:
        return submit_many(index, work, BARRIER.wait)
    finally:
        connections.close_all()


@dataclass
class Figure:
    label: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def run_submissions(processes: int, work: Workload, label: str) -> Figure:
    global BARRIER
    from django.db import connections

    connections.close_all()  # forked children must open their own connection
    context = multiprocessing.get_context("fork")
    BARRIER = context.Barrier(processes)
    per_process = Workload(work.photo, max(1, work.count // processes))
    with context.Pool(processes) as pool:
        results = pool.map(submit_worker, [(i, per_process) for i in range(processes)])
    latencies = [latency for result in results for latency in result[0]]
    seconds = max(r[2] for r in results) - min(r[1] for r in results)
    figure = Figure(label, len(latencies), seconds, latencies)
    print(
        f"  {label:<38} {figure.rate:8.1f} /s   p50 {figure.percentile(0.5):6.1f} ms   "
        f"p95 {figure.percentile(0.95):6.1f} ms",
        flush=True,
    )
    return figure


def bench_submissions(count: int, concurrency: list[int]) -> list[Figure]:
    photo = jpeg_photo()
    print(f"Warming up (20 submissions; photo of {len(photo) // 1024} kB)…", flush=True)
    # In this process: the forked workers inherit its loaded modules, translations and caches.
    submit_many(0, Workload(None, 10), lambda: None)
    submit_many(0, Workload(photo, 10), lambda: None)
    figures = []
    print(f"Submissions through service_request_submit ({count} per figure):", flush=True)
    for with_photo in (False, True):
        for processes in concurrency:
            label = (
                f"{'one JPEG photo' if with_photo else 'no photo'}, "
                f"{processes} process{'es' if processes > 1 else ''}"
            )
            figures.append(
                run_submissions(processes, Workload(photo if with_photo else None, count), label)
            )
    return figures


# --- The generator ---------------------------------------------------------------------------


def bench_generator(requests: int) -> Any:
    from bench.loadgen import generate_load_data

    print(f"generate_load_data --requests {requests}:", flush=True)
    report = generate_load_data(requests=requests, progress=lambda line: print(line, flush=True))
    for line in report.lines():
        print(line, flush=True)
    return report


# --- Report -----------------------------------------------------------------------------------


def database_size() -> str:
    from django.db import connection

    from victo_crm.service_requests.models import RequestEvent, ServiceRequest

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    requests = ServiceRequest.objects.count()
    events = RequestEvent.objects.count()
    return f"{requests:,} requests, {events:,} events, {size}"


def summary(figures: list[Figure], report: Any) -> None:
    load = os.getloadavg()
    rows: list[tuple[str, str, str, str, str]] = [
        (
            f.label,
            f"{f.count}",
            f"{f.rate:.1f} /s",
            f"{f.percentile(0.5):.1f}",
            f"{f.percentile(0.95):.1f}",
        )
        for f in figures
    ]
    if report is not None:
        rows.append(
            (
                "generate_load_data: requests",
                f"{report.requests}",
                f"{report.requests_per_second:,.0f} /s",
                "",
                "",
            )
        )
        rows.append(
            (
                "generate_load_data: events",
                f"{report.events}",
                f"{report.events_per_second:,.0f} /s",
                "",
                "",
            )
        )
        rows.append(("generate_load_data: total time", "", f"{report.seconds:.1f} s", "", ""))
    headers = ("figure", "n", "throughput", "p50 ms", "p95 ms")
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    print()
    print("Summary")
    print(line(headers))
    print(line(tuple("-" * width for width in widths)))
    for row in rows:
        print(line(row))
    print()
    print(
        f"Machine: {os.cpu_count()} CPU, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"Python {platform.python_version()}"
    )
    print(f"Database: {database_size()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--count", type=int, default=300, help="submissions per figure (default 300)"
    )
    parser.add_argument(
        "--concurrency",
        default="1,2,4",
        help="processes submitting at once, one figure each (default 1,2,4)",
    )
    parser.add_argument(
        "--generator",
        type=int,
        default=None,
        metavar="N",
        help="run only the load generator, with N requests (the full run uses 100 000)",
    )
    parser.add_argument(
        "--submit-only", action="store_true", help="skip the generator in the full run"
    )
    parser.add_argument(
        "--deliver",
        action="store_true",
        help="deliver notifications in-process after each submission (embedded setup) "
        "instead of queueing them for a worker, as the web process does in production",
    )
    options = parser.parse_args(argv)
    # In production the web process queues delivery for the worker; without Redis the queue
    # is Celery's in-memory transport, so the figures count the queueing, not the sending.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1" if options.deliver else "0"
    setup_django()
    figures: list[Figure] = []
    report = None
    if options.generator is None:
        concurrency = [int(n) for n in options.concurrency.split(",") if n.strip()]
        figures = bench_submissions(options.count, concurrency)
        if not options.submit_only:
            report = bench_generator(100_000)
    else:
        report = bench_generator(options.generator)
    summary(figures, report)
    MEDIA.cleanup()


if __name__ == "__main__":
    main()
