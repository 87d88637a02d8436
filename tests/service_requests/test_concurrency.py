"""Submissions at the same instant on PostgreSQL: distinct references, no error."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import CENTRE_LAT, CENTRE_LON, make_user
from victo_crm.accounts.models import Team
from victo_crm.places.models import Zone, ZoneKind
from victo_crm.service_requests.models import RequestGroup, RequestType, ServiceRequest
from victo_crm.service_requests.services import service_request_submit

from ..conftest import square

pytestmark = pytest.mark.postgres

CONCURRENT = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_get_fifty_distinct_references(seeded):
    assert connection.vendor == "postgresql"
    Zone(
        kind=ZoneKind.BOUNDARY,
        code="ville",
        name="Ville",
        geometry=square(46.0, -72.03, 46.12, -71.87),
    ).save()
    team = Team.objects.create(code="tp", name_fr="Travaux publics")
    rtype = RequestType.objects.create(
        code="graffiti",
        name_fr="Graffiti",
        group=RequestGroup.objects.create(code="g", name_fr="G"),
        team=team,
        workflow=seeded,
        sla_hours=24,
    )
    citizens = [make_user(f"c{i}@example.ca") for i in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT)
    references: list[str] = []
    errors: list[BaseException] = []

    def submit(citizen) -> None:
        try:
            barrier.wait(timeout=30)
            request = service_request_submit(
                request_type=rtype,
                citizen=citizen,
                description="Tag sur le mur",
                latitude=CENTRE_LAT,
                longitude=CENTRE_LON,
            )
            references.append(request.reference)
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(references) == CONCURRENT
    assert len(set(references)) == CONCURRENT
    assert ServiceRequest.objects.count() == CONCURRENT
    assert set(ServiceRequest.objects.values_list("reference", flat=True)) == set(references)
