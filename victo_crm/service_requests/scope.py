"""Which requests a staff member may see and act on: the one place that decides.

- An administrator sees and acts on every request.
- An agent or a supervisor sees and acts on the requests of their teams, and on those an
  administrator opened to them (``AccessGrant``, to one of their teams or to them
  alone): the requests of another team, perhaps only some request types and/or zones,
  read-only or read-and-act. A grant past its end date does nothing.
- Anybody else sees nothing.

``staff_scope(user)`` answers for querysets (``StaffScope.requests_q``: the desk's queues,
search, map, exports, bulk actions and dashboard filter with it) and for one request
(``may_see``, ``may_act``: the request page and the workflow engine's ``staff_may_act_on``,
which every service checks before a transition, an assignment, a reply or a note). So a
list, a page and a write never disagree.

Cost: one query per HTTP request, which reads the user's roles, teams and live grants (with
their types and zones) together and primes the caches of ``accounts.roles``; the scope is
kept on the user object. Checking one request costs nothing more when it was loaded with
``StaffScope.annotate`` (the request page does); otherwise a grant narrowed to zones reads
that request's zones once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from victo_crm.accounts import roles

from .grants import AccessGrant, GrantLevel
from .models import ServiceRequest

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class GrantRule:
    """A live access grant, as the scope applies it."""

    pk: int
    team_id: int
    type_ids: frozenset[int]
    zone_ids: frozenset[int]
    may_act: bool

    @property
    def whole_team(self) -> bool:
        return not self.type_ids and not self.zone_ids

    def q(self) -> Q:
        condition = Q(team_id=self.team_id)
        if self.type_ids:
            condition &= Q(request_type_id__in=sorted(self.type_ids))
        if self.zone_ids:
            located = ServiceRequest.zones.through.objects.filter(
                servicerequest_id=OuterRef("pk"), zone_id__in=sorted(self.zone_ids)
            )
            condition &= Q(Exists(located))
        return condition

    def covers(self, request: ServiceRequest, zone_ids: Callable[[], frozenset[int]]) -> bool:
        if request.team_id != self.team_id:
            return False
        if self.type_ids and request.request_type_id not in self.type_ids:
            return False
        return not self.zone_ids or bool(self.zone_ids & zone_ids())


@dataclass(frozen=True)
class StaffScope:
    everything: bool = False
    team_ids: frozenset[int] = frozenset()
    grants: tuple[GrantRule, ...] = ()

    # --- Many requests ------------------------------------------------------------------------

    def requests_q(self, *, to_act: bool = False) -> Q:
        """The requests this person may see (or, ``to_act``, act on), as a filter."""
        if self.everything:
            return Q()
        team_ids = set(self.team_ids)
        narrowed: list[Q] = []
        for grant in self.grants:
            if to_act and not grant.may_act:
                continue
            if grant.whole_team:
                # Folded into one "team_id IN (…)": the queue indexes keep serving it.
                team_ids.add(grant.team_id)
            else:
                narrowed.append(grant.q())
        condition = Q(team_id__in=sorted(team_ids)) if team_ids else NOTHING
        for extra in narrowed:
            condition |= extra
        return condition

    def granted_q(self) -> Q:
        """Only what grants open (another team's requests), for the "accès accordé" queue."""
        if not self.grants:
            return NOTHING
        return StaffScope(grants=self.grants).requests_q()

    @property
    def granted_team_ids(self) -> frozenset[int]:
        return frozenset(grant.team_id for grant in self.grants)

    @property
    def cache_key(self) -> str:
        """Names the scope (for caches of figures computed over it, e.g. the dashboard)."""
        if self.everything:
            return "all"
        parts = [",".join(map(str, sorted(self.team_ids)))]
        for grant in sorted(self.grants, key=lambda g: g.pk):
            types = ",".join(map(str, sorted(grant.type_ids)))
            zones = ",".join(map(str, sorted(grant.zone_ids)))
            parts.append(f"{grant.pk}:{grant.team_id}:{types}:{zones}")
        if len(parts) == 1:
            return f"t{parts[0]}"
        return "g" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    # --- One request --------------------------------------------------------------------------

    def _preferred(self, *, to_act: bool) -> list[GrantRule]:
        # An acting grant first: it says more about what the person may do.
        chosen = [g for g in self.grants if g.may_act or not to_act]
        return sorted(chosen, key=lambda g: (not g.may_act, g.pk))

    def _grant_case(self, *, to_act: bool) -> Any:
        whens = [When(g.q(), then=Value(g.pk)) for g in self._preferred(to_act=to_act)]
        if not whens:
            return Value(None, output_field=BigIntegerField())
        return Case(*whens, default=Value(None), output_field=BigIntegerField())

    def annotate(self, qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
        """Add to each request the grant that shows it and the one that lets act on it, so
        checking one loaded request (its page, its actions) costs no further query."""
        if self.everything or not self.grants:
            return qs
        return qs.annotate(
            desk_grant_id=self._grant_case(to_act=False),
            desk_act_grant_id=self._grant_case(to_act=True),
        )

    def grant_for(self, request: ServiceRequest, *, to_act: bool = False) -> GrantRule | None:
        """The grant through which this person sees (or acts on) ``request``; an acting
        grant is preferred when several cover it."""
        annotated = getattr(request, "desk_act_grant_id" if to_act else "desk_grant_id", 0)
        if annotated != 0:
            found = next((g for g in self.grants if g.pk == annotated), None)
            if found is None or found.team_id == request.team_id:  # not moved since loaded
                return found

        def zone_ids() -> frozenset[int]:
            return request_zone_ids(request)

        return next(
            (g for g in self._preferred(to_act=to_act) if g.covers(request, zone_ids)), None
        )

    def may_see(self, request: ServiceRequest) -> bool:
        if self.everything or request.team_id in self.team_ids:
            return True
        return self.grant_for(request) is not None

    def may_act(self, request: ServiceRequest) -> bool:
        if self.everything or request.team_id in self.team_ids:
            return True
        return self.grant_for(request, to_act=True) is not None


def request_zone_ids(request: ServiceRequest) -> frozenset[int]:
    cached = getattr(request, "_victo_zone_ids", None)
    if cached is None:
        prefetched = getattr(request, "_prefetched_objects_cache", {}).get("zones")
        if prefetched is not None:
            cached = frozenset(z.pk for z in prefetched)
        else:
            cached = frozenset(request.zones.values_list("pk", flat=True))
        setattr(request, "_victo_zone_ids", cached)  # noqa: B010 - a cache on the instance
    return cached


def _profile_rows(user: Any) -> list[tuple[Any, ...]]:
    """The user's roles, teams and live access grants, in one UNION query:
    ("role", name, …), ("team", None, team id, …) and one row per grant, type and zone
    ("grant", level, grant id, team id, type id or None, zone id or None)."""
    from victo_crm.accounts.models import Team, User

    def columns(qs: Any, **values: Any) -> Any:
        # Typed NULLs: PostgreSQL types a UNION's columns pair by pair, and two untyped
        # NULLs would make a text column.
        nothing = {
            "k": Value("", output_field=CharField()),
            "s": Cast(Value(None), output_field=CharField()),
            "a": Cast(Value(None), output_field=BigIntegerField()),
            "b": Cast(Value(None), output_field=BigIntegerField()),
            "c": Cast(Value(None), output_field=BigIntegerField()),
            "d": Cast(Value(None), output_field=BigIntegerField()),
        }
        return qs.annotate(**{**nothing, **values}).values_list(*nothing).order_by()

    role_rows = columns(
        User.groups.through.objects.filter(user_id=user.pk),
        k=Value("role", output_field=CharField()),
        s=F("group__name"),
    )
    team_rows = columns(
        Team.members.through.objects.filter(user_id=user.pk),
        k=Value("team", output_field=CharField()),
        a=F("team_id"),
    )
    grant_rows = columns(
        AccessGrant.objects.live(timezone.localdate()).filter(
            Q(grantee_id=user.pk) | Q(grantee_team__members=user.pk)
        ),
        k=Value("grant", output_field=CharField()),
        s=F("level"),
        a=F("pk"),
        b=F("team_id"),
        c=F("request_types__id"),
        d=F("zones__id"),
    )
    return list(role_rows.union(team_rows, grant_rows, all=True))


def _grant_rules(rows: list[tuple[Any, ...]], team_ids: frozenset[int]) -> tuple[GrantRule, ...]:
    found: dict[int, dict[str, Any]] = {}
    for kind, level, pk, team_id, type_id, zone_id in rows:
        if kind != "grant" or team_id in team_ids:  # one's own team is open already
            continue
        grant = found.setdefault(
            pk, {"team_id": team_id, "level": level, "types": set(), "zones": set()}
        )
        if type_id is not None:
            grant["types"].add(type_id)
        if zone_id is not None:
            grant["zones"].add(zone_id)
    return tuple(
        GrantRule(
            pk=pk,
            team_id=g["team_id"],
            type_ids=frozenset(g["types"]),
            zone_ids=frozenset(g["zones"]),
            may_act=g["level"] == GrantLevel.ACT,
        )
        for pk, g in sorted(found.items())
    )


def staff_scope(user: Any) -> StaffScope:
    """What ``user`` may see and act on at the desk (kept on the user object)."""
    cached = getattr(user, "_victo_staff_scope", None)
    if cached is not None:
        return cached
    if not (user.is_authenticated and user.is_active):
        scope = StaffScope()
    else:
        rows = _profile_rows(user)
        # The roles and teams come with the grants: prime the per-request caches of
        # accounts.roles, so the desk's pages spend one query on who the user is.
        role_names = frozenset(row[1] for row in rows if row[0] == "role")
        team_ids = frozenset(row[2] for row in rows if row[0] == "team")
        setattr(user, "_victo_roles", role_names)  # noqa: B010 - see roles.role_names
        setattr(user, "_victo_team_ids", team_ids)  # noqa: B010 - see roles.team_ids
        if roles.is_administrator(user):
            scope = StaffScope(everything=True, team_ids=team_ids)
        elif not role_names & {roles.AGENT, roles.SUPERVISOR}:
            scope = StaffScope()
        else:
            scope = StaffScope(team_ids=team_ids, grants=_grant_rules(rows, team_ids))
    setattr(user, "_victo_staff_scope", scope)  # noqa: B010 - a per-request cache
    return scope
