"""Every desk URL, for every persona: the answer each must get, and never a leak.

Anonymous visitors are sent to the login page; a citizen gets a 404 (the desk does not
exist for them); an agent of another team gets a 404 for a request of Travaux publics and
never sees it in a list, a map or an export; pages for supervisors answer 403 to agents.
Agents of Environnement to whom an administrator opened Travaux publics see its requests:
read-only (every write answers 403) or read-and-act; once the grant has ended, nothing.
"""

from __future__ import annotations

import pytest

from tests.desk.conftest import client_for
from victo_crm.desk.models import AccessLog
from victo_crm.service_requests.grants import AccessGrant
from victo_crm.service_requests.models import RequestEvent, Transition

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "citizen",
    "agent",
    "other_agent",
    "supervisor",
    "administrator",
    "grant_reader",
    "grant_actor",
    "grant_expired",
)
OUT_OF_SCOPE = ("anonymous", "citizen", "other_agent", "grant_expired")

# (name, path template, who gets 200; agents who may not get 403, others 404/302)
PAGES = [
    ("queue", "/bureau/", "staff"),
    ("queue_team", "/bureau/?file=team", "staff"),
    ("queue_all", "/bureau/?file=all", "supervising"),
    ("queue_granted", "/bureau/?file=granted", "staff"),
    ("request", "/bureau/requetes/{ref}/", "team"),
    ("canned", "/bureau/requetes/{ref}/reponses-types/{canned}/", "team"),
    ("photo", "/bureau/requetes/{ref}/photos/{photo}/", "team"),
    ("merge_get", "/bureau/requetes/{ref}/jumeler/", "team_redirect"),
    ("on_behalf", "/bureau/requetes/nouvelle/", "staff"),
    ("citizen_search", "/bureau/requetes/nouvelle/?citoyen=Tremblay", "staff"),
    ("addresses", "/bureau/adresses/?address_query=notre", "staff"),
    ("team_agents", "/bureau/equipes/agents/?team={team}", "staff"),
    ("map", "/bureau/carte/", "staff"),
    ("map_points", "/bureau/carte/points.json?file=team", "staff"),
    ("map_points_granted", "/bureau/carte/points.json?file=granted", "staff"),
    ("dashboard", "/bureau/tableau-de-bord/", "supervising"),
    ("export_csv", "/bureau/exporter.csv?file=team", "supervising"),
    ("export_xlsx", "/bureau/exporter.xlsx?file=team", "supervising"),
]

POSTS = [
    ("transition", "/bureau/requetes/{ref}/action/"),
    ("assign", "/bureau/requetes/{ref}/attribuer/"),
    ("priority", "/bureau/requetes/{ref}/priorite/"),
    ("note", "/bureau/requetes/{ref}/note/"),
    ("reply", "/bureau/requetes/{ref}/reponse/"),
    ("merge", "/bureau/requetes/{ref}/jumeler/"),
]

TEAM = {"agent", "supervisor", "administrator", "grant_reader", "grant_actor"}
SUPERVISING = {"supervisor", "administrator"}


def expected(persona: str, rule: str) -> int:
    if persona == "anonymous":
        return 302
    if persona == "citizen":
        return 404
    if rule == "staff":
        return 200
    if rule == "supervising":
        return 200 if persona in SUPERVISING else 403
    if rule == "team":
        return 200 if persona in TEAM else 404
    if rule == "team_redirect":
        return 302 if persona in TEAM else 404
    raise AssertionError(rule)


@pytest.fixture
def world(request, submit, make_image, canned, teams):
    pothole = submit(photos=[make_image()])
    return {
        "pothole": pothole,
        "fmt": {
            "ref": pothole.reference,
            "canned": canned.pk,
            "photo": pothole.attachments.get().pk,
            "team": teams["tp"].pk,
        },
    }


def persona_user(request, persona):
    return None if persona == "anonymous" else request.getfixturevalue(persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_each_persona_as_it_must(request, world, persona):
    user = persona_user(request, persona)
    client = client_for(user)
    reference = world["pothole"].reference
    seen = {}
    for name, template, rule in PAGES:
        path = template.format(**world["fmt"])
        response = client.get(path)
        seen[name] = response.status_code
        want = expected(persona, rule)
        assert response.status_code == want, (name, persona, response.status_code)
        if persona == "anonymous":
            assert response["Location"].startswith("/compte/login/?next=")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if persona in OUT_OF_SCOPE and name != "photo":
            # Never a leak: not the reference, not the requester's name.
            assert reference.encode() not in body, (name, persona)
            assert b"Tremblay" not in body or name == "citizen_search", (name, persona)
    assert seen  # every page was visited
    if persona in ("grant_reader", "grant_actor"):
        # What the grant opens is listed in its own queue and drawn on its map.
        granted = client.get("/bureau/?file=granted").content.decode()
        assert reference in granted and "Autres équipes (accès accordé)" in granted
        points = client.get("/bureau/carte/points.json?file=granted").json()["points"]
        assert [p["ref"] for p in points] == [reference]


@pytest.mark.parametrize("persona", [*OUT_OF_SCOPE, "grant_reader"])
def test_no_write_reaches_a_request_outside_ones_scope(request, world, persona, agent):
    user = persona_user(request, persona)
    client = client_for(user)
    pothole = world["pothole"]
    events_before = RequestEvent.objects.filter(request=pothole).count()
    data = {
        "version": pothole.version,
        "text": "Je ne devrais pas pouvoir écrire ceci.",
        "comment": "idem",
        "priority": 4,
        "team": pothole.team_id,
        "assignee": agent.pk,
        "duplicates": "2026-000999",
        "transition": 1,
    }
    # A read-only grant: the request is seen, so a write is forbidden (403), not hidden.
    refused = {"anonymous": 302, "grant_reader": 403}.get(persona, 404)
    for name, template in POSTS:
        response = client.post(template.format(**world["fmt"]), data)
        assert response.status_code == refused, name
    response = client.post("/bureau/actions-groupees/", {"action": "assign", "ids": [pothole.pk]})
    if persona == "grant_reader":
        assert response.status_code == 200
        html = response.content.decode()
        assert pothole.reference in html and "consultation seulement" in html
    elif persona in ("other_agent", "grant_expired"):
        assert response.status_code == 200
        assert (
            b"introuvable" in response.content
            and pothole.reference.encode() not in response.content
        )
    else:
        assert response.status_code == (302 if persona == "anonymous" else 404)
    pothole.refresh_from_db()
    assert RequestEvent.objects.filter(request=pothole).count() == events_before
    assert (pothole.version, pothole.priority, pothole.assignee_id) == (1, 2, None)


def test_the_access_log_records_staff_views_of_personal_data(world, agent, supervisor):
    pothole = world["pothole"]
    client_for(agent).get(f"/bureau/requetes/{pothole.reference}/")
    client_for(supervisor).get("/bureau/exporter.csv?file=team")
    client_for(agent).get("/bureau/requetes/nouvelle/?citoyen=Tremblay")
    rows = list(
        AccessLog.objects.order_by("pk").values_list("user__email", "what", "citizen__email")
    )
    assert rows == [
        ("agent.tp@victoriaville.ca", "request_page", "marie@example.ca"),
        ("superviseur@victoriaville.ca", "export", "marie@example.ca"),
        ("agent.tp@victoriaville.ca", "citizen_search", "marie@example.ca"),
    ]


def test_the_access_log_is_read_by_administrators_only_in_the_admin(
    world, administrator, supervisor
):
    client_for(world and administrator).get(f"/bureau/requetes/{world['pothole'].reference}/")
    assert client_for(administrator).get("/admin/desk/accesslog/").status_code == 200
    assert client_for(supervisor).get("/admin/desk/accesslog/").status_code in (302, 403)
    # Read-only, even for an administrator.
    log = AccessLog.objects.get()
    assert (
        client_for(administrator)
        .post(f"/admin/desk/accesslog/{log.pk}/delete/", {"post": "yes"})
        .status_code
        == 403
    )


def test_an_acting_grant_lets_every_write_through_the_services(world, grant_actor, teams):
    pothole = world["pothole"]
    client = client_for(grant_actor)
    base = f"/bureau/requetes/{pothole.reference}"
    take = Transition.objects.get(
        workflow__code="default", from_state__code="recue", to_state__code="assignee"
    )
    assert client.post(f"{base}/note/", {"text": "Vu par le renfort."}).status_code == 302
    assert client.post(f"{base}/reponse/", {"text": "Bonjour", "version": 1}).status_code == 302
    assert client.post(f"{base}/priorite/", {"priority": 3, "version": 1}).status_code == 302
    assert client.post(f"{base}/action/", {"transition": take.pk, "version": 2}).status_code == 302
    # Reassigning to one's own team is an action too; then the request is simply one's own.
    response = client.post(
        f"{base}/attribuer/", {"team": teams["env"].pk, "assignee": grant_actor.pk, "version": 3}
    )
    assert response.status_code == 302
    pothole.refresh_from_db()
    assert (pothole.state.code, pothole.priority, pothole.team) == ("assignee", 3, teams["env"])
    kinds = set(RequestEvent.objects.filter(request=pothole, actor=grant_actor).values_list("kind"))
    assert {k for (k,) in kinds} == {
        "internal_note",
        "public_reply",
        "priority",
        "transition",
        "assignment",
    }


def test_views_through_a_grant_are_in_the_access_log_naming_the_grant(world, grant_reader):
    pothole = world["pothole"]
    client = client_for(grant_reader)
    client.get(f"/bureau/requetes/{pothole.reference}/")
    client.get(f"/bureau/requetes/{pothole.reference}/photos/{world['fmt']['photo']}/")
    access = AccessGrant.objects.get(grantee=grant_reader)
    rows = list(AccessLog.objects.order_by("pk").values_list("user", "what", "citizen", "detail"))
    assert rows == [
        (
            grant_reader.pk,
            "request_page",
            pothole.citizen_id,
            f"par l’accès accordé n° {access.pk}",
        ),
        (
            grant_reader.pk,
            "photo",
            pothole.citizen_id,
            f"{world['fmt']['photo']} — par l’accès accordé n° {access.pk}",
        ),
    ]
