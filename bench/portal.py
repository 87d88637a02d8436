"""Server time and SQL queries of the portal's two busiest pages: My requests and a request.

Runs in-process with Django's test client against the database of DATABASE_URL (PostgreSQL
filled by ``bench/generate_load_data.py``), so it measures Django + the database, not the
network. Picks the citizens with the most requests (the worst case for My requests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/victo_portal_bench \\
        .venv/bin/python bench/portal.py --rounds 200

Prints p50/p95/max in milliseconds and the query count of each page, and the machine's load
average before and after (the development machine is shared: read the times with it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victo_crm.settings.test")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="Requests per page.")
    parser.add_argument("--citizens", type=int, default=20, help="Citizens to rotate through.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from victo_crm.accounts.models import User
    from victo_crm.service_requests.models import ServiceRequest

    settings.ALLOWED_HOSTS = ["*"]
    total = ServiceRequest.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, {total:,} requests")
    busiest = list(
        User.objects.filter(service_requests__isnull=False)
        .annotate(n=Count("service_requests"))
        .order_by("-n")[: args.citizens]
    )
    if not busiest:
        sys.exit("No citizen with requests: run bench/generate_load_data.py first.")
    print(f"citizens: {len(busiest)}, requests each: {busiest[-1].n}–{busiest[0].n}")
    from victo_crm.portal.selectors import my_requests_page

    clients = []
    for user in busiest:
        client = Client()
        client.force_login(user)
        newest = ServiceRequest.objects.filter(citizen=user).order_by("-created_at").first()
        assert newest is not None
        # Page 2 is reached by the "Plus anciennes" link: a cursor, not a page number.
        older = my_requests_page(user).older or ""
        clients.append((client, newest.reference, older))

    pages = {
        "My requests": lambda ref, older: "/portail/mes-requetes/",
        "My requests, open": lambda ref, older: "/portail/mes-requetes/?statut=ouvertes",
        "My requests, page 2": lambda ref, older: f"/portail/mes-requetes/?avant={older}",
        "A request": lambda ref, older: f"/portail/mes-requetes/{ref}/",
    }
    from bench.proc import cpu_seconds, own_backend_pid

    backend = own_backend_pid(connection)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for name, url_for in pages.items():
        timings: list[float] = []
        queries: list[int] = []
        cpu: list[float] = []
        for round_ in range(args.rounds + 5):
            client, ref, older = clients[round_ % len(clients)]
            with CaptureQueriesContext(connection) as captured:
                cpu_before = time.process_time() + cpu_seconds(backend)
                start = time.perf_counter()
                response = client.get(url_for(ref, older))
                elapsed = (time.perf_counter() - start) * 1000
                used = (time.process_time() + cpu_seconds(backend) - cpu_before) * 1000
            assert response.status_code == 200, (name, response.status_code)
            if round_ >= 5:  # warm-up rounds fill connection and template caches
                timings.append(elapsed)
                cpu.append(used)
                queries.append(len(captured.captured_queries))
        print(
            f"{name:22s} p50 {statistics.median(timings):6.1f} ms  "
            f"p95 {percentile(timings, 0.95):6.1f} ms  max {max(timings):6.1f} ms  "
            f"CPU {statistics.fmean(cpu):5.2f} ms/page (this process + its PostgreSQL backend)  "
            f"queries {min(queries)}–{max(queries)}"
        )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
