"""Planning a run (days, chunks, citizens) and building the rows of one chunk."""

from __future__ import annotations

import bisect
import os
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from victo_crm.service_requests.models import (
    Channel,
    EventKind,
)
from victo_crm.service_requests.references import format_reference

from .common import HOUR_RANGE, UUID4_BITS, UUID4_MASK, LoadDataError
from .realism import (
    ACCOUNT_SHARE,
    ASSIGNED_STATES,
    CHANNEL_MIX,
    CHANNELS,
    CITIZEN_COMMENTS,
    COMMENTS,
    DESCRIPTIONS,
    DUPLICATE_STATES,
    ENGLISH_SHARE,
    FIRST_NAMES,
    FIRST_NAMES_EN,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    FOLDED,
    GENERIC_COMMENTS,
    GENERIC_DESCRIPTIONS,
    HOURS,
    LAST_NAMES,
    LAST_NAMES_EN,
    MOBILE_GROWTH,
    NEAR_ADDRESS,
    NO_ADDRESS,
    NOTES,
    RATING_COMMENTS,
    REPLIES,
    SINCE,
    STORM_FACTORS,
    STORMS_PER_WINTER,
    WEEKDAY_FACTORS,
    YEARLY_GROWTH,
    _fold,
)
from .snapshot import _any, _Chunk, _Context, _Day, _locate, _Place, _Step, _Type, _weighted

# --- Planning: days, citizens, numbers ---------------------------------------------------------


def _plan_days(ctx: _Context, years: Sequence[int], rng: random.Random, count: int) -> None:
    today = datetime.fromtimestamp(ctx.now, ctx.tz).date()
    wanted = sorted(set(years))
    if not wanted:
        raise LoadDataError("Indiquez au moins une année.")
    if wanted[-1] > today.year:
        raise LoadDataError(f"L’année {wanted[-1]} n’a pas encore commencé.")
    ctx.first_year = wanted[0]
    for year in wanted:
        day = date(year, 1, 1)
        while day.year == year and day <= today:
            start = int(datetime(day.year, day.month, day.day, tzinfo=ctx.tz).timestamp())
            after = day + timedelta(days=1)
            end = int(datetime(after.year, after.month, after.day, tzinfo=ctx.tz).timestamp())
            length = min(end, ctx.now) - start
            if length > 0:
                ctx.days.append(_Day(start, length, day.year, day.month, day.weekday()))
            day = after
    storms = _storm_days(ctx.days, rng)
    totals = []
    for index, when in enumerate(ctx.days):
        base = WEEKDAY_FACTORS[when.weekday] * (1 + YEARLY_GROWTH * (when.year - ctx.first_year))
        # A day cut short (today) gets its share of the day only.
        base *= when.length / 86400
        running, cum = 0.0, []
        for rtype in ctx.types:
            weight = rtype.weight * rtype.months[when.month - 1] * base
            if index in storms:
                weight *= STORM_FACTORS.get(rtype.code, 1.0)
            running += weight
            cum.append(running)
        if running <= 0:  # a type list with only out-of-season types: keep the day possible
            cum = [float(i + 1) * 1e-9 for i in range(len(ctx.types))]
            running = cum[-1]
        ctx.day_type_cum.append(cum)
        totals.append(running)
    day_cum, running = [], 0.0
    for total in totals:
        running += total
        day_cum.append(running)
    ctx.day_counts = [0] * len(ctx.days)
    for index in rng.choices(range(len(ctx.days)), cum_weights=day_cum, k=count):
        ctx.day_counts[index] += 1


def _storm_days(days: list[_Day], rng: random.Random) -> set[int]:
    winters: dict[int, list[int]] = defaultdict(list)
    for index, day in enumerate(days):
        if day.month in (12, 1, 2, 3):
            winters[day.year + (1 if day.month == 12 else 0)].append(index)
    storms: set[int] = set()
    for indexes in winters.values():
        for first in rng.sample(indexes, min(STORMS_PER_WINTER, len(indexes))):
            storms.update((first, first + 1) if rng.random() < 0.5 else (first,))
    return storms


def _plan_chunks(ctx: _Context, batch: int, rng: random.Random) -> dict[int, int]:
    """Cut the days into chunks of about ``batch`` requests; return the count per year."""
    per_year: Counter[int] = Counter()
    first, offset, size = 0, 0, 0
    year_counts: Counter[int] = Counter()
    for index, count in enumerate(ctx.day_counts):
        size += count
        year_counts[ctx.days[index].year] += count
        last = index == len(ctx.day_counts) - 1
        if size >= batch or (last and size):
            ctx.chunks.append(
                _Chunk(
                    index=len(ctx.chunks),
                    seed=rng.getrandbits(63),
                    first_day=first,
                    end_day=index + 1,
                    offset=offset,
                    count=size,
                    ref_offsets=tuple((y, per_year[y]) for y in sorted(year_counts)),
                )
            )
            per_year.update(year_counts)
            year_counts.clear()
            first, offset, size = index + 1, offset + size, 0
    return dict(per_year)


def _plan_citizens(
    ctx: _Context, rng: random.Random, ids: list[int], taken: set[str]
) -> list[dict[str, Any]]:
    """Citizens who joined over the period (a third before it), ids ascending with the date."""
    if not ids:
        return []
    period_start = ctx.days[0].start
    joined = sorted(
        period_start - rng.randint(0, 730 * 86400)
        if rng.random() < 0.35
        else rng.randint(period_start, ctx.now)
        for _ in ids
    )
    rows = []
    citizens = ctx.citizens
    for user_id, joined_at in zip(ids, joined, strict=True):
        if rng.random() < ENGLISH_SHARE:
            first, last, language = rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN), "en"
        else:
            names = FIRST_NAMES_F if rng.random() < 0.52 else FIRST_NAMES_M
            first, last, language = rng.choice(names), rng.choice(LAST_NAMES), "fr"
        email = f"{_fold(first)}.{_fold(last)}.{user_id}@example.ca"
        while email in taken:
            email = email.replace("@", "x@")
        taken.add(email)
        phone = f"819 555-{rng.randint(0, 9999):04d}" if rng.random() < 0.7 else ""
        home = rng.randrange(len(ctx.places)) if ctx.places and rng.random() < 0.5 else -1
        place = ctx.places[home] if home >= 0 else None
        rows.append(
            {
                "id": user_id,
                "password": f"!{rng.getrandbits(160):040x}",  # unusable, like set_unusable_password
                "is_superuser": False,
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "address_id": place.address_id if place else None,
                "address_unit": f"{rng.randint(1, 12)}" if place and rng.random() < 0.15 else "",
                "preferred_language": language,
                "is_staff": False,
                "is_active": True,
                "date_joined": joined_at,
            }
        )
        citizens.ids.append(user_id)
        citizens.joined.append(joined_at)
        citizens.names.append(f"{first} {last}")
        citizens.emails.append(email)
        citizens.phones.append(phone)
        citizens.languages.append(language)
        citizens.homes.append(home if place and place.address_id else -1)
    return rows


# --- Building the rows of one chunk -----------------------------------------------------------

# Plain strings: enum attribute lookups cost more than the rest of a comparison, millions of
# times over.
SUBMITTED, TRANSITION, ASSIGNMENT = "submitted", "transition", "assignment"
PUBLIC_REPLY, INTERNAL_NOTE, CITIZEN_COMMENT = "public_reply", "internal_note", "citizen_comment"
PHONE, COUNTER, MOBILE = "phone", "counter", "mobile"
# (probability, kind, texts, public) of the events besides submission and transitions
EXTRA_EVENTS = (
    (0.18, PUBLIC_REPLY, REPLIES, True),
    (0.08, INTERNAL_NOTE, NOTES, False),
    (0.03, CITIZEN_COMMENT, CITIZEN_COMMENTS, True),
)
assert {SUBMITTED, TRANSITION, ASSIGNMENT, PUBLIC_REPLY, INTERNAL_NOTE, CITIZEN_COMMENT} <= set(
    EventKind.values
)
assert {PHONE, COUNTER, MOBILE} <= set(Channel.values)


def _build_chunk(
    ctx: _Context, chunk: _Chunk
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[int, int]]]:
    rng = random.Random(chunk.seed)
    # Public ids must differ from one run to the next even with the same seed.
    unique = random.Random(os.urandom(16))
    requests: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    links: list[tuple[int, int]] = []
    ids = iter(ctx.request_ids[chunk.offset : chunk.offset + chunk.count])
    next_ref = dict(chunk.ref_offsets)
    previous_of_type: dict[int, tuple[int, str]] = {}
    type_range = range(len(ctx.types))
    channel_cum: dict[tuple[bool, int], list[float]] = {}
    hour_cum = {ch: _cumulate(hours) for ch, hours in HOURS.items()}
    for day_index in range(chunk.first_day, chunk.end_day):
        count = ctx.day_counts[day_index]
        if not count:
            continue
        day = ctx.days[day_index]
        weekend = day.weekday >= 5
        key = (weekend, day.year)
        if key not in channel_cum:
            mix = list(CHANNEL_MIX[1 if weekend else 0])
            shift = min(mix[0] - 0.1, MOBILE_GROWTH * (day.year - ctx.first_year))
            mix[0], mix[1] = mix[0] - shift, mix[1] + shift
            channel_cum[key] = _cumulate(mix)
        kinds = rng.choices(type_range, cum_weights=ctx.day_type_cum[day_index], k=count)
        channels = rng.choices(CHANNELS, cum_weights=channel_cum[key], k=count)
        planned = []
        for type_index, channel in zip(kinds, channels, strict=True):
            hour = _weighted(rng, HOUR_RANGE, hour_cum[channel])
            offset = hour * 3600 + rng.randrange(3600)
            if offset >= day.length:
                offset = rng.randrange(day.length)
            planned.append((day.start + offset, type_index, channel))
        planned.sort()
        for created, type_index, channel in planned:
            request_id = next(ids)
            numbers = ctx.references[day.year]
            reference = format_reference(day.year, numbers[next_ref[day.year]])
            next_ref[day.year] += 1
            rtype = ctx.types[type_index]
            previous = previous_of_type.get(type_index)
            previous_of_type[type_index] = (request_id, reference)
            _build_request(
                ctx,
                rng,
                rtype,
                request_id=request_id,
                reference=reference,
                created=created,
                channel=channel,
                previous=previous,
                unique=unique,
                requests=requests,
                events=events,
                links=links,
            )
    return requests, events, links


def _cumulate(weights: Iterable[float]) -> list[float]:
    cum, running = [], 0.0
    for weight in weights:
        running += weight
        cum.append(running)
    return cum


def _build_request(
    ctx: _Context,
    rng: random.Random,
    rtype: _Type,
    *,
    request_id: int,
    reference: str,
    created: int,
    channel: str,
    previous: tuple[int, str] | None,
    unique: random.Random,
    requests: list[dict[str, Any]],
    events: list[dict[str, Any]],
    links: list[tuple[int, int]],
) -> None:
    citizens = ctx.citizens
    citizen_id: int | None = None
    home = -1
    if citizens.ids and rng.random() < ACCOUNT_SHARE[channel]:
        joined = bisect.bisect_right(citizens.joined, created)
        if joined:
            # Early members file more: they have had the portal longer, and some are regulars.
            who = int(joined * rng.random() ** 1.6)
            citizen_id = citizens.ids[who]
            name, email = citizens.names[who], citizens.emails[who]
            phone, language, home = (
                citizens.phones[who],
                citizens.languages[who],
                citizens.homes[who],
            )
    if citizen_id is None:
        english = rng.random() < ENGLISH_SHARE
        first = _any(rng, FIRST_NAMES_EN if english else FIRST_NAMES)
        last = _any(rng, LAST_NAMES_EN if english else LAST_NAMES)
        name, language = f"{first} {last}", "en" if english else "fr"
        in_person = channel in (PHONE, COUNTER)
        email = (
            ""
            if in_person and rng.random() < 0.5
            else f"{FOLDED[first]}.{FOLDED[last]}{rng.randint(1, 99)}@example.com"
        )
        phone = f"819 555-{rng.randint(0, 9999):04d}" if in_person or rng.random() < 0.4 else ""

    # Where
    address_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    zone_ids: tuple[int, ...] = ()
    location_text = ""
    place: _Place | None = None
    if ctx.places and rtype.location_allowed and (rtype.location_required or rng.random() < 0.45):
        place = ctx.places[home] if home >= 0 and rng.random() < 0.35 else None
        place = place or ctx.places[rng.randrange(len(ctx.places))]
    if place is not None:
        pinned = channel == MOBILE and rng.random() < 0.7
        if place.address_id is None or pinned or rng.random() < 0.08:
            lat = round(place.latitude + rng.gauss(0, 0.0003), 6)
            lon = round(place.longitude + rng.gauss(0, 0.0004), 6)
            located = _locate(ctx, lat, lon)
            if located is None:  # the pin fell outside the town: the citizen moved it back
                lat, lon, located = place.latitude, place.longitude, place.zone_ids
            zone_ids = located
            if place.number and rng.random() < 0.3:
                location_text = f"Près du {place.number}, {place.street}"
        else:
            address_id, lat, lon = place.address_id, place.latitude, place.longitude
            zone_ids = place.zone_ids

    # What
    values = {
        code: make(rng, created)
        for code, required, make in rtype.fields
        if required or rng.random() < 0.55
    }
    if rng.random() < 0.08:
        description = ""
    else:
        templates = DESCRIPTIONS.get(rtype.code, GENERIC_DESCRIPTIONS)
        where = (
            _any(rng, NEAR_ADDRESS).format(n=place.number, rue=place.street)
            if place is not None and place.number
            else _any(rng, NO_ADDRESS)
        )
        description = _any(rng, templates).format(
            lieu=where, depuis=_any(rng, SINCE), type=rtype.name.lower()
        )
    priority = rtype.priority
    roll = rng.random()
    if roll < 0.08:
        priority = min(4, priority + 1)
    elif roll < 0.13:
        priority = max(1, priority - 1)

    request: dict[str, Any] = {
        "id": request_id,
        "created_at": created,
        "reference": reference,
        "request_type_id": rtype.pk,
        "citizen_id": citizen_id,
        "contact_name": name,
        "contact_email": email,
        "contact_phone": phone,
        "language": language,
        "channel": channel,
        "description": description,
        "field_values": values,
        "address_id": address_id,
        "location_text": location_text,
        "latitude": lat,
        "longitude": lon,
        "team_id": rtype.team_id,
        "priority": priority,
        "tracking_token_hash": "" if citizen_id else f"{unique.getrandbits(256):064x}",
        "public_id": _uuid4(unique),
    }
    if channel in (PHONE, COUNTER):
        submitter = _pick(rng, ctx.staff.get(rtype.team_id) or ctx.any_staff)
    else:
        submitter = citizen_id
    _live(ctx, rng, rtype, request, submitter, previous, events)
    requests.append(request)
    for zone_id in zone_ids:
        links.append((request_id, zone_id))


def _uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID from the seeded generator, as text."""
    h = f"{rng.getrandbits(128) & UUID4_MASK | UUID4_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pick(rng: random.Random, ids: Sequence[int]) -> int | None:
    return ids[int(rng.random() * len(ids))] if ids else None


def _live(
    ctx: _Context,
    rng: random.Random,
    rtype: _Type,
    request: dict[str, Any],
    submitter: int | None,
    previous: tuple[int, str] | None,
    events: list[dict[str, Any]],
) -> None:
    """Walk the request through its workflow up to now; fill its dates and its events."""
    flow = ctx.flows[rtype.workflow_id]
    created: int = request["created_at"]
    citizen_id: int | None = request["citizen_id"]
    request_id: int = request["id"]
    now = ctx.now
    sla = (rtype.sla_hours or 120) * 3600
    team_staff = ctx.staff.get(rtype.team_id) or ctx.any_staff

    # The plan: a path to a final state, with its times, as if nothing stopped it.
    plan: list[tuple[_Step, float]] = []
    if flow.paths:
        path = _weighted(rng, flow.paths, flow.path_cum)
        duration = max(900.0, sla * rng.lognormvariate(-0.4, 0.9))
        first = duration * rng.uniform(0.04, 0.4) if len(path) > 1 else duration
        middle = sorted(rng.uniform(first, duration) for _ in range(len(path) - 2))
        times = [first, *middle, duration] if len(path) > 1 else [duration]
        plan = list(zip(path, times, strict=True))
        last = path[-1].to_id
        if rng.random() < 0.03 and last in flow.reopen:
            step = rng.choice(flow.reopen[last])
            reopened = duration + rng.uniform(1, 30) * 86400
            plan.append((step, reopened))
            again = flow.finish.get(step.to_id, ())
            extra = sla * rng.lognormvariate(-0.6, 0.7)
            for position, follow in enumerate(again, 1):
                plan.append((follow, reopened + extra * position / len(again)))
        if rng.random() < 0.015:  # a forgotten one: it stays open
            plan = plan[: rng.randrange(len(plan))]
    plan = [(step, at) for step, at in plan if created + at < now]

    # Who holds it
    assignee: int | None = None
    assign_at: float | None = None
    agents = ctx.staff.get(rtype.team_id)
    if agents and plan:
        for step, at in plan:
            if flow.codes[step.to_id] in ASSIGNED_STATES:
                assign_at = at
                break
        if assign_at is not None:
            assignee = _pick(rng, agents)

    end = created + plan[-1][1] if plan and flow.final[plan[-1][0].to_id] else now
    timeline: list[tuple[float, int, dict[str, Any]]] = []
    for order, (step, at) in enumerate(plan, 1):
        code = flow.codes[step.to_id]
        actor = assignee or _pick(rng, team_staff)
        if step.citizen_may_fire and citizen_id and rng.random() < 0.6:
            actor = citizen_id
        event: dict[str, Any] = {
            "kind": TRANSITION,
            "is_public": True,
            "actor_id": actor,
            "to_state_id": step.to_id,
            "transition_id": step.transition_id,
            "message": "",
            "data": {},
        }
        if code in DUPLICATE_STATES and previous is not None:
            event["message"] = f"Même signalement que la requête {previous[1]}."
            if ctx.has_merge:
                event["merge"] = previous[0]  # not a column: read back when replayed
        elif step.comment_required or rng.random() < 0.15:
            event["message"] = _any(rng, COMMENTS.get(code, GENERIC_COMMENTS))
        timeline.append((created + at, order, event))
    if assign_at is not None:
        timeline.append(
            (
                created + max(1.0, assign_at - rng.uniform(60, 3600)),
                0,
                {
                    "kind": ASSIGNMENT,
                    "is_public": False,
                    "actor_id": _pick(rng, team_staff),
                    "message": "",
                    "data": {
                        "before": {"team": rtype.team_id, "assignee": None},
                        "after": {"team": rtype.team_id, "assignee": assignee},
                    },
                },
            )
        )
    span = max(60, end - created)
    for share, kind, texts, public in EXTRA_EVENTS:
        if rng.random() < share:
            actor = citizen_id if kind == CITIZEN_COMMENT else assignee or _pick(rng, team_staff)
            timeline.append(
                (
                    created + rng.uniform(0.02, 0.98) * span,
                    0,
                    {
                        "kind": kind,
                        "is_public": public,
                        "actor_id": actor,
                        "message": _any(rng, texts),
                        "data": {},
                    },
                )
            )
    timeline.sort(key=lambda item: (item[0], item[1]))

    # Replay it the way the services would have written it.
    state = flow.initial_id
    due = created + sla if rtype.sla_hours else None
    paused = created if not flow.sla_running[state] else None
    closed = first_response = None
    citizen_updated = created
    version = 1
    last = created
    events.append(
        {
            "request_id": request_id,
            "kind": SUBMITTED,
            "is_public": True,
            "actor_id": submitter,
            "to_state_id": state,
            "data": {"channel": request["channel"]},
            "created_at": created,
        }
    )
    for at, _order, event in timeline:
        moment = max(int(at), last + 1)
        if moment > now:
            break
        last = moment
        event["request_id"] = request_id
        event["created_at"] = moment
        kind = event["kind"]
        by_staff = event["actor_id"] is not None and event["actor_id"] != citizen_id
        if kind == TRANSITION:
            target = event["to_state_id"]
            event["from_state_id"] = state
            state = target
            if "merge" in event:
                request["merged_into_id"] = event.pop("merge")
            version += 1
            closed = moment if flow.final[target] else None
            if not flow.sla_running[target] and paused is None:
                paused = moment
            elif flow.sla_running[target] and paused is not None:
                if due is not None:
                    due += moment - paused
                paused = None
            if by_staff and first_response is None:
                first_response = moment
            if not by_staff:
                citizen_updated = moment
        elif kind == ASSIGNMENT:
            version += 1
            request["assignee_id"] = assignee
        elif kind == PUBLIC_REPLY and first_response is None:
            first_response = moment
        elif kind == CITIZEN_COMMENT:
            citizen_updated = moment
        events.append(event)
    updated = last
    if (
        ctx.has_rating
        and closed is not None
        and state == flow.usual_final
        and citizen_id
        and rng.random() < 0.2
    ):
        rated = closed + rng.randint(3600, 5 * 86400)
        if rated < now:
            request["rating"] = _weighted(rng, (1, 2, 3, 4, 5), (8, 15, 30, 60, 100))
            request["rated_at"] = rated
            request["rating_comment"] = rng.choice(RATING_COMMENTS) if rng.random() < 0.35 else ""
            updated = max(updated, rated)
    request.update(
        state_id=state,
        updated_at=updated,
        due_at=due,
        sla_paused_at=paused,
        first_response_at=first_response,
        closed_at=closed,
        citizen_updated_at=citizen_updated,
        version=version,
    )
