"""Receiving-path benchmark: citizens' e-mail replies and mail to the request address sent
over LMTP to the ``mail`` process (``manage.py mail_server``), stored and turned into
timeline messages and new requests in PostgreSQL.

    .venv/bin/python bench/inbound.py                    # 2,000 messages
    .venv/bin/python bench/inbound.py --messages 50      # a smoke run

Needs PostgreSQL (``--database-url``, default
postgres://postgres@127.0.0.1:5432/victo_bench_inbound, dropped and created afresh). Starts
its own ``mail`` process on a free port; no Redis (the per-sender limit is raised out of the
way and counted in the process's memory). Prints messages/s into requests, the CPU time of
the ``mail`` process per message, and the load average: on a shared machine the CPU time
says what the run cost, the wall time what the machine allowed.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proc import tree_cpu_seconds  # noqa: E402

REPLY_BASE = "reponse@bench.victoriaville.ca"
REQUEST_ADDRESS = "requetes@bench.victoriaville.ca"
BODY = """Le trou est encore plus gros ce matin, une voiture y est restée prise.

Marie
--
Marie Tremblay

Le lun. 7 déc. 2026 à 10:00, Ville de Victoriaville <ne-pas-repondre@victoriaville.ca> a écrit :
> Votre requête a été reçue.
> Merci
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the mail process did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200, help="requests replied to")
    parser.add_argument("--new-share", type=float, default=0.2, help="share of new requests")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="the mail process's DB threads")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/victo_bench_inbound"
        ),
    )
    args = parser.parse_args()

    recreate_database(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "victo_crm.settings.base",
        "DJANGO_SECRET_KEY": "bench-inbound-secret-key-not-for-production-0123456789",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": "",
        "DJANGO_LOG_LEVEL": "WARNING",
        "VICTO_INBOUND_REPLY_ADDRESS": REPLY_BASE,
        "VICTO_INBOUND_REQUEST_ADDRESS": REQUEST_ADDRESS,
        "VICTO_INBOUND_SENDER_LIMIT": "100000000",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from victo_crm.accounts.models import Team, User
    from victo_crm.notifications.replies import reply_addresses_for
    from victo_crm.service_requests.models import (
        EventKind,
        RequestEvent,
        RequestGroup,
        RequestType,
        ServiceRequest,
        Workflow,
    )
    from victo_crm.service_requests.services import service_request_submit

    print(f"migrating {args.database_url} …", flush=True)
    call_command("migrate", verbosity=0)
    team = Team.objects.create(code="tp", name_fr="Travaux publics")
    group = RequestGroup.objects.create(code="voirie", name_fr="Voirie")
    rtype = RequestType.objects.create(
        code="nid-de-poule",
        name_fr="Nid-de-poule",
        group=group,
        team=team,
        workflow=Workflow.objects.get(code="default"),
        location_required=False,
    )
    print(f"filing {args.requests} requests …", flush=True)
    targets: list[tuple[str, str]] = []
    for n in range(args.requests):
        citizen = User.objects.create_user(email=f"citoyen{n}@example.ca", password=None)
        sr = service_request_submit(request_type=rtype, citizen=citizen, description="Un trou.")
        address = reply_addresses_for(sr, [(citizen.pk, citizen.email)])[f"u{citizen.pk}"]
        targets.append((citizen.email, address))
    before_events = RequestEvent.objects.filter(kind=EventKind.CITIZEN_COMMENT).count()
    before_requests = ServiceRequest.objects.count()

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "mail_server",
            "--protocol",
            "lmtp",
            "--port",
            str(port),
            "--threads",
            str(args.threads),
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for_port(port)
        messages: list[tuple[str, str, bytes]] = []
        new_every = round(1 / args.new_share) if args.new_share > 0 else 0
        for n in range(args.messages):
            message = EmailMessage()
            if new_every and n % new_every == 0:
                sender, to = f"inconnu{n}@example.com", REQUEST_ADDRESS
                message["Subject"] = "Lampadaire éteint"
            else:
                sender, to = targets[n % len(targets)]
                message["Subject"] = "Re: Votre requête"
            message["From"] = sender
            message["To"] = to
            message["Message-ID"] = make_msgid(domain="bench.example")
            message.set_content(BODY)
            messages.append((sender, to, message.as_bytes()))
        shares = [messages[i :: args.connections] for i in range(args.connections)]
        errors: list[BaseException] = []

        def send(share: list[tuple[str, str, bytes]]) -> None:
            try:
                with smtplib.LMTP("127.0.0.1", port) as client:
                    for sender, to, raw in share:
                        client.sendmail(sender, [to], raw)
            except BaseException as error:  # reported below
                errors.append(error)

        cpu_before = tree_cpu_seconds(server.pid)
        started = time.perf_counter()
        threads = [threading.Thread(target=send, args=(s,)) for s in shares]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu = tree_cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        print(f"errors: {errors[:3]}")
        return 1
    posted = RequestEvent.objects.filter(kind=EventKind.CITIZEN_COMMENT).count() - before_events
    created = ServiceRequest.objects.count() - before_requests
    from victo_crm.inbound.models import InboundMessage

    failed = InboundMessage.objects.exclude(status__in=("posted", "created")).count()
    load = os.getloadavg()
    print(
        f"{args.messages} messages over {args.connections} LMTP connections in {elapsed:.2f} s: "
        f"{args.messages / elapsed:.0f} messages/s into requests "
        f"({posted} timeline messages, {created} new requests, {failed} not acted on)\n"
        f"mail process CPU: {cpu:.2f} s, {1000 * cpu / args.messages:.1f} ms per message\n"
        f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    return 0 if posted + created == args.messages and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
