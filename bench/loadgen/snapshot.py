"""A snapshot of the configuration the generated history must follow: workflows as
graphs, types with their field makers, places with their zones."""

from __future__ import annotations

import bisect
import random
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.places.geometry import ZoneIndex
from victo_crm.places.models import Address, Zone, ZoneKind
from victo_crm.service_requests.demo import FieldMaker, field_value_maker
from victo_crm.service_requests.models import (
    RequestType,
    ServiceRequest,
    State,
    Transition,
)

from .common import MAX_PATH, TOWN_CENTRE, LoadDataError
from .realism import (
    DEFAULT_FINAL_WEIGHT,
    DEFAULT_HINT,
    FINAL_WEIGHTS,
    OTHER_LENGTHS,
    TYPE_HINTS,
    USUAL_LENGTHS,
)

# --- A snapshot of the configuration ----------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    transition_id: int
    from_id: int
    to_id: int
    comment_required: bool
    citizen_may_fire: bool


@dataclass
class _Flow:
    """A workflow as the generator walks it."""

    initial_id: int
    codes: dict[int, str]
    final: dict[int, bool]
    sla_running: dict[int, bool]
    paths: list[tuple[_Step, ...]]
    path_cum: list[float]
    usual_final: int | None
    reopen: dict[int, list[_Step]]
    finish: dict[int, tuple[_Step, ...]]


@dataclass
class _Type:
    pk: int
    code: str
    name: str
    team_id: int
    workflow_id: int
    sla_hours: int | None
    priority: int
    location_required: bool
    location_allowed: bool
    fields: list[tuple[str, bool, FieldMaker]]
    weight: float
    months: tuple[float, ...]


@dataclass(frozen=True)
class _Place:
    address_id: int | None
    latitude: float
    longitude: float
    number: str
    street: str
    zone_ids: tuple[int, ...]


@dataclass(frozen=True)
class _Day:
    start: int  # epoch seconds of local midnight
    length: int  # seconds in that day (23 or 25 h when the clock changes; cut at now today)
    year: int
    month: int
    weekday: int


@dataclass(frozen=True)
class _Chunk:
    index: int
    seed: int
    first_day: int
    end_day: int
    offset: int  # of its first request among all the run's requests
    count: int
    ref_offsets: tuple[tuple[int, int], ...]  # (year, index of its first number that year)


@dataclass
class _Citizens:
    ids: list[int] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)  # ascending
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    homes: list[int] = field(default_factory=list)  # index in places, -1 without an address


@dataclass
class _Context:
    tz: ZoneInfo
    now: int
    first_year: int
    types: list[_Type]
    flows: dict[int, _Flow]
    staff: dict[int, tuple[int, ...]]
    any_staff: tuple[int, ...]
    places: list[_Place]
    zone_index: ZoneIndex | None
    town_kind: str | None
    days: list[_Day] = field(default_factory=list)
    day_type_cum: list[list[float]] = field(default_factory=list)
    day_counts: list[int] = field(default_factory=list)
    citizens: _Citizens = field(default_factory=_Citizens)
    request_ids: list[int] = field(default_factory=list)
    references: dict[int, list[int]] = field(default_factory=dict)
    chunks: list[_Chunk] = field(default_factory=list)
    has_rating: bool = False
    has_merge: bool = False
    locate_cache: dict[tuple[float, float], tuple[int, ...] | None] = field(default_factory=dict)


def _flow(states: list[State], transitions: list[Transition]) -> _Flow | None:
    initial = [s.pk for s in states if s.is_initial]
    if len(initial) != 1:
        return None
    codes = {s.pk: s.code for s in states}
    final = {s.pk: s.is_final for s in states}
    out: dict[int, list[_Step]] = defaultdict(list)
    for t in transitions:
        out[t.from_state_id].append(
            _Step(t.pk, t.from_state_id, t.to_state_id, t.comment_required, t.citizen_may_fire)
        )
    found: list[tuple[_Step, ...]] = []

    def walk(state: int, path: tuple[_Step, ...], seen: frozenset[int]) -> None:
        if len(path) >= MAX_PATH:
            return
        for step in out[state]:
            if step.to_id in seen:
                continue
            longer = (*path, step)
            if final[step.to_id]:
                found.append(longer)
            else:
                walk(step.to_id, longer, seen | {step.to_id})

    walk(initial[0], (), frozenset(initial))
    finals = [s.pk for s in states if s.is_final]
    usual = max(finals, key=lambda pk: FINAL_WEIGHTS.get(codes[pk], 0.0)) if finals else None
    by_target: dict[tuple[int, int], int] = Counter((p[-1].to_id, len(p)) for p in found)
    weights = []
    for path in found:
        target = path[-1].to_id
        lengths = USUAL_LENGTHS if target == usual else OTHER_LENGTHS
        present = {n for (t, n) in by_target if t == target}
        total = sum(lengths.get(n, 0.01) for n in present)
        share = lengths.get(len(path), 0.01) / total / by_target[(target, len(path))]
        weights.append(FINAL_WEIGHTS.get(codes[target], DEFAULT_FINAL_WEIGHT) * share)
    cum, running = [], 0.0
    for weight in weights:
        running += weight
        cum.append(running)
    reopen = {pk: [step for step in out[pk] if not final[step.to_id]] for pk in finals if out[pk]}
    return _Flow(
        initial_id=initial[0],
        codes=codes,
        final=final,
        sla_running={s.pk: s.sla_running for s in states},
        paths=found,
        path_cum=cum,
        usual_final=usual,
        reopen={pk: steps for pk, steps in reopen.items() if steps},
        finish=_shortest_paths(out, final, usual),
    )


def _shortest_paths(
    out: dict[int, list[_Step]], final: dict[int, bool], target: int | None
) -> dict[int, tuple[_Step, ...]]:
    """For each open state, the shortest way to ``target`` (breadth-first, backwards)."""
    if target is None:
        return {}
    routes: dict[int, tuple[_Step, ...]] = {target: ()}
    queue = deque([target])
    incoming: dict[int, list[_Step]] = defaultdict(list)
    for steps in out.values():
        for step in steps:
            incoming[step.to_id].append(step)
    while queue:
        state = queue.popleft()
        for step in incoming[state]:
            if step.from_id not in routes and not final[step.from_id]:
                routes[step.from_id] = (step, *routes[state])
                queue.append(step.from_id)
    routes.pop(target)
    return routes


def _any(rng: random.Random, items: Sequence[Any]) -> Any:
    """rng.choice without its overhead: this runs millions of times."""
    return items[int(rng.random() * len(items))]


def _weighted(rng: random.Random, items: Sequence[Any], cum: Sequence[float]) -> Any:
    """One item by cumulative weights, like rng.choices(k=1) without building a list."""
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _snapshot(now: datetime) -> _Context:
    tz = ZoneInfo(settings.TIME_ZONE)
    flows: dict[int, _Flow] = {}
    states_by_wf: dict[int, list[State]] = defaultdict(list)
    for state in State.objects.order_by("workflow_id", "order", "pk"):
        states_by_wf[state.workflow_id].append(state)
    transitions_by_wf: dict[int, list[Transition]] = defaultdict(list)
    for transition in Transition.objects.order_by("workflow_id", "order", "pk"):
        transitions_by_wf[transition.workflow_id].append(transition)
    types: list[_Type] = []
    for rtype in RequestType.objects.filter(is_active=True).prefetch_related("fields"):
        if rtype.workflow_id not in flows:
            built = _flow(states_by_wf[rtype.workflow_id], transitions_by_wf[rtype.workflow_id])
            if built is None:
                continue
            flows[rtype.workflow_id] = built
        weight, months = TYPE_HINTS.get(rtype.code, DEFAULT_HINT)
        makers = [
            (
                f.code,
                f.required,
                field_value_maker(
                    f.code, f.datatype, [c for c, _fr, _en in f.parsed_choices()], tz
                ),
            )
            for f in rtype.fields.all()
        ]
        types.append(
            _Type(
                pk=rtype.pk,
                code=rtype.code,
                name=rtype.name_fr,
                team_id=rtype.team_id,
                workflow_id=rtype.workflow_id,
                sla_hours=rtype.sla_hours,
                priority=rtype.default_priority,
                location_required=rtype.location_required,
                location_allowed=rtype.location_allowed,
                fields=makers,
                weight=weight,
                months=months,
            )
        )
    if not types:
        raise LoadDataError(
            "Aucun type de requête actif avec un flux valide : chargez d’abord le catalogue "
            "(manage.py load_demo)."
        )
    staff: dict[int, list[int]] = defaultdict(list)
    staff_roles = (roles.AGENT, roles.SUPERVISOR)
    members = User.teams.through.objects.filter(
        user__is_active=True, user__groups__name__in=staff_roles
    ).values_list("team_id", "user_id")
    for team_id, user_id in members.distinct().order_by("team_id", "user_id"):
        staff[team_id].append(user_id)
    admins = User.objects.filter(is_active=True, groups__name=roles.ADMINISTRATOR)
    any_staff = sorted(
        {uid for ids in staff.values() for uid in ids} | set(admins.values_list("pk", flat=True))
    )
    zones = list(Zone.objects.all())
    kinds = {zone.kind for zone in zones}
    town_kind = (
        ZoneKind.BOUNDARY
        if ZoneKind.BOUNDARY in kinds
        else ZoneKind.DISTRICT
        if ZoneKind.DISTRICT in kinds
        else None
    )
    ctx = _Context(
        tz=tz,
        now=int(now.timestamp()),
        first_year=0,
        types=types,
        flows=flows,
        staff={team: tuple(ids) for team, ids in staff.items()},
        any_staff=tuple(any_staff),
        places=[],
        zone_index=ZoneIndex(zones) if zones else None,
        town_kind=town_kind,
        has_rating=_has_field(ServiceRequest, "rating"),
        has_merge=_has_field(ServiceRequest, "merged_into"),
    )
    ctx.places = _places(ctx, zones)
    return ctx


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _places(ctx: _Context, zones: list[Zone]) -> list[_Place]:
    """The address registry with its zones; points in town when the registry is empty."""
    links: dict[int, list[int]] = defaultdict(list)
    for address_id, zone_id in Address.zones.through.objects.values_list("address_id", "zone_id"):
        links[address_id].append(zone_id)
    places = [
        _Place(
            address_id=pk,
            latitude=lat,
            longitude=lon,
            number=f"{number}{suffix}",
            street=street,
            zone_ids=tuple(sorted(links.get(pk, ()))),
        )
        for pk, number, suffix, street, lat, lon in Address.objects.values_list(
            "pk", "civic_number", "civic_suffix", "street", "latitude", "longitude"
        ).order_by("pk")
    ]
    if places:
        return places
    rng = random.Random(0)
    boundary = [z for z in zones if z.kind == ctx.town_kind]
    if boundary:
        lon0 = min(z.min_lon for z in boundary)
        lon1 = max(z.max_lon for z in boundary)
        lat0 = min(z.min_lat for z in boundary)
        lat1 = max(z.max_lat for z in boundary)
    else:
        lat0, lat1 = TOWN_CENTRE[0] - 0.03, TOWN_CENTRE[0] + 0.03
        lon0, lon1 = TOWN_CENTRE[1] - 0.04, TOWN_CENTRE[1] + 0.04
    for _attempt in range(20_000):
        lat, lon = round(rng.uniform(lat0, lat1), 6), round(rng.uniform(lon0, lon1), 6)
        zone_ids = _locate(ctx, lat, lon)
        if zone_ids is not None:
            places.append(_Place(None, lat, lon, "", "", zone_ids))
        if len(places) >= 500:
            break
    return places


def _locate(ctx: _Context, lat: float, lon: float) -> tuple[int, ...] | None:
    """Zone ids of a point, or None when it is outside the town."""
    key = (lat, lon)
    if key in ctx.locate_cache:
        return ctx.locate_cache[key]
    result: tuple[int, ...] | None = ()
    if ctx.zone_index is not None:
        found = ctx.zone_index.zones_for(lat, lon)
        if ctx.town_kind is not None and not any(z.kind == ctx.town_kind for z in found):
            result = None
        else:
            result = tuple(sorted(z.pk for z in found))
    if len(ctx.locate_cache) < 500_000:
        ctx.locate_cache[key] = result
    return result
