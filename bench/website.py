"""Public website under load: anonymous home, information page, search and suggestions,
served by gunicorn (2 workers, production settings) on PostgreSQL with 1,000+ pages.

    python bench/website.py                          # 20 s per scenario, wrk -t1 -c16
    python bench/website.py --seconds 10 --connections 32
    python bench/website.py --worker-class gthread --threads 4   # keep-alive connections
    python bench/website.py --client python          # without wrk: forked http.client loops

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/victo_website_bench (created,
migrated, given the demo website plus generated pages up to --pages, then ANALYZEd).
REDIS_URL, when set, is the shared page cache of the two workers; otherwise the bench starts
its own redis-server on a free port and stops it at the end.

Figures: throughput is what the load generator saw; p50/p95 are the server time gunicorn
measured per request (access log %(D)s, queueing aside); "client p95" is wrk's latency. CPU
columns are milliseconds of CPU per request taken by the gunicorn workers, the load
generator and the PostgreSQL backends of the workers: on a machine whose cores the workers
share with the generator and the database, they tell what bounds the throughput. The load
average (1 min) before and after each scenario says how busy the machine was.
Goals: >= 1,000 cached page views/s, search p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import platform
import random
import resource
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
# What people have typed when the suggestions are asked for (two letters and more).
TYPING = ["co", "col", "colle", "nid de", "nid de pou", "per", "permis", "tax", "bib", "pisc"]
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
HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}


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
    from django.db import connection, connections, transaction

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
    # A production database has its statistics (autovacuum); a freshly filled one may not,
    # and the planner then guesses the search's plan from empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connections.close_all()
    print(f"Pages du site : {count} ({made} générées)")
    return "/collectes/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, path: str = "/healthz") -> None:
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers=HEADERS)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on port {port}")


# --- CPU accounting (Linux /proc) ---------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return used


def cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU seconds used since ``before`` by ``pids`` (a process started since counts whole;
    one that ended since is lost: PostgreSQL backends come and go with CONN_MAX_AGE)."""
    return sum(max(0.0, now - before.get(pid, 0.0)) for pid, now in cpu_by_pid(pids).items())


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                pids.append(int(entry.name))
    return pids


def database_backends(database_url: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to the bench database (the workers')."""
    import psycopg

    parts = urlparse(database_url)
    try:
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            dbname="postgres",
            autocommit=True,
        ) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                [unquote(parts.path.lstrip("/"))],
            ).fetchall()
    except psycopg.Error:
        return []
    return [row[0] for row in rows]


# --- Load generators ----------------------------------------------------------------------------

LUA = """
local paths = {PATHS}
local i = math.random(#paths) - 1
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {HEADERS})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.3f %.3f\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def run_wrk(port: int, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    lua_paths = "{" + ", ".join(f'"{p}"' for p in paths) + "}"
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in HEADERS.items()) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.replace("{PATHS}", lua_paths).replace("{HEADERS}", lua_headers))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, duration_us, status, socket_errors, p50, p95 = line.split()[1:]
    return {
        "requests": int(requests),
        "rate": int(requests) / (int(duration_us) / 1e6),
        "errors": int(status) + int(socket_errors),
        "client_p50": float(p50),
        "client_p95": float(p95),
        "generator_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    }


def client(args: tuple[int, list[str], float, int]) -> tuple[int, int, list[float], float]:
    port, paths, seconds, seed = args
    rng = random.Random(seed)
    done = errors = 0
    latencies = []
    cpu = time.process_time()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        path = rng.choice(paths)
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers=HEADERS)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                errors += 1
            done += 1
            latencies.append(time.perf_counter() - start)
        except OSError:
            errors += 1
    return done, errors, latencies, time.process_time() - cpu


def run_python(port: int, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    with multiprocessing.Pool(connections) as pool:
        started = time.perf_counter()
        results = pool.map(client, [(port, paths, seconds, i) for i in range(connections)])
        elapsed = time.perf_counter() - started
    latencies = sorted(ms * 1000 for r in results for ms in r[2])
    return {
        "requests": sum(r[0] for r in results),
        "rate": sum(r[0] for r in results) / elapsed,
        "errors": sum(r[1] for r in results),
        "client_p50": percentile(latencies, 50),
        "client_p95": percentile(latencies, 95),
        "generator_cpu": sum(r[3] for r in results),
    }


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


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is required (or set REDIS_URL)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="per scenario")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads (gthread)")
    parser.add_argument("--only", default="", help="scenario numbers to run, e.g. 1,3")
    parser.add_argument(
        "--no-access-log",
        action="store_true",
        help="no gunicorn access log (about 0.1 ms of CPU a request); no server times then",
    )
    options = parser.parse_args()
    if options.client == "wrk" and shutil.which("wrk") is None:
        print("wrk not found: using the Python client (apt-get install wrk)")
        options.client = "python"

    database_url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis = None
    if not os.environ.get("REDIS_URL"):
        redis, os.environ["REDIS_URL"] = start_redis()
    server = None
    static_root = tempfile.mkdtemp(prefix="victo-website-static-")
    log = (
        None
        if options.no_access_log
        else Path(tempfile.mkstemp(prefix="victo-website-access-", suffix=".log")[1])
    )
    try:
        ensure_database(database_url)
        info_path = prepare(options.pages)
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
                "--worker-class",
                options.worker_class,
                "--threads",
                str(options.threads),
                "--bind",
                f"127.0.0.1:{port}",
                *(
                    ["--access-logfile", str(log), "--access-logformat", "%(D)s %(U)s"]
                    if log
                    else []
                ),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        wait_for(port)
        workers = children_of(server.pid)
        run = run_wrk if options.client == "wrk" else run_python
        scenarios = [
            ("Accueil (en cache)", ["/"], "/"),
            ("Page d’information (en cache)", [info_path], info_path),
            (
                "Recherche (sans cache)",
                [f"/recherche/?q={quote(q)}" for q in QUERIES],
                "/recherche/",
            ),
            (
                "Suggestions (sans cache)",
                [f"/recherche/suggestions/?q={quote(q)}" for q in TYPING],
                "/recherche/suggestions/",
            ),
        ]
        chosen = {int(n) for n in options.only.split(",") if n.strip()} or set(range(1, 5))
        load = os.getloadavg()[0]
        print(
            f"\nMachine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
            f"charge {load:.2f}; gunicorn 2 workers {options.worker_class}"
            f"{f' x {options.threads} threads' if options.worker_class == 'gthread' else ''}; "
            f"{'wrk -t1' if options.client == 'wrk' else 'client Python'} "
            f"{options.connections} connexions; {options.seconds:.0f} s par scénario"
            f"{'; sans journal d’accès (pas de temps serveur)' if log is None else ''}\n"
        )
        print(
            f"{'scénario':30} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'client p95':>10} "
            f"{'erreurs':>7}  {'CPU ms/req : workers':>20} {'générateur':>10} {'postgres':>8}"
            f"  {'charge':>11}"
        )
        for number, (label, paths, path) in enumerate(scenarios, start=1):
            if number not in chosen:
                continue
            # Each worker reads what it keeps per generation (cards, request types, pages).
            run(port, paths, 2, min(options.connections, 4))
            since = log.stat().st_size if log else 0
            load_before = os.getloadavg()[0]
            workers_before = cpu_by_pid(workers)
            database_before = cpu_by_pid(database_backends(database_url))
            result = run(port, paths, options.seconds, options.connections)
            cpu_workers = cpu_since(workers_before, workers)
            cpu_database = cpu_since(database_before, database_backends(database_url))
            load_after = os.getloadavg()[0]
            time.sleep(0.5)
            times = server_times(log, path, since) if log else []
            per = 1000 / max(1, result["requests"])
            print(
                f"{label:30} {result['rate']:7.0f} {percentile(times, 50):7.1f} "
                f"{percentile(times, 95):7.1f} {result['client_p95']:10.1f} "
                f"{result['errors']:7d}  {cpu_workers * per:20.2f} "
                f"{result['generator_cpu'] * per:10.2f} {cpu_database * per:8.2f}"
                f"  {load_before:5.2f}→{load_after:<5.2f}"
            )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
        shutil.rmtree(static_root, ignore_errors=True)
        if log is not None:
            log.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
