"""The load generator: bulk history that the application can live with.

Given the demo catalogue, a small town and two agents, ``generate_load_data`` must write
requests whose references, field values, states and events are what the services would
have written, leave the reference sequence ready for the next real submission, and add more
(never collide) when it runs again.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from bench.generate_load_data import main as generate_load_data_script
from bench.loadgen import LoadDataError, generate_load_data
from tests.conftest import CENTRE_LAT, CENTRE_LON, make_user
from victo_crm.accounts import roles
from victo_crm.accounts.models import Team, User
from victo_crm.notifications.models import Notification
from victo_crm.places.geometry import Point
from victo_crm.places.models import Address, Zone
from victo_crm.places.services import addresses_locate
from victo_crm.service_requests.demo import load_demo_catalogue
from victo_crm.service_requests.fields import validate_field_values
from victo_crm.service_requests.models import (
    EventKind,
    RequestEvent,
    RequestTypeField,
    ServiceRequest,
    State,
    Transition,
)
from victo_crm.service_requests.services import service_request_submit

REFERENCE = re.compile(r"^(\d{4})-(\d{6,})$")
YEARS = (2025, 2026)


@pytest.fixture
def catalogue(town: dict[str, Zone]) -> dict[str, object]:
    """The 21 demo types, a few registry addresses in town, and two agents to work them."""
    types = load_demo_catalogue()
    addresses = [
        Address.objects.create(
            civic_number=number,
            street="rue Notre-Dame Est",
            postal_code="G6P 1A1",
            latitude=CENTRE_LAT + number * 0.0005,
            longitude=CENTRE_LON + number * 0.0007,
        )
        for number in (10, 20, 30, 40)
    ]
    addresses_locate(addresses=addresses)
    for code in ("travaux-publics", "environnement"):
        make_user(
            f"agent.{code}@victoriaville.ca", role=roles.AGENT, teams=(Team.objects.get(code=code),)
        )
    return types


def generate(count: int, **options: object) -> object:
    return generate_load_data(requests=count, years=YEARS, seed=7, batch=100, **options)  # type: ignore[arg-type]


def test_it_writes_the_requests_asked_for_with_unique_references_of_their_year(catalogue):
    report = generate(300, citizens=20)

    requests = list(ServiceRequest.objects.all())
    assert report.requests == len(requests) == 300
    assert report.citizens == 20
    references = [r.reference for r in requests]
    assert len(set(references)) == 300
    tz = ZoneInfo(settings.TIME_ZONE)
    for request in requests:
        match = REFERENCE.match(request.reference)
        assert match, request.reference
        assert int(match.group(1)) == request.created_at.astimezone(tz).year
        assert int(match.group(1)) in YEARS
    # Numbers follow the order of creation within a year, like real submissions.
    by_year = defaultdict(list)
    for request in sorted(requests, key=lambda r: (r.created_at, r.pk)):
        by_year[request.reference[:4]].append(int(request.reference[5:]))
    for numbers in by_year.values():
        assert numbers == sorted(numbers)
        assert numbers[0] == 1


def test_a_request_submitted_afterwards_continues_the_sequence(catalogue, citizen):
    generate(200, citizens=10)
    year = datetime.now(ZoneInfo(settings.TIME_ZONE)).year
    highest = max(
        int(r[5:])
        for r in ServiceRequest.objects.filter(reference__startswith=f"{year}-").values_list(
            "reference", flat=True
        )
    )

    request = service_request_submit(
        request_type="nid-de-poule",
        citizen=citizen,
        field_values={"taille": "moyen"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )

    assert request.reference == f"{year}-{highest + 1:06d}"


def test_field_values_are_valid_for_their_type(catalogue):
    generate(300, citizens=20)

    fields = defaultdict(list)
    for field in RequestTypeField.objects.order_by("order"):
        fields[field.request_type_id].append(field)
    for request in ServiceRequest.objects.all():
        assert validate_field_values(fields[request.request_type_id], request.field_values) == (
            request.field_values
        )
        required = {f.code for f in fields[request.request_type_id] if f.required}
        assert required <= set(request.field_values)


def test_states_and_events_follow_the_workflow_of_the_type(catalogue):
    report = generate(300, citizens=20)

    transitions = {t.pk: t for t in Transition.objects.all()}
    states = {s.pk: s for s in State.objects.all()}
    events = defaultdict(list)
    for event in RequestEvent.objects.order_by("created_at", "pk"):
        events[event.request_id].append(event)
    assert report.events == sum(len(e) for e in events.values())
    assert 2.5 <= report.events / report.requests <= 4.5
    kinds = Counter()
    for request in ServiceRequest.objects.select_related("request_type", "state"):
        assert request.state.workflow_id == request.request_type.workflow_id
        history = events[request.pk]
        submitted = history[0]
        assert submitted.kind == EventKind.SUBMITTED
        assert submitted.created_at == request.created_at
        assert states[submitted.to_state_id].is_initial
        current = submitted.to_state_id
        closed_at = None
        for event in history[1:]:
            kinds[event.kind] += 1
            assert event.created_at > request.created_at
            if event.kind != EventKind.TRANSITION:
                continue
            transition = transitions[event.transition_id]
            assert event.from_state_id == current
            assert (transition.from_state_id, transition.to_state_id) == (
                event.from_state_id,
                event.to_state_id,
            )
            if transition.comment_required:
                assert event.message
            current = event.to_state_id
            closed_at = event.created_at if states[current].is_final else None
        assert current == request.state_id
        assert request.closed_at == closed_at
        assert request.updated_at >= request.created_at
        assert request.team_id == request.request_type.team_id
        if request.first_response_at is not None:
            assert request.first_response_at > request.created_at
        if request.assignee_id is not None:
            assert request.assignee.teams.filter(pk=request.team_id).exists()
    assert kinds[EventKind.TRANSITION] and kinds[EventKind.PUBLIC_REPLY]
    assert kinds[EventKind.INTERNAL_NOTE]
    # Old requests are mostly done; some recent ones are still open.
    finals = Counter(r.state.is_final for r in ServiceRequest.objects.select_related("state"))
    assert finals[True] > finals[False] > 0


def test_locations_come_from_the_registry_or_fall_in_town_with_their_zones(catalogue):
    generate(300, citizens=20)

    with_address = without_address = 0
    for request in ServiceRequest.objects.prefetch_related("zones", "address__zones"):
        zone_ids = {z.pk for z in request.zones.all()}
        if request.address_id is not None:
            with_address += 1
            assert (request.latitude, request.longitude) == (
                request.address.latitude,
                request.address.longitude,
            )
            assert zone_ids == {z.pk for z in request.address.zones.all()}
        elif request.latitude is not None:
            without_address += 1
            point = Point(request.longitude, request.latitude)
            assert zone_ids == {z.pk for z in Zone.objects.all() if z.shape.covers(point)}
        else:
            assert not request.request_type.location_required
    assert with_address and without_address


def test_citizens_are_plausible_and_cannot_sign_in_until_they_reset_their_password(catalogue):
    generate(100, citizens=40)

    citizens = User.objects.filter(email__regex=r"^[a-z-]+\.[a-z-]+\.\d+@example\.ca$")
    assert citizens.count() == 40
    assert not any(c.has_usable_password() for c in citizens)
    assert all(c.first_name and c.last_name for c in citizens)
    assert 0 < citizens.filter(address__isnull=False).count() < 40
    filed = ServiceRequest.objects.filter(citizen__in=citizens)
    for request in filed.select_related("citizen")[:50]:
        assert request.contact_email == request.citizen.email
        assert request.citizen.date_joined <= request.created_at


def test_history_is_already_delivered_so_no_notification_is_queued(catalogue):
    generate(100, citizens=10)

    assert Notification.objects.count() == 0


def test_running_it_again_adds_more_without_collisions(catalogue):
    generate(150, citizens=15)
    generate_load_data(requests=150, citizens=15, years=YEARS, seed=7, batch=100)

    assert ServiceRequest.objects.count() == 300
    assert ServiceRequest.objects.values("reference").distinct().count() == 300
    emails = list(User.objects.values_list("email", flat=True))
    assert len(emails) == len(set(emails))
    assert User.objects.filter(email__endswith="@example.ca").count() >= 30


def test_the_script_prints_its_rate(catalogue, capsys):
    assert (
        generate_load_data_script(
            ["--requests", "50", "--citizens", "5", "--years", "2026", "--seed", "3"]
        )
        == 0
    )

    out = capsys.readouterr().out
    assert "Requêtes : 50" in out
    assert "requêtes/s" in out
    assert ServiceRequest.objects.count() == 50


def test_a_year_that_has_not_started_is_refused(catalogue):
    with pytest.raises(LoadDataError):
        generate_load_data(requests=10, years=(datetime.now().year + 1,))


def test_without_a_catalogue_it_says_what_to_load_first(db):
    with pytest.raises(LoadDataError, match="load_demo"):
        generate_load_data(requests=10)


@pytest.mark.postgres
def test_on_postgresql_copy_keeps_the_sequence_ahead(catalogue, citizen):
    assert connection.vendor == "postgresql"
    generate(300, citizens=20)
    year = datetime.now(ZoneInfo(settings.TIME_ZONE)).year

    request = service_request_submit(
        request_type="nid-de-poule",
        citizen=citizen,
        field_values={"taille": "petit"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )

    generated = set(
        ServiceRequest.objects.exclude(pk=request.pk).values_list("reference", flat=True)
    )
    assert request.reference not in generated
    assert int(request.reference[5:]) > max(
        int(r[5:]) for r in generated if r.startswith(f"{year}-")
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_worker_processes_write_whole_chunks(seeded, town):
    """The real path: rows built in a forked process, COPY per chunk, committed."""
    load_demo_catalogue()
    Address.objects.create(
        civic_number=1, street="rue Notre-Dame Est", latitude=CENTRE_LAT, longitude=CENTRE_LON
    )
    addresses_locate()

    report = generate_load_data(
        requests=500, citizens=25, years=YEARS, seed=11, batch=150, workers=1
    )

    assert report.workers == 1
    assert ServiceRequest.objects.count() == 500
    assert RequestEvent.objects.count() == report.events
    assert ServiceRequest.zones.through.objects.count() == report.zone_links
    chained = RequestEvent.objects.filter(kind=EventKind.TRANSITION).select_related("transition")
    assert all(e.transition.from_state_id == e.from_state_id for e in chained)
    # Triggers of the tables still run (the desk's search document is kept by one).
    if any(f.name == "search_document" for f in ServiceRequest._meta.concrete_fields):
        assert not ServiceRequest.objects.filter(search_document__isnull=True).exists()
