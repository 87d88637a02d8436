"""My requests and a request page cost a fixed, small number of queries, whatever the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.portal.conftest import close_request
from victo_crm.core import config_cache
from victo_crm.service_requests.citizen import service_request_comment, service_request_follow
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.services import service_request_reply, service_request_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_marie(
    citizen: Any, other_citizen: Any, request_type: Any, address: Any, agent: Any, make_image: Any
) -> Any:
    made = [
        service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "petit", "voies": ["nord"]},
            address=address,
            photos=[make_image("a.jpg"), make_image("b.jpg")],
        )
        for _ in range(25)
    ]
    for _ in range(3):
        theirs = service_request_submit(
            request_type=request_type,
            citizen=other_citizen,
            field_values={"taille": "petit"},
            address=address,
        )
        service_request_follow(request=theirs, user=citizen)
    sr = made[-1]
    for i in range(5):
        service_request_reply(request=sr, actor=agent, text=f"Réponse {i}")
        service_request_comment(request=sr, citizen=citizen, text=f"Commentaire {i}")
    close_request(made[0], agent)
    # The fixtures' configuration (types, states, teams) was written inside the test's
    # transaction, which never commits: the in-memory configuration stays "pending" and
    # is rebuilt at every read. In production it was committed long ago and a running
    # server holds it in memory: say so here, and build it once.
    config_cache.clear_local()
    catalogue()
    return made


def test_my_requests_costs_at_most_10_queries(
    marie: Any, busy_marie: Any, django_assert_max_num_queries: Any
) -> None:
    for params in ({}, {"statut": "ouvertes"}, {"statut": "fermees"}, {"page": "2"}):
        with django_assert_max_num_queries(10):
            response = marie.get(reverse("portal:my_requests"), params)
        assert response.status_code == 200


def test_a_request_page_costs_at_most_10_queries(
    marie: Any, busy_marie: Any, agent: Any, django_assert_max_num_queries: Any
) -> None:
    for sr in (busy_marie[-1], busy_marie[0]):  # an open one, busy; a closed one, with its forms
        with django_assert_max_num_queries(10):
            response = marie.get(reverse("portal:request_detail", args=[sr.reference]))
        assert response.status_code == 200


def test_a_request_page_reads_the_fields_labels_from_memory(marie: Any, busy_marie: Any) -> None:
    """The answers are shown with their fields' labels, which the configuration kept in
    memory holds, as on the desk, in the app and in the e-mails: no query for them."""
    with CaptureQueriesContext(connection) as queries:
        response = marie.get(reverse("portal:request_detail", args=[busy_marie[-1].reference]))
    assert response.status_code == 200
    assert "Taille" in response.content.decode()
    assert not [q for q in queries if "requesttypefield" in q["sql"]]
