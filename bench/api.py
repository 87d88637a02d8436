"""Throughput and latency of the mobile REST API and the Open311 server under load.

    .venv/bin/python bench/api.py                      # 20 s per scenario, 16 clients
    .venv/bin/python bench/api.py --duration 10 --connections 16
    .venv/bin/python bench/api.py --duration 15 --repeat 3   # the median of three runs each

gunicorn serves the production settings (DEBUG off, DJANGO_SECRET_KEY set,
DJANGO_SECURE_SSL_REDIRECT=0, Redis for cache, sessions and throttles) with 2 worker
processes of 2 threads each, as the Procfile runs it (``--worker-threads 1`` for sync
workers); wrk
(Debian package) drives 16 concurrent connections. Scenarios: submit (JSON with an
Idempotency-Key and one custom field), my-requests list, one request, Open311
``GET requests.json`` (served from the Open311 cache after the first call: nothing changes
during the scenario; ``VICTO_OPEN311_CACHE_SECONDS=0`` in the environment measures the
uncached build), the same with ``If-None-Match`` (304) and ``POST requests.json``. Then a bare gunicorn + psycopg app
(bench/api_bare.py) runs the statements of a submission under the same load, and our submit
figure is printed as a ratio of it.

The database is ``victo_api_bench`` by default (DATABASE_URL overrides it), prepared with
``manage.py migrate``, ``load_demo``, ``generate_load_data --requests 1000000`` and
``VACUUM ANALYZE``; the bench prints how many requests it holds. Every run adds the requests
it submits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.proc import (  # noqa: E402
    cpu_seconds,
    machine_busy_seconds,
    postgres_cpu_by_pid,
    postgres_cpu_delta,
    redis_pid,
    tree_cpu_seconds,
    wait_for_quiet,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/victo_api_bench"
# Issue 18's goals: whole CPU per call (server + PostgreSQL + Redis), in milliseconds, on a
# quiet machine; and p99 under 100 ms at 16 connections for every scenario.
CPU_GOALS = {
    "submit": 5.0,
    "list": 2.5,
    "detail": 2.0,
    "open311 GET requests.json": 2.0,
    "open311 GET requests.json 304": 2.0,
    "open311 GET uncached": 15.0,
}
P99_GOAL_MS = 100

LUA_COMMON = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, '
    .. '"non2xx": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status, errors))
end
"""


def lua(
    method: str, path: str, headers: dict[str, str], body: str = "", keyed: bool = False
) -> str:
    header_lines = ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())
    key_line = 'h["Idempotency-Key"] = string.format("%s-%d-%d", run, id, counter)' if keyed else ""
    return (
        LUA_COMMON
        + f"""
run = "RUNID"
local body = {json.dumps(body)}
function request()
  counter = counter + 1
  local h = {{ {header_lines} }}
  {key_line}
  return wrk.format("{method}", "{path}", h, body)
end
"""
    )


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victo_crm.settings.base")
    # The in-process statement count delivers its notifications eagerly: into memory, not
    # onto the console between the figures.
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    # Counted as the server runs it: tasks go to a broker, they do not run in the request.
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
    import logging

    import django

    django.setup()
    # The in-process statement count runs Celery eagerly: its "Task … succeeded" lines
    # would land in the middle of the figures.
    logging.getLogger("celery").setLevel(logging.WARNING)


def prepare() -> dict[str, Any]:
    """The bench citizen (one of the generator's, with its requests), a session token, an
    Open311 key, a request type with one custom field, a point in town."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection

    from victo_crm.accounts.models import User
    from victo_crm.api.services import api_key_create
    from victo_crm.places.models import Address
    from victo_crm.service_requests.models import RequestType, ServiceRequest

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
            ["service_requests_servicerequest"],
        )
        estimate = cursor.fetchone()[0]
        cursor.execute(
            "SELECT citizen_id FROM service_requests_servicerequest WHERE citizen_id IS NOT NULL "
            "GROUP BY citizen_id HAVING count(*) >= 20 LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        raise SystemExit("No citizen with 20 requests: run bench/generate_load_data.py first.")
    user = User.objects.get(pk=row[0])
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "victo_crm.accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    reference = (
        ServiceRequest.objects.filter(citizen=user).order_by("-created_at").first().reference
    )
    rtype = next(
        t
        for t in RequestType.objects.filter(is_active=True, location_allowed=True).order_by("code")
        if t.fields.count() == 1
    )
    field = rtype.fields.get()
    value: Any = field.parsed_choices()[0][0] if field.is_list else "42"
    if field.datatype == "multivaluelist":
        value = [value]
    address = Address.objects.order_by("pk")[len(Address.objects.all()) // 2]
    _api_key, key = api_key_create(name=f"bench {uuid.uuid4().hex[:6]}")
    return {
        "requests_estimate": estimate,
        "user_id": user.pk,
        "token": session.session_key,
        "reference": reference,
        "type": rtype.code,
        "field": field.code,
        "value": value,
        "lat": address.latitude,
        "lon": address.longitude,
        "api_key": key,
    }


def query_counts(ctx: dict[str, Any]) -> dict[str, int]:
    """Statements per call, measured in-process (the profile that guided the work)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_SESSION_TOKEN=ctx["token"])
    counts = {}
    calls = {
        "submit": lambda: client.post(
            "/api/v1/requests/",
            json.dumps(submit_body(ctx)),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        ),
        "list": lambda: client.get("/api/v1/requests/"),
        "detail": lambda: client.get(f"/api/v1/requests/{ctx['reference']}/"),
        "open311 GET requests.json": lambda: client.get("/open311/v2/requests.json"),
        "open311 POST requests.json": lambda: client.post(
            "/open311/v2/requests.json",
            open311_form(ctx),
            content_type="application/x-www-form-urlencoded",
        ),
    }
    for name, call in calls.items():
        call()  # warm the caches as a running server would have them
        with CaptureQueriesContext(connection) as queries:
            response = call()
        assert response.status_code in (200, 201), (name, response.content[:300])
        counts[name] = len(queries)
    with override_settings(VICTO_OPEN311_CACHE_SECONDS=0):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/open311/v2/requests.json")
        assert response.status_code == 200, response.content[:300]
        counts["open311 GET uncached"] = len(queries)
    return counts


def open311_form(ctx: dict[str, Any]) -> str:
    return (
        f"api_key={ctx['api_key']}&service_code={ctx['type']}&lat={ctx['lat']}&long={ctx['lon']}"
        f"&email=bench%40example.ca&first_name=Banc&description=Banc"
        f"&attribute%5B{ctx['field']}%5D="
        + (ctx["value"][0] if isinstance(ctx["value"], list) else str(ctx["value"]))
    )


def submit_body(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "request_type": ctx["type"],
        "description": "Banc d’essai",
        "field_values": {ctx["field"]: ctx["value"]},
        "latitude": ctx["lat"],
        "longitude": ctx["lon"],
    }


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"Server did not start: {url}")


def gunicorn(
    app: str, port: int, env: dict[str, str], workers: int, threads: int = 1
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            app,
            "--workers",
            str(workers),
            # With threads > 1 gunicorn uses its gthread worker: a thread waiting on
            # PostgreSQL (a commit) lets another one run Python.
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            # No access log, as in production (gunicorn.conf.py): formatting a line per call
            # into /dev/null cost 8 % of a cached read's CPU under py-spy.
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def wrk(url: str, script: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        # A fresh run id per wrk call: Idempotency-Keys never repeat between calls.
        handle.write(script.replace('run = "RUNID"', f'run = "{uuid.uuid4().hex[:10]}"'))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(args.threads),
                "-c",
                str(args.connections),
                "-d",
                f"{args.duration}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1_000_000)
    return result


def measured(
    server: subprocess.Popen[bytes],
    url: str,
    script: str,
    args: argparse.Namespace,
    database: str,
    label: str,
) -> dict[str, Any]:
    """A wrk run with what it cost per call: CPU time of the server's processes, of the
    PostgreSQL processes serving ``database`` (its backends and the cluster's WAL writer,
    checkpointer and background writer), of Redis, their sum ("whole"), and of the whole
    machine (wrk included). Each round waits for a quiet machine (load average below
    ``--max-load``) and stops the bench if it does not come. With ``--repeat N``, N runs and
    the median one by whole CPU per call (the others kept in ``runs``)."""
    from django.db import connection

    runs = []
    for _ in range(max(args.repeat, 1)):
        load = wait_for_quiet(args.max_load, args.quiet_wait, label)
        with connection.cursor() as cursor:
            pg_before = postgres_cpu_by_pid(cursor, database)
        redis_before = cpu_seconds(args.redis_pid) if args.redis_pid else 0.0
        server_cpu, machine_cpu = tree_cpu_seconds(server.pid), machine_busy_seconds()
        result = wrk(url, script, args)
        server_after, machine_after = tree_cpu_seconds(server.pid), machine_busy_seconds()
        redis_after = cpu_seconds(args.redis_pid) if args.redis_pid else 0.0
        with connection.cursor() as cursor:
            pg_after = postgres_cpu_by_pid(cursor, database)
        calls = max(result["requests"], 1)
        result["load"] = load
        result["server_cpu_ms"] = (server_after - server_cpu) / calls * 1000
        result["pg_cpu_ms"] = postgres_cpu_delta(pg_before, pg_after) / calls * 1000
        result["redis_cpu_ms"] = (redis_after - redis_before) / calls * 1000
        result["whole_cpu_ms"] = (
            result["server_cpu_ms"] + result["pg_cpu_ms"] + result["redis_cpu_ms"]
        )
        result["machine_cpu_ms"] = (machine_after - machine_cpu) / calls * 1000
        runs.append(result)
    runs.sort(key=lambda run: run["whole_cpu_ms"])
    median = runs[(len(runs) - 1) // 2]  # the lower of the middle two for an even count
    median["runs"] = [run["whole_cpu_ms"] for run in runs]
    return median


def reference_run(
    env: dict[str, str], body: dict[str, Any], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """The issue's other yardstick, measured here: a straightforward DRF app with token auth
    doing three inserts per submission (bench/drf_reference), same gunicorn and wrk."""
    ref_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.drf_reference.settings"}
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.drf_reference.prepare"],
        cwd=ROOT,
        env=ref_env,
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    auth = {"Authorization": f"Token {info['token']}"}
    port = args.port + 2
    base = f"http://127.0.0.1:{port}"
    scenarios = [
        (
            "submit",
            "/tickets/",
            lua(
                "POST",
                "/tickets/",
                {
                    "Authorization": f"Token {info['submit_token']}",
                    "Content-Type": "application/json",
                },
                json.dumps(body),
            ),
        ),
        ("list", "/tickets/", lua("GET", "/tickets/", auth)),
        (
            "detail",
            f"/tickets/{info['reference']}/",
            lua("GET", f"/tickets/{info['reference']}/", auth),
        ),
    ]
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        scenarios = [scenario for scenario in scenarios if scenario[0] in wanted]
    results: dict[str, dict[str, Any]] = {}
    server = gunicorn(
        "bench.drf_reference.wsgi:application", port, ref_env, args.workers, args.worker_threads
    )
    try:
        time.sleep(1.5)
        for name, path, script in scenarios:
            wrk(f"{base}{path}", script, argparse.Namespace(**{**vars(args), "duration": 2}))
            results[name] = measured(
                server, f"{base}{path}", script, args, "victo_drf_reference", f"DRF {name}"
            )
    finally:
        stop(server)
    return results


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--worker-threads", type=int, default=2, help="gunicorn --threads (Procfile: 2)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated scenario names (submit,list,detail,...)"
    )
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per scenario; the median one is printed"
    )
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument(
        "--skip-reference", action="store_true", help="skip the straightforward DRF app"
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.0,
        help="each round waits for the 1-minute load average to fall below this",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=240,
        help="seconds to wait for a quiet machine before a round; then the bench stops",
    )
    args = parser.parse_args()
    args.redis_pid = redis_pid(args.redis_url)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install -y wrk")
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    # The same secret in this process (which creates the session) and in the servers.
    secret = "bench-" + uuid.uuid4().hex + uuid.uuid4().hex
    os.environ["DJANGO_SECRET_KEY"] = secret
    django_setup(database_url)
    ctx = prepare()
    counts = query_counts(ctx)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.production",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": args.redis_url,
        "DJANGO_LOG_LEVEL": "WARNING",
        "VICTO_API_WRITE_RATE_USER": "100000000/min",
        "VICTO_API_WRITE_RATE_IP": "100000000/min",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    base = f"http://127.0.0.1:{args.port}"
    auth = {"X-Session-Token": ctx["token"]}
    scenarios = [
        (
            "submit",
            "/api/v1/requests/",
            lua(
                "POST",
                "/api/v1/requests/",
                {**auth, "Content-Type": "application/json"},
                json.dumps(submit_body(ctx)),
                keyed=True,
            ),
        ),
        ("list", "/api/v1/requests/", lua("GET", "/api/v1/requests/", auth)),
        (
            "detail",
            f"/api/v1/requests/{ctx['reference']}/",
            lua("GET", f"/api/v1/requests/{ctx['reference']}/", auth),
        ),
        (
            "open311 GET requests.json",
            "/open311/v2/requests.json",
            lua("GET", "/open311/v2/requests.json", {}),
        ),
        (
            # A client that kept the ETag: "*" matches whatever the current one is, so every
            # call is the 304 a poller gets while nothing changes.
            "open311 GET requests.json 304",
            "/open311/v2/requests.json",
            lua("GET", "/open311/v2/requests.json", {"If-None-Match": "*"}),
        ),
        (
            "open311 POST requests.json",
            "/open311/v2/requests.json",
            lua(
                "POST",
                "/open311/v2/requests.json",
                {"Content-Type": "application/x-www-form-urlencoded"},
                open311_form(ctx),
            ),
        ),
    ]

    database = database_url.rsplit("/", 1)[-1].split("?")[0]
    wanted = {name.strip() for name in args.only.split(",")} if args.only else None
    if wanted:
        scenarios = [scenario for scenario in scenarios if scenario[0] in wanted]
    results: dict[str, dict[str, Any]] = {}
    server = gunicorn(
        "victo_crm.wsgi:application", args.port, env, args.workers, args.worker_threads
    )
    try:
        wait_for(f"{base}/healthz")
        for name, path, script in scenarios:
            # Warm-up: each worker connects, fills its caches.
            wrk_args = argparse.Namespace(**{**vars(args), "duration": 2})
            wrk(f"{base}{path}", script, wrk_args)
            results[name] = measured(server, f"{base}{path}", script, args, database, name)
    finally:
        stop(server)

    # The first read of a public feed after a change: the cache off, every call builds the
    # 1,000-row answer from PostgreSQL.
    if wanted is None or "open311 GET uncached" in wanted:
        uncached = gunicorn(
            "victo_crm.wsgi:application",
            args.port + 3,
            {**env, "VICTO_OPEN311_CACHE_SECONDS": "0"},
            args.workers,
            args.worker_threads,
        )
        try:
            uncached_base = f"http://127.0.0.1:{args.port + 3}"
            wait_for(f"{uncached_base}/healthz")
            script = lua("GET", "/open311/v2/requests.json", {})
            url = f"{uncached_base}/open311/v2/requests.json"
            wrk(url, script, argparse.Namespace(**{**vars(args), "duration": 2}))
            results["open311 GET uncached"] = measured(
                uncached, url, script, args, database, "open311 GET uncached"
            )
        finally:
            stop(uncached)

    bare: dict[str, Any] | None = None
    if not args.skip_bare:
        bare_env = {**env, "BENCH_USER_ID": str(ctx["user_id"])}
        bare_port = args.port + 1
        bare_server = gunicorn(
            "bench.api_bare:application", bare_port, bare_env, args.workers, args.worker_threads
        )
        try:
            time.sleep(1.5)
            bare_script = lua(
                "POST",
                "/",
                {**auth, "Content-Type": "application/json"},
                json.dumps(submit_body(ctx)),
                keyed=True,
            )
            wrk(
                f"http://127.0.0.1:{bare_port}/",
                bare_script,
                argparse.Namespace(**{**vars(args), "duration": 2}),
            )
            bare = measured(
                bare_server,
                f"http://127.0.0.1:{bare_port}/",
                bare_script,
                args,
                database,
                "bare psycopg submit",
            )
        finally:
            stop(bare_server)

    reference: dict[str, dict[str, Any]] = {}
    if not args.skip_reference:
        reference = reference_run(env, submit_body(ctx), args)

    print()
    print(
        f"Database: {database}, about {ctx['requests_estimate']:,} requests; "
        f"gunicorn {args.workers} workers x {args.worker_threads} threads, wrk {args.threads} "
        f"threads x {args.connections} connections, {args.duration} s per scenario; type "
        f"{ctx['type']} (one field: {ctx['field']}); Redis pid {args.redis_pid or 'not local'}."
    )
    print()
    print(
        f"{'scenario':30} {'load':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'err':>4}"
        f" {'stmts':>5} │ {'server':>6} {'PG':>5} {'Redis':>5} {'whole':>6} {'machine':>7}"
    )
    print(
        f"{'':30} {'':>5} {'':>7} {'ms':>6} {'ms':>6} {'ms':>6} {'':>4} {'':>5} │ CPU ms per call"
    )
    rows = list(results.items()) + ([("bare psycopg submit", bare)] if bare else [])
    rows += [(f"DRF reference {name}", result) for name, result in reference.items()]
    for name, result in rows:
        errors = result["non2xx"] + result["errors"]
        statements = counts.get(name)
        print(
            f"{name:30} {result['load']:5.2f} {result['rps']:7.0f} {result['p50'] / 1000:6.1f} "
            f"{result['p95'] / 1000:6.1f} {result['p99'] / 1000:6.1f} {errors:4d}"
            f" {statements if statements is not None else '':>5} │"
            f" {result['server_cpu_ms']:6.2f} {result['pg_cpu_ms']:5.2f}"
            f" {result['redis_cpu_ms']:5.2f} {result['whole_cpu_ms']:6.2f}"
            f" {result['machine_cpu_ms']:7.2f}"
        )
    if args.repeat > 1:
        print()
        for name, result in rows:
            costs = ", ".join(f"{cost:.2f}" for cost in result["runs"])
            print(f"{name}: {args.repeat} runs, whole CPU ms per call {costs} (median above)")
    print()
    failing = [name for name, result in rows if result["non2xx"] + result["errors"]]
    for name in failing:
        # A figure of calls that failed measures the failure, not the call: none is given.
        print(f"{name}: calls FAILED (see err above); its figures measure nothing")
    for name, result in results.items():
        if name in failing:
            continue
        verdicts = []
        goal = CPU_GOALS.get(name)
        if goal is not None:
            met = result["whole_cpu_ms"] <= goal
            verdicts.append(
                f"CPU {result['whole_cpu_ms']:.2f} ms, goal ≤ {goal} ms: "
                f"{'met' if met else 'NOT met'}"
            )
        p99 = result["p99"] / 1000
        verdicts.append(
            f"p99 {p99:.0f} ms, goal < {P99_GOAL_MS} ms: {'met' if p99 < P99_GOAL_MS else 'NOT met'}"
        )
        if name in reference and f"DRF reference {name}" not in failing:
            ratio = result["whole_cpu_ms"] / reference[name]["whole_cpu_ms"]
            verdicts.append(f"{ratio:.2f}x the DRF app's CPU per call")
        print(f"{name}: " + "; ".join(verdicts))
    if bare and "submit" in results and not {"submit", "bare psycopg submit"} & set(failing):
        print(
            f"submit: {results['submit']['whole_cpu_ms'] / bare['whole_cpu_ms']:.2f}x the CPU "
            "per call of a bare psycopg app running the same statements"
        )
    if failing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
