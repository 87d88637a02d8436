"""The ORM's statements compiled once (core/statements.py): each prepared read answers what
the ORM's own query answers, for every shape, and runs without building a queryset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.accounts.backends import USER_WITH_GRANTS, ModelBackend
from victo_crm.accounts.models import Consent, ConsentPurpose, User
from victo_crm.accounts.roles import holds_grants
from victo_crm.core.sessions import LIVE_SESSION
from victo_crm.core.statements import Prepared, shapes
from victo_crm.notifications.models import EmailSuppression
from victo_crm.notifications.preferences import BOOK_ROWS, PreferenceBook, _book_rows

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


def test_a_prepared_read_answers_what_the_orm_answers_for_each_shape(
    citizen: User, other_citizen: User
) -> None:
    other_citizen.phone = "+18195550101"
    other_citizen.save(update_fields=["phone"])
    Consent.objects.create(user=other_citizen, purpose=ConsentPurpose.SMS)
    EmailSuppression.objects.create(email="parti@example.ca", topic="")
    cases: list[tuple[list[int], list[str]]] = [
        ([citizen.pk], [citizen.email]),
        ([citizen.pk, other_citizen.pk], ["parti@example.ca"]),
        ([other_citizen.pk], []),
        ([], ["parti@example.ca", "autre@example.ca"]),
        ([citizen.pk, other_citizen.pk], ["parti@example.ca"]),  # the same shape again
    ]
    for ids, addresses in cases:
        assert sorted(BOOK_ROWS.rows(ids, addresses)) == sorted(_book_rows(ids, addresses)), (
            ids,
            addresses,
        )
    book = PreferenceBook.load([citizen.pk, other_citizen.pk], ["PARTI@example.ca"])
    assert book.phones == {other_citizen.pk: "+18195550101"}
    assert book.has_consent(other_citizen.pk, ConsentPurpose.SMS)
    assert ("parti@example.ca", "") in book.suppressed


def test_values_never_leak_from_one_call_into_the_next(citizen: User, other_citizen: User) -> None:
    first = USER_WITH_GRANTS.objects(citizen.pk)
    second = USER_WITH_GRANTS.objects(other_citizen.pk)
    assert [u.pk for u in first] == [citizen.pk]
    assert [u.pk for u in second] == [other_citizen.pk]
    assert USER_WITH_GRANTS.objects(10**9) == []
    # One compiled shape served all three (on SQLite as on PostgreSQL: integers bind as is).
    assert shapes(USER_WITH_GRANTS) >= 1


def test_the_signed_in_user_carries_whether_she_holds_a_power(citizen: User, agent: User) -> None:
    backend = ModelBackend()
    loaded_citizen = backend.get_user(citizen.pk)
    loaded_agent = backend.get_user(agent.pk)
    assert loaded_citizen.email == citizen.email and not holds_grants(loaded_citizen)
    assert loaded_agent.email == agent.email and holds_grants(loaded_agent)
    # A power given while she is signed in counts at her next call.
    citizen.groups.add(Group.objects.create(name="Nouveau rôle"))
    assert holds_grants(backend.get_user(citizen.pk))
    # An inactive user is refused, as Django's backend refuses her.
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert backend.get_user(agent.pk) is None
    assert backend.get_user("pas un nombre") is None


def test_a_session_is_read_until_it_expires(citizen: User) -> None:
    client = Client()
    client.force_login(citizen)
    assert client.get("/portail/mes-requetes/").status_code == 200
    key = client.session.session_key
    assert [s.session_key for s in LIVE_SESSION.objects(key, timezone.now())] == [key]
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/portail/mes-requetes/")
    assert response.status_code == 302 and "next=" in response["Location"]
    # PostgreSQL binds the datetime as given, so the read is prepared there; SQLite turns it
    # into text, so the ORM builds that read each time (and answers the same).
    assert shapes(LIVE_SESSION) == (1 if ON_POSTGRESQL else 0)


def test_a_value_the_backend_changes_falls_back_to_the_orm(citizen: User) -> None:
    """``contains`` wraps its value in %…%: the placeholder does not come out unchanged, so
    the shape is not prepared, and the answer is still right."""

    def build(fragment: str) -> Any:
        return User.objects.filter(email__contains=fragment).values_list("pk")

    prepared = Prepared(build)
    fragment = citizen.email.split("@")[0]
    assert prepared.rows(fragment) == [(citizen.pk,)]
    assert prepared.rows("personne-ici") == []
    assert shapes(prepared) == 0


def test_only_int_str_and_datetime_values_are_taken(citizen: User) -> None:
    prepared = Prepared(lambda flag: User.objects.filter(is_active=flag).values_list("pk"))
    with pytest.raises(TypeError):
        prepared.rows(True)


def test_objects_are_the_querysets_own_with_their_related_objects(
    citizen: User, other_citizen: User, town: Any, request_type: Any
) -> None:
    """``objects()`` gives what the queryset gives (its ``select_related`` objects, converted
    values, annotations), whatever the values; a missing relation stays ``None``."""
    from django.db.models import F

    from victo_crm.places.models import Address
    from victo_crm.service_requests.models import ServiceRequest
    from victo_crm.service_requests.services import service_request_submit

    with_address = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Devant chez moi",
        field_values={"taille": "grand"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
        channel="web",
    )
    pinned = service_request_submit(
        request_type=request_type,
        citizen=other_citizen,
        description="Un trou",
        field_values={"taille": "petit"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
        channel="web",
    )
    address = Address.objects.create(
        civic_number=12, street="rue Notre-Dame Est", latitude=CENTRE_LAT, longitude=CENTRE_LON
    )
    ServiceRequest.objects.filter(pk=with_address.pk).update(address=address)
    ServiceRequest.objects.filter(pk=pinned.pk).update(address=None)

    def build(reference: str) -> Any:
        return (
            ServiceRequest.objects.select_related("address")
            .filter(reference=reference)
            .annotate(doubled=F("id") * 2)
        )

    prepared = Prepared(build)
    for sr in (with_address, pinned, with_address):
        [got] = prepared.objects(sr.reference)
        [expected] = list(build(sr.reference))
        fields = [f.attname for f in ServiceRequest._meta.concrete_fields]
        assert [getattr(got, f) for f in fields] == [getattr(expected, f) for f in fields]
        assert got.doubled == sr.pk * 2
        assert got._state.db == "default" and not got._state.adding
        assert bool(expected.address_id) == (sr is with_address)
        if expected.address_id:
            assert got.address == expected.address and got.address.label == expected.address.label
        else:
            assert got.address is None
    assert prepared.objects("2000-999999") == []
    assert shapes(prepared) == 1


def test_a_prepared_query_pages_as_the_orm_pages(citizen: User, other_citizen: User) -> None:
    """What DRF's CursorPagination does to a queryset (order, filter by position, slice)
    gives the ORM's rows; each shape is compiled once (on PostgreSQL)."""
    from victo_crm.core.statements import PreparedQuery

    def build(user_id: int) -> Any:
        return User.objects.exclude(pk=user_id).values("pk", "email", "date_joined")

    for n in range(5):
        User.objects.create_user(email=f"page{n}@example.ca", password="x" * 12)
    rows = PreparedQuery(build, User, citizen.pk)
    ordering = ("-date_joined", "-pk")
    expected = list(build(citizen.pk).order_by(*ordering))
    assert list(rows.order_by(*ordering)[0:3]) == expected[0:3]
    position = str(expected[2]["date_joined"])
    after = rows.order_by(*ordering).filter(date_joined__lt=position)[0:3]
    assert list(after) == list(
        build(citizen.pk).order_by(*ordering).filter(date_joined__lt=position)[0:3]
    )
    assert list(PreparedQuery(build, User, other_citizen.pk).order_by(*ordering)[0:3]) == list(
        build(other_citizen.pk).order_by(*ordering)[0:3]
    )
    statements = PreparedQuery._statements
    compiled = [p for key, p in statements.items() if key[0] is build]
    assert len(compiled) == 2
    assert sum(shapes(p) for p in compiled) == (2 if ON_POSTGRESQL else 1)
