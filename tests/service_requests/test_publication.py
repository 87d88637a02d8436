"""The publication rule of requests (issue 14): what a request type lets the public see, the
public summary an agent approves, the coarsened position of sensitive types.

Personas: an administrator configuring types, Luc (an agent of Travaux publics, the team of
the pothole), Paul (an agent of another team), Marie (the citizen who filed).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.core.errors import StaleUpdateError, TransitionNotAllowed
from victo_crm.places.geometry import distance_m
from victo_crm.service_requests import selectors
from victo_crm.service_requests.demo import load_demo_catalogue
from victo_crm.service_requests.models import (
    EventKind,
    PublicVisibility,
    RequestType,
    ServiceRequest,
)
from victo_crm.service_requests.services import (
    service_request_approve_public_summary,
    service_request_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def marie_files(town: Any, citizen: Any, request_type: RequestType) -> Any:
    def _file(rtype: RequestType | None = None, **extra: Any) -> ServiceRequest:
        rtype = rtype or request_type
        values: dict[str, Any] = {
            "request_type": rtype,
            "citizen": citizen,
            "description": "Mon voisin du 95 fait du bruit, appelez-moi au 819-555-0199",
            "latitude": CENTRE_LAT,
            "longitude": CENTRE_LON,
        }
        if rtype == request_type:
            values["field_values"] = {"taille": "grand"}
        values.update(extra)
        return service_request_submit(**values)

    return _file


# --- The type's configuration -------------------------------------------------------------------


def test_a_new_type_publishes_nothing(make_type: Any) -> None:
    rtype = RequestType(code="nouveau", name_fr="Nouveau")
    assert rtype.public_visibility == PublicVisibility.HIDDEN and not rtype.is_sensitive
    assert not selectors.type_is_published(make_type("autre"))


def test_a_sensitive_type_cannot_be_published(make_type: Any) -> None:
    rtype = make_type("nuisance-sonore", sensitive=True)
    for visibility in (PublicVisibility.PUBLISHED, PublicVisibility.WITHOUT_DESCRIPTION):
        rtype.public_visibility = visibility
        with pytest.raises(ValidationError) as refused:
            rtype.full_clean()
        assert "Un type sensible n’est jamais publié" in str(
            refused.value.message_dict["public_visibility"]
        )
        with translation.override("en"):
            with pytest.raises(ValidationError) as in_english:
                rtype.full_clean()
            assert "never published" in str(in_english.value.message_dict["public_visibility"])
    # The database holds the rule for writers that skip clean().
    with transaction.atomic(), pytest.raises(IntegrityError):
        RequestType.objects.filter(pk=rtype.pk).update(public_visibility=PublicVisibility.PUBLISHED)


def test_the_demo_catalogue_publishes_public_places_and_hides_neighbour_complaints(
    db: None,
) -> None:
    types = load_demo_catalogue()
    assert types["nid-de-poule"].public_visibility == PublicVisibility.PUBLISHED
    assert types["lampadaire-defectueux"].public_visibility == PublicVisibility.PUBLISHED
    for code in ("nuisance-sonore", "stationnement-illegal", "terrain-mal-entretenu"):
        assert types[code].is_sensitive, code
    for code in ("bac-brise", "egout-refoule", "permis-question"):
        assert not selectors.type_is_published(types[code]), code
    for rtype in types.values():
        rtype.full_clean()  # no nonsense combination


# --- One rule for every public face -------------------------------------------------------------


def test_only_requests_of_published_types_are_public(
    marie_files: Any, make_type: Any, request_type: Any
) -> None:
    pothole = marie_files()
    graffiti = marie_files(make_type("graffiti", visibility="no_description"))
    noise = marie_files(make_type("nuisance-sonore", sensitive=True))
    bin_request = marie_files(make_type("bac-brise"))

    assert set(selectors.public_requests()) == {pothole, graffiti}
    assert selectors.request_public_view(noise) is None
    assert selectors.request_public_view(bin_request) is None
    view = selectors.request_public_view(graffiti)
    assert view is not None and view.reference == graffiti.reference


def test_the_public_view_carries_the_approved_summary_never_the_description(
    marie_files: Any, agent: Any
) -> None:
    sr = marie_files()
    view = selectors.request_public_view(sr)
    assert view is not None and view.description == ""

    service_request_approve_public_summary(request=sr, actor=agent, summary="Bruit signalé")

    view = selectors.request_public_view(sr)
    assert view is not None and view.description == "Bruit signalé"
    assert "819-555-0199" not in repr(view)


def test_the_position_of_a_sensitive_type_is_snapped_to_a_200_m_grid(make_type: Any) -> None:
    noise = make_type("nuisance-sonore", sensitive=True)
    pothole_type = make_type("nid", visibility="published")

    snapped = selectors.public_position(noise, CENTRE_LAT, CENTRE_LON)
    assert snapped != (CENTRE_LAT, CENTRE_LON)
    assert snapped[0] is not None and snapped[1] is not None
    # Within the cell (its half diagonal is about 141 m), never the point itself...
    assert 0 < distance_m(CENTRE_LAT, CENTRE_LON, snapped[0], snapped[1]) <= 142
    # ...and every point of the cell gives the same answer: nothing to average out.
    nearby = selectors.public_position(noise, snapped[0] + 0.0001, snapped[1] - 0.0001)
    assert nearby == snapped
    neighbours = {
        selectors.public_position(noise, CENTRE_LAT + i * 0.0005, CENTRE_LON + j * 0.0005)
        for i in range(-10, 11)
        for j in range(-10, 11)
    }
    assert len(neighbours) < 60  # 441 points spread over about 1 km² fall in a few cells
    assert selectors.public_position(pothole_type, CENTRE_LAT, CENTRE_LON) == (
        CENTRE_LAT,
        CENTRE_LON,
    )
    assert selectors.public_position(noise, None, None) == (None, None)


# --- The public summary, approved by staff ------------------------------------------------------


def test_an_agent_of_the_team_approves_then_withdraws_a_public_summary(
    marie_files: Any, agent: Any
) -> None:
    sr = marie_files()

    event = service_request_approve_public_summary(
        request=sr, actor=agent, summary="  Nid-de-poule sur la chaussée\r\n"
    )

    sr.refresh_from_db()
    assert sr.public_summary == "Nid-de-poule sur la chaussée"
    assert sr.public_summary_approved_by == agent and sr.public_summary_approved_at
    assert sr.version == 2
    assert event.kind == EventKind.PUBLIC_SUMMARY and not event.is_public
    assert sr.description.startswith("Mon voisin")  # the citizen's words are kept, unchanged

    withdrawn = service_request_approve_public_summary(request=sr, actor=agent, summary=" ")
    sr.refresh_from_db()
    assert sr.public_summary == "" and sr.public_summary_approved_at is None
    assert sr.public_summary_approved_by is None
    assert withdrawn.data == {"withdrawn": True}


def test_a_public_summary_is_refused_to_an_agent_of_another_team_and_to_the_citizen(
    marie_files: Any, other_agent: Any, citizen: Any
) -> None:
    sr = marie_files()
    for actor in (other_agent, citizen):
        with pytest.raises(TransitionNotAllowed):
            service_request_approve_public_summary(request=sr, actor=actor, summary="Résumé")
    sr.refresh_from_db()
    assert sr.public_summary_approved_at is None


def test_an_empty_or_too_long_summary_or_a_stale_page_is_refused(
    marie_files: Any, agent: Any
) -> None:
    sr = marie_files()
    with pytest.raises(ValidationError) as empty:
        service_request_approve_public_summary(request=sr, actor=agent, summary="   ")
    assert "summary" in empty.value.message_dict
    with pytest.raises(ValidationError) as long:
        service_request_approve_public_summary(request=sr, actor=agent, summary="x" * 1001)
    assert "summary" in long.value.message_dict
    with pytest.raises(StaleUpdateError):
        service_request_approve_public_summary(
            request=sr, actor=agent, summary="Résumé", expected_version=99
        )
    sr.refresh_from_db()
    assert sr.public_summary == "" and sr.version == 1
