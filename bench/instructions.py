"""Instructions per call of the API's and Open311's paths in the server process (callgrind).

    .venv/bin/python bench/instructions.py                          # every scenario, 100 calls
    .venv/bin/python bench/instructions.py --only cached,304,list --calls 200

``api.py`` measures what a call costs in CPU time under load, the issue-18 measure; on this
shared machine the same code gives figures up to 50 % apart from one round to the next, so a
change of a few per cent cannot be seen in it. This bench counts the instructions the server
process runs per call, under ``valgrind --tool=callgrind``: the same code gives counts
within about 1.5 % of each other (two runs: my requests 7.94 and 7.99 M, one request 5.33 and
5.25; times, random keys and the garbage collector still move a little), whatever else the
machine is doing, so it can tell whether a change made a path cheaper by more than that
before ``api.py`` confirms it on a quiet machine. It does not
count PostgreSQL's or Redis's work (``api.py`` does), nor gunicorn's (the calls go straight
to Django's WSGI handler, with every middleware, under the production settings).

For each scenario it runs the process twice, with ``--warm`` calls and with ``--warm`` +
``--calls`` calls, and prints the difference divided by ``--calls``: the start-up (Django,
the first calls' caches) cancels out. Each run takes about a minute (valgrind slows Python
some fifty times); a scenario's two runs go side by side. Valgrind's count does not depend
on the load, so this bench, unlike the others, may run beside other work, but not beside
anything that submits requests (each submission changes the public feed, so the cached
read would be rebuilt): its own submissions run last.

The database is ``api.py``'s (``DATABASE_URL``, prepared the same way); Redis at
``REDIS_URL`` (default ``redis://127.0.0.1:6379/13``). The submit scenario adds requests.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIOS = ("submit", "list", "detail", "cached", "304", "uncached")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/victo_api_bench"


def _environ(scenario: str, ctx: dict[str, Any], body: bytes) -> dict[str, Any]:
    from django.test.client import RequestFactory

    base: dict[str, Any] = {"SERVER_NAME": "localhost", "HTTP_HOST": "localhost"}
    if scenario == "304":
        base["HTTP_IF_NONE_MATCH"] = ctx["etag"]
    if scenario in ("submit", "list", "detail"):
        base["HTTP_X_SESSION_TOKEN"] = ctx["token"]
    if scenario == "submit":
        base.update(
            PATH_INFO="/api/v1/requests/",
            REQUEST_METHOD="POST",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(body)),
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    else:
        path = {
            "list": "/api/v1/requests/",
            "detail": f"/api/v1/requests/{ctx['reference']}/",
        }.get(scenario, "/open311/v2/requests.json")
        base.update(PATH_INFO=path, REQUEST_METHOD="GET")
    environ = RequestFactory()._base_environ(**base)
    environ["wsgi.input"] = io.BytesIO(body if scenario == "submit" else b"")
    return environ


def inner(scenario: str, count: int) -> None:
    """Runs under valgrind: ``count`` calls of ``scenario`` through Django's WSGI handler."""
    from bench.api import django_setup, prepare, submit_body

    django_setup(os.environ["DATABASE_URL"])
    ctx = prepare()
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    body = json.dumps(submit_body(ctx)).encode()
    statuses: list[str] = []
    etags: list[str] = []

    def start_response(status: str, headers: Any, *_rest: Any) -> None:
        statuses.append(status)
        etags.extend(value for name, value in headers if name == "ETag")

    if scenario == "304":  # the ETag a poller holds
        b"".join(handler(_environ("cached", ctx, body), start_response))
        ctx["etag"] = etags[-1]

    for _ in range(count):
        answer = handler(_environ(scenario, ctx, body), start_response)
        b"".join(answer)
        answer.close()
        if statuses[-1][:3] not in ("200", "201", "304"):
            raise SystemExit(f"{scenario}: {statuses[-1]}")


def instructions(scenario: str, count: int, env: dict[str, str]) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--inner",
        scenario,
        str(count),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{scenario} ({count} calls) failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(SCENARIOS))
    parser.add_argument("--calls", type=int, default=100, help="calls measured per scenario")
    parser.add_argument("--warm", type=int, default=5, help="calls before (cancelled out)")
    parser.add_argument("--inner", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args.inner[0], int(args.inner[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is required: apt-get install -y valgrind")
    wanted = [s for s in (args.only.split(",") if args.only else SCENARIOS) if s]
    unknown = set(wanted) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    secret = "bench-" + uuid.uuid4().hex + uuid.uuid4().hex
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.production",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "VICTO_API_WRITE_RATE_USER": "100000000/min",
        "VICTO_API_WRITE_RATE_IP": "100000000/min",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The same string hashes in every run: dictionaries probe alike.
        "PYTHONHASHSEED": "0",
    }
    # Submissions change the public feed, so the cached read would be rebuilt: they run
    # last, each scenario's two runs side by side, the cached answer built beforehand.
    wanted.sort(key=lambda s: s == "submit")
    counts: dict[tuple[str, int], int] = {}
    for scenario in wanted:
        scenario_env = env
        if scenario == "uncached":
            scenario_env = {**env, "VICTO_OPEN311_CACHE_SECONDS": "0"}
        if scenario == "cached":
            subprocess.run(
                [sys.executable, __file__, "--inner", "cached", "1"], env=env, check=True
            )
        sizes = (args.warm, args.warm + args.calls)
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = list(
                pool.map(lambda n, e=scenario_env, s=scenario: instructions(s, n, e), sizes)
            )
        counts.update({(scenario, n): c for n, c in zip(sizes, found, strict=True)})
    print(
        f"{'scenario':10s} {'M instructions per call':>24s}   (server process, {args.calls} calls)"
    )
    for scenario in wanted:
        per_call = counts[(scenario, args.warm + args.calls)] - counts[(scenario, args.warm)]
        print(f"{scenario:10s} {per_call / args.calls / 1e6:24.3f}")


if __name__ == "__main__":
    main()
