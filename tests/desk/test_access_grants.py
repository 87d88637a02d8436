"""Access grants: what an administrator opens to a team or to one agent beyond their teams.

Travaux publics owns the pothole reports; administrators open them to Environnement (the
whole team, or one agent), perhaps only some types or zones, read-only or read-and-act, until
an end date. The desk's lists, pages and the services' checks all follow the same scope.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import make_user
from tests.desk.conftest import client_for, grant, transition
from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.core.errors import TransitionNotAllowed
from victo_crm.desk.admin import AccessGrantForm
from victo_crm.desk.dashboard import dashboard_stats
from victo_crm.desk.models import AccessLog
from victo_crm.desk.selectors import Filters, desk_queue, filtered_requests, visible_requests
from victo_crm.service_requests.grants import AccessGrant, GrantLevel
from victo_crm.service_requests.models import RequestType
from victo_crm.service_requests.scope import staff_scope
from victo_crm.service_requests.services import (
    service_request_add_note,
    service_request_transition,
)

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as a new HTTP request loads it (the scope is kept on the instance)."""
    return User.objects.get(pk=user.pk)


def refs(user: User, queue: str = "granted", **filters) -> list[str]:
    return sorted(
        r.reference for r in desk_queue(fresh(user), queue=queue, filters=Filters(**filters)).rows
    )


@pytest.fixture
def env_agent(teams):
    return make_user("agent2.env@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))


class TestWhatAGrantOpens:
    def test_a_grant_to_a_team_opens_to_each_of_its_staff(self, pothole, teams, other_agent):
        assert refs(other_agent) == []
        grant(team=teams["tp"], grantee_team=teams["env"])
        assert refs(other_agent) == [pothole.reference]
        assert refs(other_agent, queue="team") == []  # the team's own work stays apart
        assert refs(other_agent, queue="granted", q=pothole.reference) == [pothole.reference]

    def test_a_grant_to_one_agent_opens_to_that_agent_only(
        self, pothole, teams, other_agent, env_agent
    ):
        grant(team=teams["tp"], grantee=env_agent)
        assert refs(env_agent) == [pothole.reference]
        assert refs(other_agent) == []

    def test_an_agent_without_a_team_sees_only_what_the_grant_opens(self, pothole, teams):
        floating = make_user("volant@victoriaville.ca", role=roles.AGENT)
        grant(team=teams["tp"], grantee=floating)
        assert refs(floating) == [pothole.reference]
        for queue in ("team", "unassigned", "due", "citizen", "mine"):
            assert refs(floating, queue=queue) == [], queue

    def test_narrowed_to_types(self, submit, pothole, teams, env_agent, default_workflow):
        lamp = RequestType.objects.create(
            code="lampadaire",
            name_fr="Lampadaire",
            group=pothole.request_type.group,
            team=teams["tp"],
            workflow=default_workflow,
        )
        other = submit(request_type=lamp, field_values={})
        grant(team=teams["tp"], grantee=env_agent, request_types=[lamp])
        assert refs(env_agent) == [other.reference]
        scope = staff_scope(fresh(env_agent))
        assert scope.may_see(other) and not scope.may_see(pothole)

    def test_narrowed_to_zones(self, pothole, submit, teams, env_agent, town):
        east = submit(latitude=46.05, longitude=-71.90)
        grant(team=teams["tp"], grantee=env_agent, zones=[town["east"]])
        assert refs(env_agent) == [east.reference]
        scope = staff_scope(fresh(env_agent))
        assert scope.may_see(east) and not scope.may_see(pothole)

    def test_a_grant_ends_after_its_last_day(self, pothole, teams, env_agent):
        access = grant(team=teams["tp"], grantee=env_agent, ends_on=timezone.localdate())
        assert refs(env_agent) == [pothole.reference]  # the end date is inclusive
        AccessGrant.objects.filter(pk=access.pk).update(
            ends_on=timezone.localdate() - timedelta(days=1)
        )
        assert refs(env_agent) == []
        assert not visible_requests(fresh(env_agent)).filter(pk=pothole.pk).exists()
        response = client_for(env_agent).get(f"/bureau/requetes/{pothole.reference}/")
        assert response.status_code == 404

    def test_a_request_moved_to_another_team_leaves_the_grant(self, pothole, teams, env_agent):
        third = teams["tp"].__class__.objects.create(code="parcs", name_fr="Parcs")
        grant(team=teams["tp"], grantee=env_agent)
        pothole.__class__.objects.filter(pk=pothole.pk).update(team=third)
        assert refs(env_agent) == []

    def test_a_citizen_or_a_web_editor_gets_nothing_from_a_grant(self, pothole, teams, citizen):
        editor = make_user("web@victoriaville.ca", role=roles.WEB_EDITOR)
        AccessGrant.objects.create(team=teams["tp"], grantee=editor)  # bypassing validation
        assert not visible_requests(fresh(editor)).exists()
        assert client_for(editor).get(f"/bureau/requetes/{pothole.reference}/").status_code == 404


class TestWhatAGrantLetsDo:
    def test_read_only_the_page_shows_no_form_and_the_services_refuse(self, pothole, grant_reader):
        html = client_for(grant_reader).get(f"/bureau/requetes/{pothole.reference}/")
        text = html.content.decode()
        assert "en consultation seulement" in text and "Travaux publics" in text
        for form in ("/action/", "/attribuer/", "/priorite/", "/note/", "/reponse/", "/jumeler/"):
            assert f"{pothole.reference}{form}" not in text, form
        with pytest.raises(TransitionNotAllowed):
            service_request_add_note(request=pothole, actor=fresh(grant_reader), text="x")
        with pytest.raises(TransitionNotAllowed):
            service_request_transition(
                request=pothole,
                transition=transition("recue", "assignee"),
                actor=fresh(grant_reader),
            )

    def test_read_and_act_the_page_offers_the_actions_and_the_services_accept(
        self, pothole, grant_actor
    ):
        text = (
            client_for(grant_actor).get(f"/bureau/requetes/{pothole.reference}/").content.decode()
        )
        assert "vous pouvez la consulter et la traiter" in text
        assert "Prendre en charge" in text and f"{pothole.reference}/note/" in text
        # "Take it" would move the request to the agent's own team: not offered.
        assert "Me l’attribuer" not in text
        event = service_request_transition(
            request=pothole, transition=transition("recue", "assignee"), actor=fresh(grant_actor)
        )
        assert event.actor == grant_actor

    def test_the_granted_queue_offers_bulk_actions_only_with_an_acting_grant(
        self, pothole, grant_reader, grant_actor
    ):
        for user, offered in ((grant_reader, False), (grant_actor, True)):
            html = client_for(user).get("/bureau/?file=granted").content.decode()
            assert pothole.reference in html
            assert ('name="ids"' in html) is offered
            assert ("Appliquer aux requêtes cochées" in html) is offered

    def test_an_expired_acting_grant_lets_nothing_through_the_services(
        self, pothole, grant_expired
    ):
        with pytest.raises(TransitionNotAllowed):
            service_request_add_note(request=pothole, actor=fresh(grant_expired), text="x")

    def test_bulk_actions_refuse_read_only_requests_by_name_and_do_the_others(
        self, submit, teams, grant_reader, grant_actor
    ):
        a, b = submit(), submit()
        for user, done in ((grant_reader, []), (grant_actor, [a.reference, b.reference])):
            response = client_for(user).post(
                "/bureau/actions-groupees/",
                {"action": "transition", "to_state": "en-analyse", "ids": [a.pk, b.pk]},
            )
            html = response.content.decode()
            assert response.status_code == 200
            for reference in done:
                assert reference in html
            if not done:
                assert html.count("consultation seulement") == 2
        states = set(a.__class__.objects.values_list("state__code", flat=True))
        assert states == {"en-analyse"}

    def test_an_acting_grant_with_zones_is_checked_on_the_request_itself(
        self, pothole, submit, teams, env_agent, town
    ):
        east = submit(latitude=46.05, longitude=-71.90)
        grant(team=teams["tp"], grantee=env_agent, zones=[town["east"]], level=GrantLevel.ACT)
        service_request_add_note(request=east, actor=fresh(env_agent), text="Vu.")
        with pytest.raises(TransitionNotAllowed):
            service_request_add_note(request=pothole, actor=fresh(env_agent), text="Vu.")


class TestSupervisorsWithAGrant:
    @pytest.fixture
    def env_supervisor(self, teams):
        return make_user("sup.env@victoriaville.ca", role=roles.SUPERVISOR, teams=(teams["env"],))

    def test_the_dashboard_counts_what_the_grant_opens_and_caches_it_apart(
        self, pothole, teams, env_supervisor
    ):
        cache.clear()
        other = make_user("sup2.env@victoriaville.ca", role=roles.SUPERVISOR, teams=(teams["env"],))
        assert dashboard_stats(fresh(other))["backlog"] == []  # cached for "Environnement"
        grant(team=teams["tp"], grantee=env_supervisor)
        backlog = dashboard_stats(fresh(env_supervisor))["backlog"]
        assert backlog == [{"team": "Travaux publics", "open": 1}]
        assert dashboard_stats(fresh(other))["backlog"] == []

    def test_exports_the_granted_queue_and_logs_each_row(self, pothole, teams, env_supervisor):
        grant(team=teams["tp"], grantee=env_supervisor)
        response = client_for(env_supervisor).get("/bureau/exporter.csv?file=granted")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert pothole.reference in text and "Marie Tremblay" in text
        assert AccessLog.objects.filter(
            user=env_supervisor, what="export", request=pothole
        ).exists()


class TestQueuesOverSeveralTeams:
    @pytest.mark.parametrize("sort", ["-created", "created", "-priority", "due", "-citizen"])
    def test_pages_read_team_by_team_are_the_whole_ordered_selection(
        self, submit, teams, town, request_type, sort
    ):
        """PostgreSQL reads such a queue team by team and merges (``_merged_page``); the
        pages must be exactly the selection in order, whatever the sort."""
        third = teams["tp"].__class__.objects.create(code="parcs", name_fr="Parcs")
        reader = make_user("multi@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))
        grant(team=teams["tp"], grantee=reader)
        grant(team=third, grantee=reader, request_types=[request_type], zones=[town["west"]])
        made = [submit(priority=1 + i % 4) for i in range(14)]
        for i, request in enumerate(made):
            team = third if i % 3 == 0 else teams["tp"]
            due = timezone.now() + timedelta(hours=i % 5) if i % 4 else None
            request.__class__.objects.filter(pk=request.pk).update(team=team, due_at=due)
        expected = [
            r.reference
            for r in filtered_requests(fresh(reader), queue="granted", filters=Filters(), sort=sort)
        ]
        seen, cursor = [], ""
        while True:
            page = desk_queue(fresh(reader), queue="granted", sort=sort, cursor=cursor, page_size=4)
            seen += [r.reference for r in page.rows]
            cursor = page.next_cursor
            if not cursor:
                break
        assert len(expected) == 14 and seen == expected


class TestQueryCounts:
    def test_the_scope_is_one_query_however_many_grants_types_and_zones(
        self, teams, env_agent, request_type, town
    ):
        for _i in range(4):
            grant(
                team=teams["tp"],
                grantee=env_agent,
                request_types=[request_type],
                zones=[town["west"], town["east"]],
            )
        grant(team=teams["tp"], grantee_team=teams["env"], level=GrantLevel.ACT)
        user = fresh(env_agent)
        with CaptureQueriesContext(connection) as queries:
            scope = staff_scope(user)
            roles.role_names(user), roles.team_ids(user)
        assert len(queries) == 1
        assert len(scope.grants) == 5 and scope.team_ids == {teams["env"].pk}
        assert roles.AGENT in roles.role_names(user)

    @pytest.mark.parametrize("level", [GrantLevel.READ, GrantLevel.ACT])
    def test_the_granted_queue_and_request_page_stay_within_16_queries(
        self, submit, teams, env_agent, town, request_type, level
    ):
        requests = [submit() for _i in range(30)]
        grant(
            team=teams["tp"],
            grantee=env_agent,
            request_types=[request_type],
            zones=[town["west"]],
            level=level,
        )
        client = client_for(env_agent)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/bureau/?file=granted&q=ecole")
        assert response.status_code == 200 and requests[-1].reference in response.content.decode()
        assert len(queries) <= 16, [q["sql"][:120] for q in queries]
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/bureau/requetes/{requests[0].reference}/")
        assert response.status_code == 200
        assert len(queries) <= 16, [q["sql"][:120] for q in queries]


class TestTheAdminForm:
    def form(self, **data):
        return AccessGrantForm(data={"level": GrantLevel.READ, **data})

    def test_someone_to_open_to_is_required(self, teams):
        form = self.form(team=teams["tp"].pk)
        assert not form.is_valid()
        assert "une équipe ou une personne" in str(form.errors["grantee_team"])

    def test_a_team_or_a_person_not_both(self, teams, other_agent):
        form = self.form(team=teams["tp"].pk, grantee_team=teams["env"].pk, grantee=other_agent.pk)
        assert not form.is_valid() and "pas les deux" in str(form.errors["grantee"])

    def test_a_team_to_itself_is_refused(self, teams):
        form = self.form(team=teams["tp"].pk, grantee_team=teams["tp"].pk)
        assert not form.is_valid() and "ses propres requêtes" in str(form.errors["grantee_team"])

    def test_a_member_of_the_team_is_refused(self, teams, agent):
        form = self.form(team=teams["tp"].pk, grantee=agent.pk)
        assert not form.is_valid() and "fait déjà partie" in str(form.errors["grantee"])

    def test_only_agents_and_supervisors_are_offered(self, teams, citizen, administrator):
        for person in (citizen, administrator):
            form = self.form(team=teams["tp"].pk, grantee=person.pk)
            assert not form.is_valid() and "grantee" in form.errors
        # The model refuses them too, with the reason, whatever form saves it.
        for person, reason in ((citizen, "rôle agent ou superviseur"), (administrator, "déjà")):
            with pytest.raises(ValidationError) as error:
                AccessGrant(team=teams["tp"], grantee=person).full_clean()
            assert reason in str(error.value)

    def test_an_end_date_already_past_is_refused(self, teams, other_agent):
        yesterday = timezone.localdate() - timedelta(days=1)
        form = self.form(team=teams["tp"].pk, grantee=other_agent.pk, ends_on=yesterday)
        assert not form.is_valid() and "déjà passée" in str(form.errors["ends_on"])

    def test_a_type_the_team_never_handles_is_refused(self, teams, other_agent, request_type):
        compost = RequestType.objects.create(
            code="bac-brun",
            name_fr="Bac brun",
            group=request_type.group,
            team=teams["env"],
            workflow=request_type.workflow,
        )
        form = self.form(team=teams["tp"].pk, grantee=other_agent.pk, request_types=[compost.pk])
        assert not form.is_valid()
        assert "aucune requête de ces types\u00a0: Bac brun" in str(form.errors["request_types"])

    def test_an_administrator_saves_one_and_it_takes_effect_at_once(
        self, administrator, teams, other_agent, pothole, town, request_type
    ):
        assert (
            client_for(other_agent).get(f"/bureau/requetes/{pothole.reference}/").status_code == 404
        )
        response = client_for(administrator).post(
            "/admin/service_requests/accessgrant/add/",
            {
                "team": teams["tp"].pk,
                "grantee": other_agent.pk,
                "level": GrantLevel.ACT,
                "request_types": [request_type.pk],
                "zones": [town["west"].pk],
                "ends_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
                "reason": "Remplacement pendant les vacances",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        access = AccessGrant.objects.get()
        assert access.created_by == administrator and access.grantee == other_agent
        assert (
            client_for(other_agent).get(f"/bureau/requetes/{pothole.reference}/").status_code == 200
        )
        listing = client_for(administrator).get(
            "/admin/service_requests/accessgrant/?en_vigueur=oui"
        )
        assert "Remplacement pendant les vacances" in listing.content.decode()

    def test_only_administrators_see_grants_in_the_admin(self, supervisor, teams, other_agent):
        grant(team=teams["tp"], grantee=other_agent)
        supervisor.is_staff = True
        supervisor.save(update_fields=["is_staff"])
        assert client_for(supervisor).get("/admin/service_requests/accessgrant/").status_code == 403
