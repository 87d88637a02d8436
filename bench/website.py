"""Public website under load: anonymous home, information page and search, served by
gunicorn (2 workers, production settings) on PostgreSQL with 1,000+ pages.

    python bench/website.py                    # 20 s per scenario
    python bench/website.py --seconds 10 --clients 4

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/victo_website_bench (created,
migrated and given the demo website plus generated pages up to --pages); REDIS_URL to
redis://127.0.0.1:6379/7 (the shared page cache of the two workers). Server time is what
gunicorn measured per request (access log %(D)s); throughput is what the load generator saw.
Goals: >= 1,000 cached page views/s, search p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/victo_website_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
QUERIES = [
    "collecte",
    "permis de construction",
    "taxes",
    "stationnement hiver",
    "bibliotheque",
    "eau potable",
    "piscine",
    "nid de poule",
    "deneigement",
    "conseil municipal",
    "emplois",
    "recyclage",
    "ecocentre",
    "arrosage",
    "parc",
    "inscription loisirs",
    "evaluation",
    "arbre",
    "bruit",
    "quartier 17 reglement",
    "xylophone",
]
WORDS = [
    "règlement",
    "quartier",
    "parc",
    "rue",
    "avis",
    "séance",
    "projet",
    "programme",
    "subvention",
    "rénovation",
    "patinoire",
    "aréna",
    "sentier",
    "piste",
    "cyclable",
    "bibliothèque",
    "culture",
    "patrimoine",
    "zonage",
    "déneigement",
    "collecte",
    "compost",
    "recyclage",
    "eau",
    "égout",
    "aqueduc",
    "taxe",
    "évaluation",
    "permis",
]


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = unquote(parts.path.lstrip("/"))
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(pages: int) -> str:
    """Migrate, load the demo website and generate pages; return an information page URL."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "victo_crm.settings.base"
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from victo_crm.service_requests.demo import load_demo_catalogue
    from victo_crm.website.demo import load_demo_website
    from victo_crm.website.models import InformationPage, WebsitePage
    from victo_crm.website.selectors import home_for
    from victo_crm.website.services import publish

    load_demo_catalogue()
    load_demo_website()
    home = home_for("fr")
    assert home is not None
    count = sum(model.objects.count() for model in WebsitePage.__subclasses__())
    section = InformationPage.objects.filter(slug="banc-essai").first()
    if section is None:
        section = InformationPage(
            title="Archives de démonstration",
            slug="banc-essai",
            intro="Pages générées pour le banc d’essai.",
            demo_content=True,
        )
        home.add_child(instance=section)
        publish(section)
    rng = random.Random(42)
    made = 0
    while count < pages:
        with transaction.atomic():
            for _ in range(min(50, pages - count)):
                n = section.get_children().count() + 1
                words = rng.sample(WORDS, 6)
                page = InformationPage(
                    title=f"{words[0].capitalize()} {words[1]} — fiche {n}",
                    slug=f"fiche-{n}",
                    intro=" ".join(rng.choices(WORDS, k=25)) + ".",
                    steps="<ol>"
                    + "".join(f"<li>{' '.join(rng.choices(WORDS, k=12))}</li>" for _ in range(4))
                    + "</ol>",
                    who=f"<p>{' '.join(rng.choices(WORDS, k=20))}</p>",
                    search_keywords=", ".join(words[2:]),
                    demo_content=True,
                )
                section.add_child(instance=page)
                publish(page)
                count += 1
                made += 1
        section.refresh_from_db()
    print(f"Pages du site : {count} ({made} générées)")
    return "/collectes/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client(args: tuple[int, list[str], float, int]) -> tuple[int, int, list[float]]:
    port, paths, seconds, seed = args
    rng = random.Random(seed)
    done = errors = 0
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        path = rng.choice(paths)
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                errors += 1
            done += 1
            latencies.append(time.perf_counter() - start)
        except OSError:
            errors += 1
    return done, errors, latencies


def run(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, Any]:
    with multiprocessing.Pool(clients) as pool:
        started = time.perf_counter()
        results = pool.map(client, [(port, paths, seconds, i) for i in range(clients)])
        elapsed = time.perf_counter() - started
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    return {"requests": done, "errors": errors, "rate": done / elapsed}


def server_times(log: Path, path: str, since: int) -> list[float]:
    """Milliseconds gunicorn spent on each request to ``path`` (query strings aside)."""
    times = []
    with log.open() as handle:
        handle.seek(since)
        for line in handle:
            parts = line.split()
            if len(parts) == 2 and parts[1] == path:
                times.append(int(parts[0]) / 1000.0)
    return times


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pages", type=int, default=1000)
    options = parser.parse_args()

    database_url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    ensure_database(database_url)
    info_path = prepare(options.pages)

    static_root = tempfile.mkdtemp(prefix="victo-website-static-")
    log = Path(tempfile.mkstemp(prefix="victo-website-access-", suffix=".log")[1])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "x" * 50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "victo_crm.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(D)s %(U)s",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        # Warm the page cache of both workers (shared through Redis).
        run(port, ["/", info_path], 2, 2)
        scenarios = [
            ("Accueil (en cache)", ["/"], "/"),
            ("Page d’information (en cache)", [info_path], info_path),
            (
                "Recherche (sans cache)",
                [f"/recherche/?q={quote(q)}" for q in QUERIES],
                "/recherche/",
            ),
        ]
        print(
            f"\nMachine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs; "
            f"gunicorn 2 workers; {options.clients} clients; {options.seconds:.0f} s par scénario\n"
        )
        print(f"{'scénario':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'erreurs':>8}")
        for label, paths, path in scenarios:
            since = log.stat().st_size
            result = run(port, paths, options.seconds, options.clients)
            time.sleep(0.5)
            times = server_times(log, path, since)
            print(
                f"{label:32} {result['rate']:8.0f} {percentile(times, 50):8.1f} "
                f"{percentile(times, 95):8.1f} {result['errors']:8d}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(static_root, ignore_errors=True)
        log.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
