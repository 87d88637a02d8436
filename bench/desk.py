"""Server time and query count of the staff desk's main pages on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/victo_desk_bench \\
        .venv/bin/python bench/desk.py [--runs 40] [--analyze]

Prepare the database once:

    createdb victo_desk_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/victo_desk_bench
    manage.py migrate && manage.py load_demo && bench/generate_load_data.py --requests 1000000

Each page is requested through Django's test client in this process, so the time measured
is the server's (URL routing, views, queries, templates), not the network's. The agent of
Travaux publics (the largest team: about 55 % of the requests) works the queue; the
supervisor opens the dashboard (cold: cache cleared before each run; warm: cached).

Access grants (``--grants``, the default): the agent of Environnement is given, for this run
only, a read grant on all of Travaux publics and an acting grant on one type of Sécurité
publique in one district; the bench then times that agent's own queue, the "accès accordé"
queue (plain, searched, and by reference) and request pages seen through the grant.

The bench leaves the database as it found it, so a shared bench database can stay
read-only: the access-log rows that request pages write, and the grants, go to temporary
tables of the bench's own session (``CREATE TEMP TABLE``, which PostgreSQL looks up before
the permanent ones and drops when the session ends).

Goals (issue 4): p95 < 150 ms for the queue, search and request page; dashboard < 1 s;
at most 15 queries per page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victo_crm.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.proc import cpu_seconds, own_backend_pid  # noqa: E402
from victo_crm.accounts.models import User  # noqa: E402
from victo_crm.service_requests.models import ServiceRequest  # noqa: E402

AGENT = "agent.tp@victoriaville.ca"
SUPERVISOR = "superviseur@victoriaville.ca"
OTHER_AGENT = "agent.env@victoriaville.ca"
SEARCH_WORDS = [
    "nid-de-poule",
    "ecole",
    "lampadaire",
    "deneigement",
    "tremblay",
    "bruit",
    "arbre tombe",
]


def staff_client(user: User) -> Client:
    """A staff member signed in with both factors, as the sign-in page leaves her: the
    two-factor middleware reads allauth's record of the steps in the session (a bare
    ``force_login`` would measure the redirect to the code page)."""
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=0, type="totp")
    request.session.save()
    return client


def measure(label: str, runs: int, make_path: Callable[[int], str], client: Client, before=None):
    """Wall time, CPU time per page (this process's, which is the server's here, plus the
    PostgreSQL backend's) and statements of ``runs`` pages."""
    times, queries, statuses = [], [], set()
    cpu_ms = 0.0
    backend = own_backend_pid(connection)
    for i in range(runs):
        path = make_path(i)
        if before:
            before()
        with CaptureQueriesContext(connection) as captured:
            cpu_before = time.process_time() + cpu_seconds(backend)
            start = time.perf_counter()
            response = client.get(path)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            elapsed = (time.perf_counter() - start) * 1000
            cpu_ms += (time.process_time() + cpu_seconds(backend) - cpu_before) * 1000
        times.append(elapsed)
        queries.append(len(captured))
        statuses.add(response.status_code)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"{label:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {times[-1]:7.1f} ms   "
        f"CPU {cpu_ms / runs:6.2f} ms/page   queries {min(queries)}–{max(queries)}   "
        f"status {sorted(statuses)}"
    )
    if statuses != {200}:
        raise SystemExit(f"{label}: answered {sorted(statuses)}, not the page: nothing measured")
    return p50, p95, max(queries)


def shadow_tables() -> bool:
    """Session-local copies of the tables the bench writes (see the docstring). Returns
    whether access grants can be benched (the code knows them)."""
    from django.db import models

    from victo_crm.desk import models as desk_models
    from victo_crm.service_requests import models as request_models

    shadowed: list[type[models.Model]] = [desk_models.AccessLog]
    # The grants moved from the desk to the requests; the bench runs on either version.
    grant_model = getattr(request_models, "AccessGrant", None) or getattr(
        desk_models, "AccessGrant", None
    )
    if grant_model is not None:
        shadowed += [
            grant_model,
            grant_model.request_types.through,
            grant_model.zones.through,
        ]
    editor = connection.schema_editor()  # only to write the CREATE TABLE statements
    editor.deferred_sql = []  # the foreign keys and indexes it defers are never run
    with connection.cursor() as cursor:
        for model in shadowed:
            sql, params = editor.table_sql(model)
            # Foreign keys are left out (a temporary table may not reference a permanent one).
            cursor.execute(sql.replace("CREATE TABLE", "CREATE TEMP TABLE", 1), params)
    return grant_model is not None


def grant_scenarios(runs: int, results: dict) -> None:
    from victo_crm.accounts.models import Team
    from victo_crm.places.models import Zone, ZoneKind
    from victo_crm.service_requests.models import RequestType

    try:
        from victo_crm.service_requests.models import AccessGrant, GrantLevel
    except ImportError:  # before the grants moved from the desk to the requests
        from victo_crm.desk.models import (  # type: ignore[attr-defined,no-redef]
            AccessGrant,
            GrantLevel,
        )

    other = User.objects.get(email=OTHER_AGENT)
    tp = Team.objects.get(code="travaux-publics")
    sp = Team.objects.get(code="securite-publique")
    AccessGrant.objects.create(team=tp, grantee=other, level=GrantLevel.READ)
    narrowed = AccessGrant.objects.create(team=sp, grantee=other, level=GrantLevel.ACT)
    busiest = (
        ServiceRequest.objects.filter(team=sp)
        .values("request_type")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    sp_type = RequestType.objects.get(pk=busiest["request_type"]) if busiest else None
    district = Zone.objects.filter(kind=ZoneKind.DISTRICT).order_by("pk").first()
    if sp_type is not None:
        narrowed.request_types.add(sp_type)
    if district is not None:
        narrowed.zones.add(district)
    granted_refs = list(
        ServiceRequest.objects.filter(team=tp, closed_at__isnull=True)
        .order_by("?")
        .values_list("reference", flat=True)[:runs]
    )
    print(
        f"\nAccès accordés à {OTHER_AGENT} : lecture de « {tp.name} » (toute l’équipe); "
        f"action sur « {sp.name} », type « {sp_type} », zone « {district} »\n"
    )
    client = staff_client(other)
    client.get("/bureau/?file=granted")
    results["grant_own_queue"] = measure(
        "sa propre file (avec accès)",
        runs,
        lambda i: "/bureau/?file=team" + ("&sort=-priority" if i % 3 == 0 else ""),
        client,
    )
    results["grant_queue"] = measure(
        "file « accès accordé »",
        runs,
        lambda i: "/bureau/?file=granted" + ("&sort=-priority" if i % 3 == 0 else ""),
        client,
    )
    results["grant_search"] = measure(
        "recherche dans l’accès accordé",
        runs,
        lambda i: f"/bureau/?file=granted&q={SEARCH_WORDS[i % len(SEARCH_WORDS)]}",
        client,
    )
    results["grant_search_ref"] = measure(
        "référence dans l’accès accordé",
        runs,
        lambda i: f"/bureau/?file=granted&q={granted_refs[i % len(granted_refs)]}",
        client,
    )
    results["grant_request"] = measure(
        "fiche vue par l’accès",
        runs,
        lambda i: f"/bureau/requetes/{granted_refs[i % len(granted_refs)]}/",
        client,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--analyze", action="store_true", help="ANALYZE the tables first")
    parser.add_argument(
        "--no-grants", dest="grants", action="store_false", help="skip the access-grant pages"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database filled with generate_load_data.")
    if args.analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with_grants = shadow_tables() and args.grants
    total = ServiceRequest.objects.count()
    agent = User.objects.get(email=AGENT)
    supervisor = User.objects.get(email=SUPERVISOR)
    team_ids = list(agent.teams.values_list("pk", flat=True))
    rng = random.Random(7)
    # The request pages opened: a mix of open and closed requests of the agent's team.
    refs = list(
        ServiceRequest.objects.filter(team_id__in=team_ids, closed_at__isnull=True)
        .order_by("?")
        .values_list("reference", flat=True)[: args.runs // 2]
    ) + list(
        ServiceRequest.objects.filter(team_id__in=team_ids, created_at__year=2025)
        .order_by("-id")
        .values_list("reference", flat=True)[: args.runs]
    )
    rng.shuffle(refs)
    print(f"{total:,} requêtes; équipe de l’agent : {team_ids}; {args.runs} essais par page\n")

    agent_client, supervisor_client = staff_client(agent), staff_client(supervisor)
    # Warm up templates, connections and the configuration kept in memory (types, fields,
    # states, teams, rules: a running server has them; the first request page of a process
    # reads them, six statements more than the budget counts).
    agent_client.get("/bureau/")
    agent_client.get(f"/bureau/requetes/{refs[-1]}/")

    queues = ["team", "unassigned", "mine", "due", "citizen"]
    results = {}
    results["queue"] = measure(
        "file d’équipe (5 files, tri)",
        args.runs,
        lambda i: f"/bureau/?file={queues[i % len(queues)]}"
        + ("&sort=-priority" if i % 3 == 0 else ""),
        agent_client,
    )
    results["queue_all"] = measure(
        "toutes (superviseur, 2 équipes)",
        args.runs,
        lambda i: "/bureau/?file=all",
        supervisor_client,
    )
    results["queue_filtered"] = measure(
        "file filtrée (type, dates)",
        args.runs,
        lambda i: "/bureau/?file=team&channel=phone&created_from=2026-01-01",
        agent_client,
    )
    results["search"] = measure(
        "recherche plein texte",
        args.runs,
        lambda i: f"/bureau/?file=team&q={SEARCH_WORDS[i % len(SEARCH_WORDS)]}",
        agent_client,
    )
    results["search_ref"] = measure(
        "recherche par référence",
        args.runs,
        lambda i: f"/bureau/?file=all&q={refs[i % len(refs)]}",
        supervisor_client,
    )
    results["request"] = measure(
        "fiche d’une requête",
        args.runs,
        lambda i: f"/bureau/requetes/{refs[i % len(refs)]}/",
        agent_client,
    )
    results["dashboard_cold"] = measure(
        "tableau de bord (sans cache)",
        max(5, args.runs // 4),
        lambda i: "/bureau/tableau-de-bord/",
        supervisor_client,
        before=cache.clear,
    )
    results["dashboard_warm"] = measure(
        "tableau de bord (en cache)",
        args.runs,
        lambda i: "/bureau/tableau-de-bord/",
        supervisor_client,
    )
    if with_grants:
        grant_scenarios(args.runs, results)
    print()
    goals = {"queue": 150, "search": 150, "request": 150, "dashboard_cold": 1000}
    if with_grants:
        goals.update({"grant_queue": 150, "grant_search": 150, "grant_request": 150})
    for key, limit in goals.items():
        _p50, p95, max_queries = results[key]
        verdict = "OK" if p95 < limit and max_queries <= 15 else "NON ATTEINT"
        print(f"objectif {key:<15} p95 < {limit} ms, ≤ 15 requêtes SQL : {verdict}")


if __name__ == "__main__":
    main()
