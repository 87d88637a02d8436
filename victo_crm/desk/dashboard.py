"""Dashboard figures, computed with a handful of aggregate queries and cached briefly.

The cache key names the scope (all teams, or the user's teams and access grants) and the
language; entries live ``CACHE_SECONDS`` and the page says when the figures were computed, so
nobody mistakes them for live counts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone, translation

from victo_crm.accounts.models import Team
from victo_crm.notifications.selectors import delivery_rates
from victo_crm.places.models import ZoneKind
from victo_crm.service_requests.models import RequestType
from victo_crm.service_requests.scope import staff_scope

from .selectors import visible_requests

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

CACHE_SECONDS = 120
WEEKS = 8
SLA_DAYS = 30
MEDIAN_DAYS = 90
TOP_TYPES = 8


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5), which also works on intervals."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _week_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def _hours(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 3600, 1)


def _medians(qs: Any, since: datetime) -> dict[int, dict[str, float | None]]:
    first = F("first_response_at") - F("created_at")
    resolved = F("closed_at") - F("created_at")
    recent = qs.filter(created_at__gte=since)
    result: dict[int, dict[str, float | None]] = defaultdict(dict)
    if connection.vendor == "postgresql":
        rows = (
            recent.values("request_type_id")
            .annotate(
                first=Median(first, filter=Q(first_response_at__isnull=False)),
                resolution=Median(resolved, filter=Q(closed_at__isnull=False)),
            )
            .order_by()
        )
        for row in rows:
            result[row["request_type_id"]] = {
                "first": _hours(row["first"]),
                "resolution": _hours(row["resolution"]),
            }
        return result
    # SQLite (development): the same medians computed here.
    firsts: dict[int, list[float]] = defaultdict(list)
    resolutions: dict[int, list[float]] = defaultdict(list)
    for type_id, created, first_at, closed in recent.values_list(
        "request_type_id", "created_at", "first_response_at", "closed_at"
    ):
        if first_at:
            firsts[type_id].append((first_at - created).total_seconds())
        if closed:
            resolutions[type_id].append((closed - created).total_seconds())
    for type_id in set(firsts) | set(resolutions):
        result[type_id] = {
            "first": _hours(statistics.median(firsts[type_id])) if firsts[type_id] else None,
            "resolution": _hours(statistics.median(resolutions[type_id]))
            if resolutions[type_id]
            else None,
        }
    return result


def dashboard_stats(user: User, *, use_cache: bool = True) -> dict[str, Any]:
    # The scope's key names the teams and the access grants the figures are computed over.
    key = f"desk:dashboard:v2:{staff_scope(user).cache_key}:{translation.get_language()}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached
    stats = _compute(user)
    cache.set(key, stats, CACHE_SECONDS)
    return stats


def delivery_stats(*, use_cache: bool = True) -> dict[int, Any]:
    """Delivery rates per channel (notifications.selectors.delivery_rates): the same for
    every viewer (counts of the whole town's messages, no one's data), so one cache entry
    for all, kept as long as the other figures."""
    key = "desk:dashboard:delivery:v1"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached
    rates = delivery_rates()
    cache.set(key, rates, CACHE_SECONDS)
    return rates


def _compute(user: User) -> dict[str, Any]:
    now = timezone.now()
    base = visible_requests(user).order_by()
    type_names = {t.pk: t.name for t in RequestType.objects.only("id", "name_fr", "name_en")}

    # Volumes per type and week.
    first_week = _week_start(now) - timedelta(weeks=WEEKS - 1)
    weeks = [first_week + timedelta(weeks=i) for i in range(WEEKS)]
    volume_rows = (
        base.filter(created_at__gte=first_week)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "request_type_id")
        .annotate(n=Count("id"))
    )
    per_type: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in volume_rows:
        week = timezone.localtime(row["week"]).date().isoformat() if row["week"] else ""
        per_type[row["request_type_id"]][week] += row["n"]
    week_keys = [w.date().isoformat() for w in weeks]
    ranked = sorted(per_type.items(), key=lambda item: -sum(item[1].values()))
    volumes = [
        {
            "type": type_names.get(type_id, str(type_id)),
            "counts": [counts.get(w, 0) for w in week_keys],
            "total": sum(counts.values()),
        }
        for type_id, counts in ranked[:TOP_TYPES]
    ]
    if len(ranked) > TOP_TYPES:
        others = [0] * len(week_keys)
        for _type_id, counts in ranked[TOP_TYPES:]:
            for i, w in enumerate(week_keys):
                others[i] += counts.get(w, 0)
        volumes.append({"type": "…", "counts": others, "total": sum(others), "others": True})

    # Open backlog per team (a partial index on open requests answers it).
    team_names = {t.pk: t.name for t in Team.objects.only("id", "name_fr", "name_en")}
    backlog = [
        {"team": team_names.get(row["team_id"], str(row["team_id"])), "open": row["n"]}
        for row in base.filter(closed_at__isnull=True)
        .values("team_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]

    # SLA compliance of the requests closed in the last 30 days that had a target.
    sla = base.filter(
        closed_at__gte=now - timedelta(days=SLA_DAYS), due_at__isnull=False
    ).aggregate(total=Count("id"), on_time=Count("id", filter=Q(closed_at__lte=F("due_at"))))
    sla_pct = round(100 * sla["on_time"] / sla["total"], 1) if sla["total"] else None

    # Median times per type over the requests received in the last 90 days.
    medians = _medians(base, now - timedelta(days=MEDIAN_DAYS))
    median_rows = sorted(
        (
            {
                "type": type_names.get(type_id, str(type_id)),
                "first": values.get("first"),
                "resolution": values.get("resolution"),
            }
            for type_id, values in medians.items()
        ),
        key=lambda row: str(row["type"]),
    )

    # Top districts by open requests received in the last 90 days.
    zones = [
        {"zone": row["zones__name"], "open": row["n"]}
        for row in base.filter(
            closed_at__isnull=True,
            created_at__gte=now - timedelta(days=MEDIAN_DAYS),
            zones__kind=ZoneKind.DISTRICT,
        )
        .values("zones__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    ]
    return {
        "computed_at": now,
        "weeks": week_keys,
        "volumes": volumes,
        "backlog": backlog,
        "open_total": sum(b["open"] for b in backlog),
        "sla": {"total": sla["total"], "on_time": sla["on_time"], "percent": sla_pct},
        "medians": median_rows,
        "zones": zones,
    }
