"""Queues, filters, search, keyset pages and capped counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.desk.conftest import client_for
from victo_crm.desk import selectors
from victo_crm.desk.selectors import Filters, desk_queue
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import Contact, service_request_assign

pytestmark = pytest.mark.django_db


def refs(page):
    return [r.reference for r in page.rows]


class TestTheQueues:
    def test_a_new_request_waits_in_the_team_unassigned_queue(self, pothole, agent, other_agent):
        assert refs(desk_queue(agent, queue="unassigned")) == [pothole.reference]
        assert refs(desk_queue(agent, queue="mine")) == []
        assert refs(desk_queue(other_agent, queue="unassigned")) == []
        assert refs(desk_queue(other_agent, queue="team")) == []

    def test_once_taken_it_is_in_mine_and_no_longer_unassigned(self, pothole, agent):
        service_request_assign(request=pothole, actor=agent, assignee=agent)
        assert refs(desk_queue(agent, queue="mine")) == [pothole.reference]
        assert refs(desk_queue(agent, queue="unassigned")) == []
        assert refs(desk_queue(agent, queue="team")) == [pothole.reference]

    def test_due_lists_the_late_and_the_due_within_24_hours_soonest_first(self, submit, agent):
        late, soon, later = submit(), submit(), submit()
        now = timezone.now()
        ServiceRequest.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=2))
        ServiceRequest.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=5))
        ServiceRequest.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=3))
        assert refs(desk_queue(agent, queue="due")) == [late.reference, soon.reference]

    def test_recently_updated_by_a_citizen_comes_first(self, submit, agent):
        first, second = submit(), submit()
        ServiceRequest.objects.filter(pk=first.pk).update(citizen_updated_at=timezone.now())
        ServiceRequest.objects.filter(pk=second.pk).update(
            citizen_updated_at=timezone.now() - timedelta(days=30)
        )
        assert refs(desk_queue(agent, queue="citizen")) == [first.reference]

    def test_all_is_for_supervisors_and_administrators(
        self, pothole, agent, supervisor, administrator
    ):
        assert selectors.queue_requests(agent, "all").count() == 0
        assert refs(desk_queue(supervisor, queue="all")) == [pothole.reference]
        assert refs(desk_queue(administrator, queue="all")) == [pothole.reference]
        assert client_for(agent).get("/bureau/?file=all").status_code == 403


class TestFilters:
    def test_by_type_state_priority_channel_zone_dates_and_assignee(self, submit, agent, town):
        phone = submit(channel="phone", priority=4)
        web = submit()
        base = dict(user=agent, queue="team")
        assert refs(desk_queue(**base, filters=Filters(channel="phone"))) == [phone.reference]
        assert refs(desk_queue(**base, filters=Filters(priority=4))) == [phone.reference]
        assert len(desk_queue(**base, filters=Filters(state="recue")).rows) == 2
        assert desk_queue(**base, filters=Filters(state="resolue")).rows == []
        assert (
            len(desk_queue(**base, filters=Filters(zone=town["east"].pk)).rows) == 0
        )  # the centre is west
        assert len(desk_queue(**base, filters=Filters(zone=town["west"].pk)).rows) == 2
        today = timezone.localdate()
        assert (
            len(desk_queue(**base, filters=Filters(created_from=today, created_to=today)).rows) == 2
        )
        assert desk_queue(**base, filters=Filters(created_to=today - timedelta(days=1))).rows == []
        service_request_assign(request=web, actor=agent, assignee=agent)
        assert refs(desk_queue(**base, filters=Filters(assignee=agent.pk))) == [web.reference]
        assert refs(desk_queue(**base, filters=Filters(unassigned=True))) == [phone.reference]

    def test_the_page_applies_the_filters_from_the_query_string(self, submit, agent):
        phone = submit(channel="phone")
        web = submit()
        html = client_for(agent).get("/bureau/?file=team&channel=phone").content.decode()
        assert phone.reference in html and web.reference not in html


class TestSearch:
    def test_by_reference(self, submit, agent):
        first, second = submit(), submit()
        assert refs(desk_queue(agent, queue="team", filters=Filters(q=second.reference))) == [
            second.reference
        ]
        assert first.reference != second.reference

    def test_words_of_the_description_ignore_accents_and_case(self, submit, agent):
        school = submit(description="Trou énorme près de l’ÉCOLE primaire")
        submit(description="Lampadaire brisé")
        assert refs(desk_queue(agent, queue="team", filters=Filters(q="ecole"))) == [
            school.reference
        ]
        assert refs(desk_queue(agent, queue="team", filters=Filters(q="Énorme trou"))) == [
            school.reference
        ]

    def test_by_citizen_name_email_or_phone(self, submit, agent):
        guest = submit(
            contact=Contact(name="Gérard Côté", email="gcote@example.ca", phone="819 555-0142")
        )
        submit()
        for query in ("cote", "Gérard", "gcote@example.ca", "819-555-0142", "(819) 555 0142"):
            assert refs(desk_queue(agent, queue="team", filters=Filters(q=query))) == [
                guest.reference
            ], query


class TestPages:
    def test_keyset_pages_walk_every_row_once_in_order(self, submit, agent):
        created = [submit() for _ in range(7)]
        seen, cursor = [], ""
        for _ in range(5):
            page = desk_queue(agent, queue="team", cursor=cursor, page_size=3)
            seen += refs(page)
            cursor = page.next_cursor
            if not cursor:
                break
        assert seen == [r.reference for r in reversed(created)]

    def test_keyset_pages_by_due_date_with_missing_due_dates_last(self, submit, agent):
        created = [submit() for _ in range(5)]
        ServiceRequest.objects.filter(pk__in=[created[1].pk, created[3].pk]).update(due_at=None)
        seen, cursor = [], ""
        for _ in range(5):
            page = desk_queue(agent, queue="team", sort="due", cursor=cursor, page_size=2)
            seen += refs(page)
            cursor = page.next_cursor
            if not cursor:
                break
        assert seen[-2:] == [created[1].reference, created[3].reference]
        assert sorted(seen) == sorted(r.reference for r in created)

    def test_a_tampered_cursor_is_ignored(self, pothole, agent):
        assert refs(desk_queue(agent, queue="team", cursor="not-a-cursor!")) == [pothole.reference]

    def test_counts_are_capped_to_stay_fast(self, submit, agent, monkeypatch):
        for _ in range(4):
            submit()
        monkeypatch.setattr(selectors, "COUNT_CAP", 3)
        page = desk_queue(agent, queue="team")
        assert (page.count, page.count_capped) == (3, True)

    def test_the_capped_count_shows_a_plus(self, submit, agent):
        count, capped = selectors.capped_count(ServiceRequest.objects.all(), cap=2)
        assert (count, capped) == (0, False)
        for _ in range(3):
            submit()
        assert selectors.capped_count(ServiceRequest.objects.all(), cap=2) == (2, True)


def test_the_queue_page_needs_at_most_15_queries(submit, agent):
    for _ in range(30):
        submit()
    client = client_for(agent)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bureau/?file=team&q=ecole&sort=-priority")
    assert response.status_code == 200
    assert len(queries) <= 15, [q["sql"][:120] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bureau/?file=team")
    assert "Requêtes suivantes" in response.content.decode()
    assert len(queries) <= 15


@pytest.mark.postgres
class TestFullTextSearchOnPostgres:
    def test_french_stemming_and_accents_and_a_trigger_that_keeps_it_current(self, submit, agent):
        request = submit(description="Arbre tombé sur la chaussée")
        assert refs(desk_queue(agent, queue="team", filters=Filters(q="arbres tombes"))) == [
            request.reference
        ]
        ServiceRequest.objects.filter(pk=request.pk).update(description="Lampadaire éteint")
        assert refs(desk_queue(agent, queue="team", filters=Filters(q="lampadaires eteints"))) == [
            request.reference
        ]
        assert refs(desk_queue(agent, queue="team", filters=Filters(q="arbre"))) == []

    def test_the_search_uses_the_gin_index(self, submit, agent):
        submit()
        qs = selectors.apply_search(ServiceRequest.objects.all(), "ecole")
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            plan = qs.explain()
            cursor.execute("SET enable_seqscan = on")
        assert "desk_request_search" in plan


@pytest.mark.postgres
def test_every_list_of_choices_is_read_in_one_statement(submit, agent, administrator):
    """The selects of types, groups, zones, teams and agents: Django reads a model's choices
    through ``iterator()``, a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE) for a
    dozen rows, unless the database is configured without them (settings): the desk's pages
    and the admin's forms alike read each with one SELECT."""
    sr = submit()
    pages = {
        "/bureau/": (agent, 'name="request_type"'),
        f"/bureau/requetes/{sr.reference}/": (agent, "assignee"),
        f"/admin/service_requests/requesttype/{sr.request_type_id}/change/": (
            administrator,
            'name="workflow"',
        ),
    }
    for url, (user, select) in pages.items():
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert select in response.content.decode()  # the list is on the page
        assert not [q["sql"][:80] for q in queries if "DECLARE" in q["sql"]], url
