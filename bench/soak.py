"""Soak: mixed traffic with hostile clients among it, against the real web process.

    python bench/soak.py                              # 200 clients, 10 minutes (issue 17.3)
    python bench/soak.py --duration 30 --clients 20 --think 1   # a smoke run

Starts gunicorn as the Procfile does (gunicorn.conf.py: 2 workers of 2 threads, the
request-reading worker) on a loopback port, against PostgreSQL (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/victo_soak, created, migrated and given the demo data when
needed; REDIS_URL is used when set, else tasks run in the web process), then runs --clients
clients for --duration seconds, all on 127.0.0.1, and stops everything it started. Each client
is one of:

- a citizen (most): reads the website's home page, the Open311 catalogue and request list, a
  request she submitted, and submits requests through Open311 (a guest with an e-mail
  address), signs in with her password now and then; each from an address of her own
  (X-Forwarded-For, VICTO_TRUSTED_PROXY_COUNT=1 as behind one load balancer);
- hostile (--hostile, 10 %): in turn a 3 MB JSON body, JSON nested 100 000 deep, a body
  announced and never sent, headers sent a byte a second, and a sign-in brute force with
  wrong passwords from ever new addresses.

It ends with the figures: requests and answers per kind, latency of the citizens' calls and of
/healthz (sampled every second), the web processes' memory (RSS, sampled every 5 s: the second
fifth, after the warm-up, and the last compared), and the checks: no unexpected answer (a 5xx
to a citizen other than the 503 of the sign-in cap, a connection refused or timed out, a 500 to
a hostile client), every
accepted submission in the database with its outbox rows, memory flat (last fifth within 25 %
of the second). Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/victo_soak"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
os.environ["DJANGO_SETTINGS_MODULE"] = "victo_crm.settings.base"
CENTRE = (46.057, -71.958)
MARKER = f"soak-{int(time.time())}"
CITIZEN = ("marie.tremblay@example.ca", "Victo-marie-2026!")

from proc import process_tree  # noqa: E402
from submit import ensure_database  # noqa: E402


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[str, Counter[str]] = defaultdict(Counter)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.unexpected: list[str] = []
        self.accepted: list[str] = []

    def record(self, kind: str, outcome: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.answers[kind][outcome] += 1
            if kind.startswith(("citizen", "healthz")):
                self.latency[kind].append(seconds)
            if not ok and len(self.unexpected) < 200:
                self.unexpected.append(f"{kind}: {outcome}")
            elif not ok:
                self.unexpected.append("…")


def call(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Client(threading.Thread):
    def __init__(self, number: int, args: Any, results: Results, stop: float, service: str):
        super().__init__(daemon=True)
        self.number = number
        self.args = args
        self.results = results
        self.stop_at = stop
        self.service = service
        self.ip = f"10.{number // 250}.{number % 250}.{random.randint(1, 250)}"
        self.random = random.Random(number)
        self.mine: list[str] = []

    def timed(self, kind: str, expected: set[int], method: str, path: str, **kw: Any) -> bytes:
        headers = {"X-Forwarded-For": self.ip, **kw.pop("headers", {})}
        started = time.monotonic()
        try:
            status, body = call(self.args.port, method, path, headers=headers, **kw)
        except (OSError, http.client.HTTPException) as error:
            self.results.record(kind, type(error).__name__, time.monotonic() - started, False)
            return b""
        ok = status in expected
        self.results.record(kind, str(status), time.monotonic() - started, ok)
        return body if ok else b""

    def pause(self) -> None:
        time.sleep(self.random.uniform(0, 2 * self.args.think))


class Citizen(Client):
    def run(self) -> None:
        time.sleep(self.random.uniform(0, 2))
        while time.monotonic() < self.stop_at:
            roll = self.random.random()
            if roll < 0.25:
                self.timed("citizen home", {200}, "GET", "/")
            elif roll < 0.40:
                self.timed("citizen services", {200}, "GET", "/open311/v2/services.json")
            elif roll < 0.55:
                self.timed("citizen list", {200}, "GET", "/open311/v2/requests.json")
            elif roll < 0.65 and self.mine:
                ref = self.random.choice(self.mine)
                self.timed("citizen read", {200}, "GET", f"/open311/v2/requests/{ref}.json")
            elif roll < 0.92:
                self.submit()
            else:
                body = json.dumps({"email": CITIZEN[0], "password": CITIZEN[1]}).encode()
                # 200 signed in, 429 over allauth's limits, 503 the hash cap: all expected.
                self.timed(
                    "citizen sign-in",
                    {200, 429, 503},
                    "POST",
                    "/_allauth/app/v1/auth/login",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
            self.pause()

    def submit(self) -> None:
        form = {
            "api_key": self.args.api_key,
            "service_code": self.service,
            "lat": f"{CENTRE[0] + self.random.uniform(-0.01, 0.01):.6f}",
            "long": f"{CENTRE[1] + self.random.uniform(-0.01, 0.01):.6f}",
            "description": f"{MARKER} client {self.number}",
            "email": f"soak{self.number}@example.com",
            "first_name": "Soak",
        }
        body = self.timed(
            "citizen submit",
            {201},
            "POST",
            "/open311/v2/requests.json",
            body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if body:
            reference = json.loads(body)[0]["service_request_id"]
            self.mine.append(reference)
            with self.results.lock:
                self.results.accepted.append(reference)


class Hostile(Client):
    HUGE = b'{"description": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    NESTED = b"[" * 100_000 + b"]" * 100_000

    def run(self) -> None:
        attacks = [self.huge, self.nested, self.missing_body, self.slow_headers, self.brute]
        turn = self.number
        while time.monotonic() < self.stop_at:
            attacks[turn % len(attacks)]()
            turn += 1

    def huge(self) -> None:
        # 413/400 from Django, 503 when the worker's large-body reads are all taken.
        self.timed(
            "hostile huge body",
            {400, 401, 403, 413, 503},
            "POST",
            "/api/v1/requests/",
            body=self.HUGE,
            headers={"Content-Type": "application/json"},
        )

    def nested(self) -> None:
        self.timed(
            "hostile nested json",
            {400, 401, 403},
            "POST",
            "/_allauth/app/v1/auth/login",
            body=self.NESTED,
            headers={"Content-Type": "application/json"},
        )

    def _raw(self, kind: str, first: bytes, trickle: bytes | None) -> None:
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.args.port), timeout=30) as sock:
                sock.sendall(first)
                sock.settimeout(1.0)
                answer = b""
                while time.monotonic() < self.stop_at and not answer:
                    try:
                        answer = sock.recv(64)
                    except TimeoutError:
                        if trickle:
                            sock.sendall(trickle)
                        continue
                status = answer[9:12].decode() if answer else "closed"
        except (BrokenPipeError, ConnectionResetError):
            status = "reset"
        except OSError as error:
            self.results.record(kind, type(error).__name__, time.monotonic() - started, False)
            return
        self.results.record(kind, status, time.monotonic() - started, status != "500")

    def missing_body(self) -> None:
        self._raw(
            "hostile missing body",
            b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000\r\n\r\nx=1",
            None,
        )

    def slow_headers(self) -> None:
        self._raw(
            "hostile slow headers",
            b"GET /open311/v2/services.json HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            b"X",
        )

    def brute(self) -> None:
        for _ in range(5):
            self.ip = f"10.200.{self.random.randint(0, 250)}.{self.random.randint(1, 250)}"
            body = json.dumps(
                {"email": CITIZEN[0], "password": f"guess-{self.random.random()}"}
            ).encode()
            self.timed(
                "hostile brute force",
                {400, 401, 429, 503},
                "POST",
                "/_allauth/app/v1/auth/login",
                body=body,
                headers={"Content-Type": "application/json"},
            )


def prepare() -> tuple[str, str]:
    """Database ready; an Open311 key; a service code without required fields."""
    created = ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from victo_crm.api.services import api_key_create
    from victo_crm.service_requests.models import RequestType

    call_command("migrate", verbosity=0, skip_checks=True)
    if created or not RequestType.objects.filter(is_active=True).exists():
        print("Loading the demo data…", flush=True)
        call_command("load_demo", verbosity=0, skip_checks=True)
    _key, secret = api_key_create(name=f"soak {MARKER}")
    service = next(
        t.code
        for t in RequestType.objects.filter(is_active=True).order_by("code")
        if not t.fields.filter(required=True).exists() and getattr(t, "location_required", True)
    )
    return secret, service


def start_server(args: Any, var: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "VICTO_SMS_BACKEND": "victo_crm.notifications.channels.sms.LocmemSmsBackend",
        "VICTO_VAR_DIR": str(var),
        "PORT": str(args.port),
        "WEB_BIND": "127.0.0.1",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
        "VICTO_TRUSTED_PROXY_COUNT": "1",
        # Citizens' writes share one loopback address behind the "balancer": limits per
        # address would count them all as one.
        "VICTO_API_WRITE_RATE_IP": "100000/min",
        "PROMETHEUS_MULTIPROC_DIR": str(var / "metrics"),
    }
    log = (var / "gunicorn.log").open("wb")
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "victo_crm.wsgi",
            "-c",
            "gunicorn.conf.py",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; see its log")
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz within 120 s")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (600)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (200)")
    parser.add_argument("--hostile", type=float, default=0.1, help="share of hostile clients")
    parser.add_argument("--think", type=float, default=5.0, help="a citizen's mean pause (5 s)")
    parser.add_argument("--port", type=int, default=8170)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.duration > 3600 or args.clients > 1000:
        raise SystemExit("bounded: at most an hour and 1000 clients")

    import tempfile

    var = Path(tempfile.mkdtemp(prefix="victo-soak-"))
    args.api_key, service = prepare()
    server = start_server(args, var)
    try:
        wait_ready(args.port, server)
        return run(args, server, service, var)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run(args: Any, server: subprocess.Popen, service: str, var: Path) -> int:
    results = Results()
    started = time.monotonic()
    stop = started + args.duration
    hostile = round(args.clients * args.hostile)
    clients: list[Client] = [
        (Hostile if n < hostile else Citizen)(n, args, results, stop, service)
        for n in range(args.clients)
    ]
    for client in clients:
        client.start()
    memory: list[tuple[float, int]] = []
    next_memory = started
    while time.monotonic() < stop:
        probe = time.monotonic()
        try:
            status, _ = call(args.port, "GET", "/healthz", timeout=10)
            results.record("healthz", str(status), time.monotonic() - probe, status == 200)
        except OSError as error:
            results.record("healthz", type(error).__name__, time.monotonic() - probe, False)
        if probe >= next_memory:
            memory.append((probe - started, rss_kb(process_tree(server.pid))))
            next_memory = probe + 5
        time.sleep(max(0.0, 1.0 - (time.monotonic() - probe)))
    for client in clients:
        client.join(timeout=60)
    elapsed = time.monotonic() - started
    lost, without_outbox = check_database(results.accepted)
    return report(args, results, memory, elapsed, lost, without_outbox, hostile)


def check_database(accepted: list[str]) -> tuple[int, int]:
    from victo_crm.notifications.models import Notification
    from victo_crm.service_requests.models import ServiceRequest

    stored = set(
        ServiceRequest.objects.filter(description__startswith=MARKER).values_list(
            "reference", flat=True
        )
    )
    lost = len(set(accepted) - stored)
    with_outbox = set(
        Notification.objects.filter(request__reference__in=stored).values_list(
            "request__reference", flat=True
        )
    )
    return lost, len(stored - with_outbox)


def report(
    args: Any,
    results: Results,
    memory: list[tuple[float, int]],
    elapsed: float,
    lost: int,
    without_outbox: int,
    hostile: int,
) -> int:
    load = os.getloadavg()[0]
    print(
        f"\nSoak: {args.clients} clients ({hostile} hostile) for {elapsed:.0f} s, "
        f"gunicorn {args.workers}x{args.threads}, load average {load:.1f}"
    )
    total = sum(sum(c.values()) for c in results.answers.values())
    print(f"{total} calls, {total / elapsed:.1f}/s")
    print(
        f"{'kind':24} {'calls':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  answers"
    )
    for kind in sorted(results.answers):
        answers = results.answers[kind]
        times = results.latency.get(kind, [])
        figures = (
            f"{percentile(times, 0.5) * 1000:8.0f} {percentile(times, 0.95) * 1000:8.0f} "
            f"{percentile(times, 0.99) * 1000:8.0f} {max(times) * 1000:8.0f}"
            if times
            else " " * 35
        )
        print(f"{kind:24} {sum(answers.values()):7} {figures}  {dict(answers.most_common())}")
    # The first fifth is the warm-up (imports, first renders, caches filling): memory is
    # compared between the second fifth and the last.
    fifth = max(1, len(memory) // 5)
    settled = memory[fifth : 2 * fifth] or memory[:fifth]
    first = statistics.mean(v for _, v in settled) if memory else 0
    last = statistics.mean(v for _, v in memory[-fifth:]) if memory else 0
    peak = max((v for _, v in memory), default=0)
    growth = (last - first) / first if first else 0.0
    print(
        f"web RSS (all processes): second fifth {first / 1024:.0f} MB, last fifth "
        f"{last / 1024:.0f} MB ({growth:+.0%}), peak {peak / 1024:.0f} MB, {len(memory)} samples"
    )
    print(
        f"submissions accepted: {len(results.accepted)}, lost: {lost}, "
        f"without an outbox row: {without_outbox}"
    )
    unexpected = len(results.unexpected)
    print(f"unexpected answers: {unexpected}")
    for line in Counter(results.unexpected).most_common(10):
        print(f"  {line[1]} x {line[0]}")
    failed = unexpected or lost or without_outbox or growth > 0.25
    print("RESULT:", "FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
