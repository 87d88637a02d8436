"""Reads of the staff desk: who sees what, the queues, search, keyset pages, counts.

Everything a desk page lists goes through ``visible_requests`` first, so a request outside
the user's scope is never listed, counted, exported or drawn on the map. The scope itself
(teams, access grants) is decided in ``scope.staff_scope``.

Performance notes (1,000,000 requests): "open" is ``closed_at IS NULL`` (the workflow
engine sets ``closed_at`` exactly when a final state is reached), which partial indexes of
migration ``service_requests.0004_desk_search_and_queue_indexes`` cover; lists are keyset
paginated on (sort key, id) so page 40 costs what page 1 costs; counts are capped.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts import roles
from victo_crm.core import boundary
from victo_crm.core.text import fold, normalize_address
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.scope import staff_scope

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

PAGE_SIZE = 25
COUNT_CAP = 1000
REFERENCE_RE = re.compile(r"^\d{4}-\d{1,9}$")
PHONE_RE = re.compile(r"^[\d\s().+-]{7,}$")

# --- Who sees what ---------------------------------------------------------------------------


def is_desk_user(user: Any) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    staff_scope(user)  # one query reads the roles, teams and access grants together
    return roles.is_staff_member(user)


def is_supervising(user: User) -> bool:
    return roles.is_administrator(user) or roles.SUPERVISOR in roles.role_names(user)


def visible_requests(user: User) -> QuerySet[ServiceRequest]:
    """Requests a staff member may see: an administrator all, an agent or a supervisor those
    of their teams and those opened to them by an access grant, anybody else none
    (decided by ``scope.staff_scope``)."""
    scope = staff_scope(user)
    if scope.everything:
        return ServiceRequest.objects.all()
    return ServiceRequest.objects.filter(scope.requests_q())


def team_scope(user: User) -> QuerySet[ServiceRequest]:
    """The "my team" scope; an administrator without a team sees every team. What access
    grants open is in its own queue ("granted"), not mixed into the team's work."""
    qs = visible_requests(user)
    ids = roles.team_ids(user)
    if ids:
        return qs.filter(team_id__in=ids)
    return qs if staff_scope(user).everything else qs.none()


def granted_requests(user: User) -> QuerySet[ServiceRequest]:
    """Other teams' requests that an administrator opened to this person."""
    return ServiceRequest.objects.filter(staff_scope(user).granted_q())


# --- Queues ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    code: str
    label: Any
    supervisors_only: bool = False
    with_grants_only: bool = False  # shown to those an access grant opens other teams to


QUEUES = (
    Queue("mine", _("Mes requêtes")),
    Queue("unassigned", _("Équipe : non attribuées")),
    Queue("team", _("Équipe : toutes les ouvertes")),
    Queue("due", _("En retard ou échéance dans 24 h")),
    Queue("citizen", _("Mises à jour par un citoyen")),
    Queue("granted", _("Autres équipes (accès accordé)"), with_grants_only=True),
    Queue("all", _("Toutes (ouvertes et fermées)"), supervisors_only=True),
)
QUEUE_CODES = {queue.code for queue in QUEUES}
CITIZEN_RECENT_DAYS = 7


def queues_for(user: User) -> list[Queue]:
    supervising = is_supervising(user)
    has_grants = bool(staff_scope(user).grants)
    return [
        q
        for q in QUEUES
        if (not q.supervisors_only or supervising) and (not q.with_grants_only or has_grants)
    ]


def queue_requests(user: User, code: str) -> QuerySet[ServiceRequest]:
    """The rows of one queue (unordered, unfiltered)."""
    open_ = Q(closed_at__isnull=True)
    now = timezone.now()
    if code == "mine":
        return visible_requests(user).filter(open_, assignee=user)
    if code == "unassigned":
        return team_scope(user).filter(open_, assignee__isnull=True)
    if code == "team":
        return team_scope(user).filter(open_)
    if code == "due":
        return team_scope(user).filter(open_, due_at__lte=now + timedelta(hours=24))
    if code == "citizen":
        return team_scope(user).filter(
            open_, citizen_updated_at__gte=now - timedelta(days=CITIZEN_RECENT_DAYS)
        )
    if code == "granted":
        return granted_requests(user).filter(open_)
    if code == "all" and is_supervising(user):
        return visible_requests(user)
    return ServiceRequest.objects.none()


DEFAULT_SORT = {"due": "due", "citizen": "-citizen"}


@dataclass(frozen=True)
class Sort:
    code: str
    label: Any
    keys: tuple[tuple[str, bool], ...]  # (field, descending); the id breaks ties


SORTS = {
    s.code: s
    for s in (
        Sort("-created", _("Plus récentes d’abord"), (("created_at", True),)),
        Sort("created", _("Plus anciennes d’abord"), (("created_at", False),)),
        Sort("due", _("Échéance la plus proche"), (("due_at", False),)),
        Sort("-priority", _("Priorité la plus haute"), (("priority", True), ("created_at", True))),
        Sort("-updated", _("Modifiées récemment"), (("updated_at", True),)),
        Sort(
            "-citizen",
            _("Intervention du citoyen la plus récente"),
            (("citizen_updated_at", True),),
        ),
    )
}
NULLABLE = {"due_at", "citizen_updated_at"}
DATETIME_KEYS = {"created_at", "updated_at", "due_at", "citizen_updated_at"}


# --- Search ----------------------------------------------------------------------------------


class RequestDocument(Func):
    """The searchable text of a request outside PostgreSQL: description, contact name,
    e-mail and phone digits, folded by ``victo_search_text`` (registered on each SQLite
    connection by the desk app) for a ``LIKE``. PostgreSQL has ``search_document``."""

    function = "victo_search_text"
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(
            F("description"), F("contact_name"), F("contact_email"), F("contact_phone")
        )


def search_text_sqlite(
    description: str | None, name: str | None, email: str | None, phone: str | None
) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return fold(f"{description or ''} {name or ''} {email or ''} {digits}")


def apply_search(qs: QuerySet[ServiceRequest], text: str) -> QuerySet[ServiceRequest]:
    """Reference, e-mail, phone number or words (French, accents ignored)."""
    text = (text or "").strip()[:200]
    if not text:
        return qs
    if REFERENCE_RE.match(text):
        return qs.filter(reference=text)
    if "@" in text and " " not in text:
        return qs.filter(contact_email=text.lower())
    words = text
    if PHONE_RE.match(text) and sum(c.isdigit() for c in text) >= 7:
        words = re.sub(r"\D", "", text)
    folded = fold(words)
    if connection.vendor == "postgresql":
        # search_document is kept by a trigger (migration service_requests.0004).
        return qs.filter(search_document=SearchQuery(folded, config="french", search_type="plain"))
    qs = qs.alias(document=RequestDocument())
    for word in folded.split():
        qs = qs.filter(document__contains=word)
    return qs


# --- Filters ---------------------------------------------------------------------------------


@dataclass
class Filters:
    request_type: int | None = None
    group: int | None = None
    state: str = ""  # a state code: the same code in every workflow means the same step
    zone: int | None = None
    priority: int | None = None
    channel: str = ""
    created_from: date | None = None
    created_to: date | None = None
    assignee: int | None = None
    unassigned: bool = False
    q: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def apply_filters(qs: QuerySet[ServiceRequest], filters: Filters) -> QuerySet[ServiceRequest]:
    if filters.request_type:
        qs = qs.filter(request_type_id=filters.request_type)
    if filters.group:
        qs = qs.filter(request_type__group_id=filters.group)
    if filters.state:
        qs = qs.filter(state__code=filters.state)
    if filters.zone:
        qs = qs.filter(zones=filters.zone)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    tz = timezone.get_current_timezone()
    if filters.created_from:
        start = datetime.combine(filters.created_from, datetime.min.time(), tzinfo=tz)
        qs = qs.filter(created_at__gte=start)
    if filters.created_to:
        end = datetime.combine(
            filters.created_to + timedelta(days=1), datetime.min.time(), tzinfo=tz
        )
        qs = qs.filter(created_at__lt=end)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=filters.assignee)
    if filters.q:
        qs = apply_search(qs, filters.q)
    return qs


# --- Keyset pages ----------------------------------------------------------------------------


def _ordering(sort: Sort) -> list[Any]:
    # ASC NULLS LAST and DESC NULLS FIRST are PostgreSQL's defaults, so a plain B-tree index
    # serves them; saying it explicitly gives SQLite the same order.
    order: list[Any] = []
    for name, desc in sort.keys:
        if name in NULLABLE:
            order.append(F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True))
        else:
            order.append(F(name).desc() if desc else F(name).asc())
    last_desc = sort.keys[-1][1]
    order.append(F("id").desc() if last_desc else F("id").asc())
    return order


def _key_after(name: str, desc: bool, value: Any) -> Q:
    if value is None:
        # Nulls come last ascending (nothing after them) and first descending.
        return Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
    after = Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
    if name in NULLABLE and not desc:
        after |= Q(**{f"{name}__isnull": True})
    return after


def _key_equal(name: str, value: Any) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def _after_cursor(sort: Sort, values: list[Any]) -> Q:
    keys = [*sort.keys, ("id", sort.keys[-1][1])]
    condition = Q(pk__in=[])
    prefix = Q()
    for (name, desc), value in zip(keys, values, strict=True):
        condition |= prefix & _key_after(name, desc, value)
        prefix &= _key_equal(name, value)
    return condition


def encode_cursor(sort: Sort, row: ServiceRequest) -> str:
    values = []
    for name, _desc in sort.keys:
        value = getattr(row, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    values.append(row.pk)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = boundary.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    names = [name for name, _desc in sort.keys] + ["id"]
    if not isinstance(values, list) or len(values) != len(names):
        return None
    decoded: list[Any] = []
    for name, value in zip(names, values, strict=True):
        if value is None and name in NULLABLE:
            decoded.append(None)
        elif name in DATETIME_KEYS:
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed is None:
                return None
            decoded.append(parsed)
        elif isinstance(value, int) and not isinstance(value, bool):
            decoded.append(value)
        else:
            return None
    return decoded


@dataclass
class Page:
    rows: list[ServiceRequest]
    next_cursor: str
    count: int
    count_capped: bool
    sort: Sort


def with_list_columns(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    return qs.select_related("request_type", "state", "team", "assignee", "address").only(
        "id",
        "reference",
        "created_at",
        "updated_at",
        "due_at",
        "closed_at",
        "citizen_updated_at",
        "priority",
        "channel",
        "location_text",
        "latitude",
        "longitude",
        "address_is_nearest",
        "version",
        "request_type__name_fr",
        "request_type__name_en",
        "state__label_fr",
        "state__label_en",
        "state__is_final",
        "state__code",
        "team__name_fr",
        "team__name_en",
        "assignee__first_name",
        "assignee__last_name",
        "assignee__email",
        "address__civic_number",
        "address__civic_suffix",
        "address__street",
        "address__unit",
        "address__city",
    )


def capped_count(qs: QuerySet[ServiceRequest], cap: int | None = None) -> tuple[int, bool]:
    """Count up to ``cap`` + 1 rows: exact for small queues, "1 000+" beyond."""
    cap = cap or COUNT_CAP
    count = qs.order_by().values("pk")[: cap + 1].count()
    return min(count, cap), count > cap


def desk_queue(
    user: User,
    *,
    queue: str = "team",
    filters: Filters | None = None,
    sort: str = "",
    cursor: str = "",
    page_size: int = PAGE_SIZE,
) -> Page:
    """One keyset page of a queue, filtered and sorted, with a capped count. Two queries
    (three when the queue spans several teams, see ``_merged_page``)."""
    sort_obj = SORTS.get(sort) or SORTS[DEFAULT_SORT.get(queue, "-created")]
    qs = apply_filters(queue_requests(user, queue), filters or Filters())
    count, capped = capped_count(qs)
    values = decode_cursor(sort_obj, cursor)
    page_qs = qs
    if values is not None:
        page_qs = page_qs.filter(_after_cursor(sort_obj, values))
    teams = _queue_teams(user, queue)
    # A search is selective (the GIN index finds few rows, cheap to sort): one query is best.
    searching = bool(filters and filters.q.strip())
    if (
        len(teams) > 1
        and not searching
        and connection.features.supports_slicing_ordering_in_compound
    ):
        rows = _merged_page(page_qs, sort_obj, teams, page_size + 1)
    else:
        rows = list(with_list_columns(page_qs).order_by(*_ordering(sort_obj))[: page_size + 1])
    next_cursor = encode_cursor(sort_obj, rows[page_size - 1]) if len(rows) > page_size else ""
    return Page(
        rows=rows[:page_size],
        next_cursor=next_cursor,
        count=count,
        count_capped=capped,
        sort=sort_obj,
    )


# The open-request queues of teams: each team's requests come in order from its own partial
# index (team_id, sort key, id); a scope of several teams is read team by team and merged.
TEAM_QUEUES = {"unassigned", "team", "due", "citizen", "granted"}


def _queue_teams(user: User, queue: str) -> frozenset[int]:
    if queue not in TEAM_QUEUES:
        return frozenset()
    scope = staff_scope(user)
    return scope.granted_team_ids if queue == "granted" else roles.team_ids(user)


def _merged_page(
    qs: QuerySet[ServiceRequest], sort: Sort, teams: frozenset[int], limit: int
) -> list[ServiceRequest]:
    """The first ``limit`` rows of ``qs`` in ``sort`` order, read team by team.

    With "team_id IN (…)" or an access grant's "… OR …", PostgreSQL cannot walk one index in
    the sort order and sorts every open request of the scope (10 000+ rows at 1,000,000
    requests, 100-200 ms). Per team it walks the team's index and stops after ``limit`` rows;
    a UNION ALL of these short lists, sorted and cut, gives the same page. The rows' columns
    come in a second query, by primary key.
    """
    order = _ordering(sort)
    names = [name for name, _desc in sort.keys]
    branches = [
        qs.filter(team_id=team).order_by(*order).values_list("pk", *names)[:limit]
        for team in sorted(teams)
    ]
    merged = branches[0].union(*branches[1:], all=True).order_by(*order)[:limit]
    pks = [row[0] for row in merged]
    found = {r.pk: r for r in with_list_columns(ServiceRequest.objects.filter(pk__in=pks))}
    return [found[pk] for pk in pks if pk in found]


def filtered_requests(
    user: User, *, queue: str, filters: Filters, sort: str = ""
) -> QuerySet[ServiceRequest]:
    """The whole filtered selection, ordered (for exports, bulk actions and the map)."""
    sort_obj = SORTS.get(sort) or SORTS[DEFAULT_SORT.get(queue, "-created")]
    return apply_filters(queue_requests(user, queue), filters).order_by(*_ordering(sort_obj))


# --- The request page ------------------------------------------------------------------------


def request_for_desk(user: User, reference: str) -> ServiceRequest | None:
    """One request by reference, if the user may see it, with the access grant (if any)
    through which they see and act on it."""
    return (
        staff_scope(user)
        .annotate(visible_requests(user))
        .select_related(
            "request_type",
            "request_type__group",
            "state",
            "state__workflow",
            "team",
            "assignee",
            "citizen",
            "address",
            "merged_into",
        )
        .defer("search_document")
        .filter(reference=reference)
        .first()
    )


def request_timeline(request: ServiceRequest) -> list[Any]:
    return list(
        request.events.select_related("actor", "from_state", "to_state").order_by(
            "created_at", "pk"
        )
    )


def citizen_other_requests(user: User, request: ServiceRequest, limit: int = 5) -> list[Any]:
    """The requester's other requests that this staff member may see."""
    qs = visible_requests(user).exclude(pk=request.pk)
    if request.citizen_id:
        qs = qs.filter(citizen_id=request.citizen_id)
    elif request.contact_email:
        qs = qs.filter(contact_email=request.contact_email)
    else:
        return []
    return list(
        qs.select_related("request_type", "state")
        .only(
            "reference",
            "created_at",
            "request_type__name_fr",
            "request_type__name_en",
            "state__label_fr",
            "state__label_en",
            "state__is_final",
        )
        .order_by("-created_at")[:limit]
    )


def team_agents(team_ids: list[int] | set[int] | frozenset[int]) -> QuerySet[User]:
    from victo_crm.accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            teams__in=team_ids,
            groups__name__in=(roles.AGENT, roles.SUPERVISOR),
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def sla_status(request: ServiceRequest, now: datetime | None = None) -> str:
    """ "closed", "paused", "late", "soon" (within 24 h), "ok" or "none"."""
    now = now or timezone.now()
    if request.closed_at is not None:
        return "closed"
    if request.due_at is None:
        return "none"
    if request.sla_paused_at is not None:
        return "paused"
    if request.due_at < now:
        return "late"
    if request.due_at <= now + timedelta(hours=24):
        return "soon"
    return "ok"


# --- Citizens, for requests filed on their behalf ---------------------------------------------


def citizen_search(text: str, *, limit: int = 10) -> list[User]:
    """Citizens (accounts without a staff role) by name, e-mail, phone or address."""
    from victo_crm.accounts.models import User

    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    qs = User.objects.filter(is_active=True).exclude(groups__name__in=roles.STAFF_ROLES)
    qs = qs.exclude(is_superuser=True)
    if "@" in text:
        qs = qs.filter(email__istartswith=text)
    elif PHONE_RE.match(text) and sum(c.isdigit() for c in text) >= 4:
        digits = re.sub(r"\D", "", text)
        # Phones are stored as typed; the last four digits narrow it, the rest is checked here.
        candidates = qs.filter(phone__contains=digits[-4:]).select_related("address")[:200]
        return [u for u in candidates if digits in re.sub(r"\D", "", u.phone)][:limit]
    else:
        for word in text.split():
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(address__search_text__contains=normalize_address(word))
            )
    return list(qs.select_related("address").order_by("last_name", "first_name")[:limit])


def citizen_search_by_id(pk: int) -> User | None:
    from victo_crm.accounts.models import User

    return (
        User.objects.filter(pk=pk, is_active=True, is_superuser=False)
        .exclude(groups__name__in=roles.STAFF_ROLES)
        .select_related("address")
        .first()
    )
