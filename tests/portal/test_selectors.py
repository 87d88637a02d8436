"""The citizen-side reads the portal and the mobile API share."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.conftest import CENTRE_LAT, CENTRE_LON
from tests.portal.conftest import close_request
from victo_crm.service_requests import selectors
from victo_crm.service_requests.citizen import service_request_comment, service_request_follow
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import (
    service_request_add_note,
    service_request_reply,
    service_request_submit,
)

pytestmark = pytest.mark.django_db


def test_my_requests_are_mine_and_followed_newest_first(
    citizen: Any, other_citizen: Any, request_type: Any, address: Any, agent: Any
) -> None:
    first = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "petit"},
        address=address,
    )
    second = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "petit"},
        address=address,
    )
    jeans = service_request_submit(
        request_type=request_type,
        citizen=other_citizen,
        field_values={"taille": "petit"},
        address=address,
    )

    def mine(status: str | None = None) -> list[str]:
        return [row["reference"] for row in selectors.requests_for_citizen(citizen, status=status)]

    assert mine() == [second.reference, first.reference]
    service_request_follow(request=jeans, user=citizen)
    assert mine() == [jeans.reference, second.reference, first.reference]
    close_request(first, agent)
    assert mine("open") == [jeans.reference, second.reference]
    assert mine("closed") == [first.reference]


def test_a_request_is_found_only_by_its_requester_or_a_follower(
    citizen: Any, other_citizen: Any, marie_request: Any
) -> None:
    found = selectors.request_for_citizen_or_404(citizen, reference=marie_request.reference)
    assert found.is_requester and not found.is_follower
    with pytest.raises(Http404):
        selectors.request_for_citizen_or_404(other_citizen, reference=marie_request.reference)
    service_request_follow(request=marie_request, user=other_citizen)
    found = selectors.request_for_citizen_or_404(other_citizen, public_id=marie_request.public_id)
    assert found.is_follower and not found.is_requester
    with pytest.raises(Http404):
        selectors.request_for_citizen_or_404(citizen, public_id="pas-un-uuid")


def test_a_guest_request_is_found_by_its_token_only(guest_request: Any) -> None:
    found = selectors.request_for_guest_token_or_404(guest_request.tracking_token)
    assert found == guest_request
    assert _values(found) == _values(ServiceRequest.objects.get(pk=guest_request.pk))
    for wrong in (
        "",
        "x" * 32,
        guest_request.tracking_token + "x",
        guest_request.tracking_token_hash,
    ):
        with pytest.raises(Http404):
            selectors.request_for_guest_token_or_404(wrong)


def test_the_timeline_speaks_to_the_citizen_and_hides_internal_notes(
    citizen: Any, agent: Any, marie_request: Any
) -> None:
    service_request_add_note(request=marie_request, actor=agent, text="Note interne secrète")
    service_request_reply(request=marie_request, actor=agent, text="Une équipe passera lundi.")
    service_request_comment(request=marie_request, citizen=citizen, text="Merci !")
    close_request(marie_request, agent)
    entries = selectors.public_timeline(marie_request)
    titles = [e.title for e in entries]
    assert titles == [
        "Requête reçue",
        "Réponse de la Ville",
        "Votre commentaire",
        "Nouvel état\u00a0: Réglée",
    ]
    assert all("secrète" not in e.message for e in entries)
    assert len(entries[0].photos) == 1


def test_a_follower_sees_the_town_s_side_only(citizen: Any, agent: Any, marie_request: Any) -> None:
    service_request_comment(request=marie_request, citizen=citizen, text="Mon adresse perso")
    entries = selectors.public_timeline(marie_request, for_follower=True)
    assert [e.title for e in entries] == ["Requête reçue"]
    assert entries[0].photos == []


def test_nearby_open_requests_of_the_same_type(
    marie_request: Any, guest_request: Any, request_type: Any, agent: Any
) -> None:
    found = selectors.nearby_open_requests(
        request_type=request_type, latitude=CENTRE_LAT, longitude=CENTRE_LON
    )
    assert [view.pk for view, _d in found] == [marie_request.pk, guest_request.pk]
    assert found[0][1] < 1 and 30 < found[1][1] < 40
    assert (
        selectors.nearby_open_requests(
            request_type=request_type, latitude=CENTRE_LAT, longitude=CENTRE_LON, radius_m=10
        )[0][0].pk
        == marie_request.pk
    )
    close_request(marie_request, agent)
    found = selectors.nearby_open_requests(
        request_type=request_type, latitude=CENTRE_LAT, longitude=CENTRE_LON
    )
    assert [view.pk for view, _d in found] == [guest_request.pk]
    far = selectors.nearby_open_requests(
        request_type=request_type, latitude=CENTRE_LAT + 0.01, longitude=CENTRE_LON
    )
    assert far == []


def _values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_detail_reads_the_request_and_its_address_in_one_query(
    citizen: Any, agent: Any, marie_request: Any, django_assert_num_queries: Any
) -> None:
    """A request's page loads the request with its address (one query), then its public
    history: the note is left out."""
    service_request_add_note(request=marie_request, actor=agent, text="Note interne")
    service_request_reply(request=marie_request, actor=agent, text="Une équipe passera lundi.")
    service_request_comment(request=marie_request, citizen=citizen, text="Merci !")
    orm = ServiceRequest.objects.select_related("address").get(pk=marie_request.pk)
    for lookup in (
        {"reference": marie_request.reference},
        {"public_id": marie_request.public_id},
        {"public_id": str(marie_request.public_id)},
    ):
        found = selectors.request_for_citizen_or_404(citizen, **lookup)
        assert _values(found) == _values(orm)
        assert found.field_values == {"taille": "grand"}
        with django_assert_num_queries(0):  # the address came with the request
            assert _values(found.address) == _values(orm.address)
    entries = selectors.public_timeline(orm)
    assert "Note interne" not in [entry.message for entry in entries]
    assert [entry.message for entry in entries][-2:] == ["Une équipe passera lundi.", "Merci !"]


def test_a_request_without_an_address_costs_one_query(
    citizen: Any, request_type: Any, town: Any
) -> None:
    sr = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "petit"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )
    # (Inside a test's transaction the configuration is read again at every call: only the
    # statements on requests and addresses are counted.)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.request_for_citizen_or_404(citizen, reference=sr.reference)
        assert found.address is None and found.latitude == CENTRE_LAT
    ours = [
        q["sql"]
        for q in queries.captured_queries
        if "servicerequest" in q["sql"] or "places_address" in q["sql"]
    ]
    assert len(ours) == 1 and 'FROM "service_requests_servicerequest"' in ours[0]
    with pytest.raises(Http404):
        selectors.request_for_citizen_or_404(citizen, reference="2026-999999")
