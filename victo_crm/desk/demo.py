"""A living demo: a few hundred requests of the past months, in every state.

Every request goes through the services a real desk uses — submit, assign, transition,
reply, note, citizen comment, merge, rate, reopen — so the history, the SLA clock, the
events and the outbox are what they would be. Two demo-only steps follow, and only here:

- the timestamps are moved back to when the story happened (the services stamp "now"): each
  request's creation, each of its events in order, its due date, first response, closing
  and rating;
- the notifications this history wrote are marked "not sent" in the same transaction, before
  the delivery that would run on commit: it is history, nobody is e-mailed.

The texts, names and field values come from the demo texts
(``service_requests/data/demo_texts.json``), which the benchmarks' load generator writes
too, so both describe the same town. A fixed random seed gives the
same story at every load; a demo citizen's requests mark the history as loaded, so running
``load_demo`` again adds nothing.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.notifications.models import Notification, NotificationStatus
from victo_crm.places.models import Address
from victo_crm.service_requests import citizen as citizen_actions
from victo_crm.service_requests.demo import demo_texts, field_value_maker, fold_name
from victo_crm.service_requests.merge import service_requests_merge
from victo_crm.service_requests.models import (
    Attachment,
    Channel,
    RequestEvent,
    RequestType,
    ServiceRequest,
    Transition,
)
from victo_crm.service_requests.services import (
    Contact,
    service_request_add_note,
    service_request_assign,
    service_request_reply,
    service_request_submit,
    service_request_transition,
)

SEED = 2026
TEXTS = demo_texts()
REQUESTS = 250
DAYS = 180
CITIZENS = 40
# The demo citizens of this history: their domain marks the history as loaded.
CITIZEN_DOMAIN = "demo.victoriaville.example"
# Where each story ends, and how often (open ones are recent, closed ones spread out).
ENDINGS = {
    "recue": 6,
    "en-analyse": 4,
    "assignee": 6,
    "en-cours": 7,
    "resolue": 58,
    "fermee-sans-suite": 10,
    "doublon": 7,
    "rouverte": 2,
}
OPEN_ENDINGS = {"recue", "en-analyse", "assignee", "en-cours", "rouverte"}
# The demo accounts of accounts.demo who sign in: they get requests of their own too.
DEMO_CITIZENS = ("marie.tremblay@example.ca", "jean.gagnon@example.ca")
NOT_SENT = "Données de démonstration : historique, jamais envoyé."


@dataclass
class _Story:
    """One request's life: when it starts and the times of what happens to it."""

    start: datetime
    ending: str
    times: list[datetime] = field(default_factory=list)

    def next_time(self, rng: random.Random, *, hours: tuple[float, float]) -> datetime:
        last = self.times[-1] if self.times else self.start
        moment = last + timedelta(hours=rng.uniform(*hours))
        self.times.append(min(moment, timezone.now() - timedelta(minutes=5)))
        return self.times[-1]


@dataclass
class _Cast:
    citizens: list[User]
    admin: User
    agents: dict[int, list[User]]  # team id → agents

    def staff_for(self, rtype: RequestType, rng: random.Random) -> User:
        agents = self.agents.get(rtype.team_id or 0) or []
        return rng.choice(agents) if agents else self.admin


@transaction.atomic
def load_demo_history() -> int:
    """Load the history once; return how many of its requests exist."""
    if ServiceRequest.objects.filter(citizen__email__endswith=f"@{CITIZEN_DOMAIN}").exists():
        return _history().count()
    cast = _cast()
    types = list(RequestType.objects.filter(is_active=True).prefetch_related("fields"))
    addresses = list(Address.objects.order_by("pk").values_list("pk", flat=True))
    if cast is None or not types or not addresses:
        return 0
    rng = random.Random(SEED)
    stories = sorted(
        (_plan(rng) for _ in range(REQUESTS)), key=lambda story: story.start
    )  # in time order, so the references follow the dates
    created: list[ServiceRequest] = []
    for story in stories:
        rtype = rng.choice(types)
        request = _live(rng, story, rtype, cast, rng.choice(addresses), created)
        if request is not None:
            created.append(request)
    # Demo only: this is history; what it would have sent is not sent now.
    Notification.objects.filter(request__in=created, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SKIPPED, last_error=NOT_SENT
    )
    return len(created)


def _history() -> QuerySet[ServiceRequest]:
    """The requests of this history (and any the demo citizens filed since)."""
    return ServiceRequest.objects.filter(
        Q(citizen__email__endswith=f"@{CITIZEN_DOMAIN}")
        | Q(contact_email__endswith=f"@{CITIZEN_DOMAIN}")
        | Q(citizen__email__in=DEMO_CITIZENS)
    )


def _cast() -> _Cast | None:
    admin = (
        User.objects.filter(groups__name=roles.ADMINISTRATOR, is_active=True).order_by("pk").first()
    )
    if admin is None:
        return None
    agents: dict[int, list[User]] = {}
    for agent in User.objects.filter(groups__name=roles.AGENT, is_active=True).prefetch_related(
        "teams"
    ):
        for team in agent.teams.all():
            agents.setdefault(team.pk, []).append(agent)
    demo_citizens = list(User.objects.filter(email__in=DEMO_CITIZENS))
    return _Cast(citizens=demo_citizens + _citizens(), admin=admin, agents=agents)


def _citizens() -> list[User]:
    rng = random.Random(SEED + 1)
    people = []
    for index in range(CITIZENS):
        english = index % 6 == 5
        first = rng.choice(TEXTS["first_names_en"] if english else TEXTS["first_names"])
        last = rng.choice(TEXTS["last_names_en"] if english else TEXTS["last_names"])
        email = f"{fold_name(first)}.{fold_name(last)}.{index}@{CITIZEN_DOMAIN}"
        user = User.objects.create_user(
            email=email,
            password=None,  # demo people who never sign in
            first_name=first,
            last_name=last,
            preferred_language="en" if english else "fr",
        )
        people.append(user)
    return people


def _plan(rng: random.Random) -> _Story:
    ending = rng.choices(list(ENDINGS), weights=list(ENDINGS.values()))[0]
    now = timezone.now()
    if ending in ("recue", "en-analyse"):
        start = now - timedelta(hours=rng.uniform(2, 24 * 4))
    elif ending in OPEN_ENDINGS or ending == "doublon":
        # Recent, like the open requests a duplicate is merged into (a survivor is open).
        start = now - timedelta(days=rng.uniform(2, 30))
    else:
        start = now - timedelta(days=rng.uniform(3, DAYS))
    # Citizens write mostly in the day and the evening.
    local = timezone.localtime(start).replace(hour=rng.choice(range(7, 22)))
    return _Story(start=min(local, now - timedelta(hours=1)), ending=ending)


def _live(
    rng: random.Random,
    story: _Story,
    rtype: RequestType,
    cast: _Cast,
    address_id: int,
    earlier: list[ServiceRequest],
) -> ServiceRequest | None:
    staff = cast.staff_for(rtype, rng)
    marks: list[tuple[int, datetime]] = []  # (last event id after a step, its time)
    request = _submit(rng, story, rtype, cast, address_id, staff)
    marks.append((_last_event(request), story.start))

    def step(action: Callable[[], Any], *, hours: tuple[float, float]) -> datetime:
        moment = story.next_time(rng, hours=hours)
        action()
        marks.append((_last_event(request), moment))
        return moment

    ending = story.ending
    closed_at = first_response = rated_at = None
    if ending != "recue":
        review = ending == "en-analyse" or rng.random() < 0.4
        if review:
            first_response = step(lambda: _fire(request, "en-analyse", staff), hours=(0.5, 8))
        if ending not in ("en-analyse", "doublon") and not (
            ending in ("resolue", "fermee-sans-suite") and rng.random() < 0.2
        ):
            moment = step(
                lambda: service_request_assign(
                    request=_fresh(request), actor=staff, assignee=_assignee(staff)
                ),
                hours=(0.5, 8),
            )
            first_response = first_response or moment
            step(lambda: _fire(request, "assignee", staff), hours=(0.1, 1))
    if rng.random() < 0.45 and ending != "recue":
        moment = step(
            lambda: service_request_reply(
                request=_fresh(request), actor=staff, text=rng.choice(TEXTS["replies"])
            ),
            hours=(1, 24),
        )
        first_response = first_response or moment
    if rng.random() < 0.35 and ending != "recue":
        step(
            lambda: service_request_add_note(
                request=_fresh(request), actor=staff, text=rng.choice(TEXTS["notes"])
            ),
            hours=(0.5, 12),
        )
    citizen = request.citizen
    if citizen is not None and rng.random() < 0.15:
        commenter: User = citizen
        step(
            lambda: citizen_actions.service_request_comment(
                request=_fresh(request),
                citizen=commenter,
                text=rng.choice(TEXTS["citizen_comments"]),
            ),
            hours=(2, 72),
        )
    if ending in ("en-cours", "resolue", "rouverte") and _state(request) == "assignee":
        step(lambda: _fire(request, "en-cours", staff), hours=(2, 24))
    if ending == "doublon" and earlier:
        survivor = _survivor(request, earlier)
        if survivor is not None:
            closed_at = step(
                lambda: service_requests_merge(
                    survivor=survivor, duplicates=[_fresh(request)], actor=cast.admin
                ),
                hours=(1, 30),
            )
    if ending == "doublon" and closed_at is None:
        # No earlier open request of its type to merge into: marked as a duplicate anyway.
        closed_at = step(
            lambda: _fire(request, "doublon", staff, comment=TEXTS["comments"]["doublon"][0]),
            hours=(1, 30),
        )
    if ending in ("resolue", "fermee-sans-suite", "rouverte"):
        target = "fermee-sans-suite" if ending == "fermee-sans-suite" else "resolue"
        comment = rng.choice(TEXTS["comments"].get(target, TEXTS["generic_comments"]))
        closed_at = step(
            lambda: _fire(request, target, staff, comment=comment),
            # Most within the type's target, some late: the dashboard's SLA rate is plausible.
            hours=(2, 24) if rng.random() < 0.8 else (24, 24 * 8),
        )
        first_response = first_response or closed_at
    citizen = request.citizen
    if (
        citizen is not None
        and ending == "resolue"
        and _state(request) == "resolue"
        and rng.random() < 0.55
    ):
        rated_at = step(
            lambda: citizen_actions.service_request_rate(
                request=_fresh(request),
                citizen=citizen,
                rating=rng.choice((5, 5, 5, 4, 4, 4, 3, 2, 1)),
                comment=rng.choice(("", *TEXTS["rating_comments"])),
            ),
            hours=(1, 72),
        )
    if ending == "rouverte" and citizen is not None:
        # Reopened within the allowed days of closing: the time moves little.
        step(
            lambda: citizen_actions.service_request_reopen(
                request=_fresh(request),
                citizen=citizen,
                reason=rng.choice(TEXTS["comments"]["rouverte"]),
            ),
            hours=(2, 48),
        )
        closed_at = None
    _backdate(request, story, marks, closed_at, first_response, rated_at)
    return request


def _submit(
    rng: random.Random,
    story: _Story,
    rtype: RequestType,
    cast: _Cast,
    address_id: int,
    staff: User,
) -> ServiceRequest:
    epoch = int(story.start.timestamp())
    tz = ZoneInfo(settings.TIME_ZONE)
    values = {}
    for f in rtype.fields.all():
        if f.required or rng.random() < 0.5:
            choices = [code for code, _fr, _en in f.parsed_choices()]
            values[f.code] = field_value_maker(f.code, f.datatype, choices, tz)(rng, epoch)
    address = Address.objects.get(pk=address_id)
    place = f"devant le {address.civic_number}, {address.street}"
    template = rng.choice(TEXTS["descriptions"].get(rtype.code, TEXTS["generic_descriptions"]))
    description = template.format(
        lieu=place, depuis=rng.choice(TEXTS["since"]), type=rtype.name_fr.lower()
    )
    roll = rng.random()
    kwargs: dict[str, Any] = {}
    if roll < 0.12:
        first, last = rng.choice(TEXTS["first_names"]), rng.choice(TEXTS["last_names"])
        kwargs["contact"] = Contact(
            name=f"{first} {last}",
            email=f"{fold_name(first)}.{fold_name(last)}@{CITIZEN_DOMAIN}",
            phone=f"819 75{rng.randint(0, 9)}-{rng.randint(1000, 9999)}",
        )
        kwargs["channel"] = rng.choice((Channel.PHONE, Channel.COUNTER, Channel.WEB))
        if kwargs["channel"] != Channel.WEB:
            kwargs["actor"] = staff
    else:
        kwargs["citizen"] = rng.choice(cast.citizens)
        kwargs["channel"] = Channel.MOBILE if rng.random() < 0.3 else Channel.WEB
    photos = [_photo(rng)] if rtype.photos_allowed and rng.random() < 0.25 else []
    return service_request_submit(
        request_type=rtype,
        description=description,
        field_values=values,
        address=address if rtype.location_allowed else None,
        photos=photos,
        **kwargs,
    )


def _photo(rng: random.Random) -> SimpleUploadedFile:
    """A small generated picture (a "street" with a dark patch), not a real photo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (rng.randint(90, 140),) * 3)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 120), fill=(135, 180, 220))
    x, y = rng.randint(60, 300), rng.randint(170, 260)
    draw.ellipse((x, y, x + rng.randint(60, 150), y + rng.randint(30, 70)), fill=(45, 40, 38))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _fresh(request: ServiceRequest) -> ServiceRequest:
    # What the services and the outbox read of it (its notices are worded from it).
    return ServiceRequest.objects.select_related(
        "state", "request_type", "citizen", "team", "assignee", "address"
    ).get(pk=request.pk)


def _state(request: ServiceRequest) -> str:
    return str(
        ServiceRequest.objects.filter(pk=request.pk).values_list("state__code", flat=True)[0]
    )


def _fire(request: ServiceRequest, target: str, actor: User, *, comment: str = "") -> None:
    current = _fresh(request)
    transition = Transition.objects.filter(
        workflow_id=current.state.workflow_id, from_state=current.state, to_state__code=target
    ).first()
    if transition is None:
        return  # this workflow does not go there from here: the story stops short
    service_request_transition(
        request=current, transition=transition, actor=actor, comment=comment or ""
    )


def _assignee(staff: User) -> User | None:
    return staff if roles.AGENT in {g.name for g in staff.groups.all()} else None


def _survivor(request: ServiceRequest, earlier: list[ServiceRequest]) -> ServiceRequest | None:
    """An earlier open request of the same type to merge into."""
    for other in reversed(earlier):
        if other.request_type_id == request.request_type_id and other.pk != request.pk:
            current = _fresh(other)
            if not current.state.is_final:
                return current
    return None


def _last_event(request: ServiceRequest) -> int:
    return RequestEvent.objects.filter(request_id=request.pk).aggregate(top=Max("pk"))["top"] or 0


def _backdate(
    request: ServiceRequest,
    story: _Story,
    marks: list[tuple[int, datetime]],
    closed_at: datetime | None,
    first_response: datetime | None,
    rated_at: datetime | None,
) -> None:
    """Demo only: move the request and its events back to when the story happened."""
    previous = 0
    for last_id, moment in marks:
        if last_id > previous:
            RequestEvent.objects.filter(
                request_id=request.pk, pk__gt=previous, pk__lte=last_id
            ).update(created_at=moment)
            previous = last_id
    current = ServiceRequest.objects.get(pk=request.pk)
    shift = story.start - current.created_at
    changes: dict[str, Any] = {
        "created_at": story.start,
        "updated_at": marks[-1][1],
        "closed_at": closed_at if current.closed_at else None,
        "first_response_at": first_response if current.first_response_at else None,
        "rated_at": rated_at if current.rated_at else None,
    }
    for name in ("due_at", "sla_paused_at", "citizen_updated_at"):
        value = getattr(current, name)
        if value is not None:
            changes[name] = value + shift
    ServiceRequest.objects.filter(pk=request.pk).update(**changes)
    Attachment.objects.filter(request_id=request.pk).update(created_at=story.start)
    Notification.objects.filter(request_id=request.pk).update(created_at=story.start)
