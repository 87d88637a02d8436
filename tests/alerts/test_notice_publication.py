"""Who may message the whole town: notices to the whole town and emergencies need a
permission of their own, the sender sees who the notice reaches (per channel, by the rule the
fan-out applies) and confirms, a second person may have to approve, and every step is in
the notices' audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import make_user, sign_in
from victo_crm.accounts import roles
from victo_crm.accounts.models import Consent
from victo_crm.alerts.models import Notice, NoticeEvent, NoticePolicy, NoticeStatus
from victo_crm.alerts.selectors import notice_channel_counts
from victo_crm.alerts.services import (
    notice_approve,
    notice_publish,
    notice_reject,
    notice_save_draft,
    notice_withdraw,
    subscription_create,
)
from victo_crm.notifications.models import Notification

pytestmark = pytest.mark.django_db

REFUSAL = "Publier un avis à toute la ville ou un avis d’urgence demande une permission"


def draft(topic: Any, actor: Any, *, zones: Any = (), **fields: Any) -> Notice:
    values: dict[str, Any] = {
        "topic": topic,
        "title_fr": "Avis d’ébullition",
        "title_en": "Boil-water notice",
        "body_fr": "Faites bouillir l’eau.",
        "body_en": "Boil the water.",
        "area_kind": "zones",
        "starts_at": timezone.now(),
    }
    values.update(fields)
    return notice_save_draft(notice=Notice(**values), actor=actor, zones=list(zones))


@pytest.fixture
def people(topics: Any, west_address: Any, east_address: Any) -> dict[str, Any]:
    """Marie follows road works in the west (e-mail, in-app); Jean, in English, compost in
    the east (e-mail, and texts he agreed to); Luc road works in the east (in-app)."""
    marie = make_user("marie@example.ca")
    jean = make_user("jean@example.ca", preferred_language="en", phone="819 758-0555")
    Consent.objects.create(user=jean, purpose="sms")
    luc = make_user("luc@example.ca")
    subscription_create(
        user=marie, topic=topics["travaux"], address=west_address, channels=["email", "in_app"]
    )
    subscription_create(
        user=jean, topic=topics["compost"], address=east_address, channels=["email", "sms"]
    )
    subscription_create(
        user=luc, topic=topics["travaux"], address=east_address, channels=["in_app"]
    )
    return {"marie": marie, "jean": jean, "luc": luc}


@pytest.fixture
def web_editor(db: Any) -> Any:
    return make_user("redaction@victoriaville.ca", role=roles.WEB_EDITOR)


@pytest.fixture
def other_supervisor(teams: Any) -> Any:
    return make_user("superviseure.env@victoriaville.ca", role=roles.SUPERVISOR)


@pytest.fixture
def two_person_rule(db: Any) -> NoticePolicy:
    policy = NoticePolicy(require_second_approval=True)
    policy.save()
    return policy


@pytest.fixture
def broad_drafts(people: Any, topics: Any, town: Any, agent: Any) -> dict[str, Notice]:
    """Three ways to reach everyone: the whole town, an emergency in one district, and
    every district ticked one by one."""
    return {
        "town": draft(topics["travaux"], agent, area_kind="town", title_fr="Toute la ville"),
        "emergency": draft(topics["travaux"], agent, zones=[town["west"]], severity="emergency"),
        "every_zone": draft(topics["travaux"], agent, zones=[town["west"], town["east"]]),
    }


def sent_rows(notice: Notice) -> set[tuple[str, str]]:
    return set(
        Notification.objects.filter(group_key=f"notice:{notice.pk}").values_list(
            "recipient__email", "channel"
        )
    )


class TestWhoMayPublishToTheWholeTown:
    @pytest.mark.parametrize("persona", ["agent", "web_editor"])
    @pytest.mark.parametrize("kind", ["town", "emergency", "every_zone"])
    def test_an_agent_or_a_web_editor_is_refused_on_the_page_and_in_the_service(
        self, client: Any, request: Any, persona: str, kind: str, broad_drafts: Any
    ) -> None:
        user = request.getfixturevalue(persona)
        notice = broad_drafts[kind]
        sign_in(client, user)
        url = f"/alertes/avis/{notice.pk}/publier/"

        shown = client.get(url)
        sent = client.post(url, {"confirm": "yes"})
        with pytest.raises(PermissionDenied, match=REFUSAL):
            notice_publish(notice=notice, actor=user)

        assert shown.status_code == 403 and REFUSAL in shown.text
        assert sent.status_code == 403 and REFUSAL in sent.text
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.DRAFT
        assert not Notification.objects.exists() and mail.outbox == []
        assert not NoticeEvent.objects.exists()

    def test_the_draft_page_does_not_offer_them_the_button(
        self, client: Any, agent: Any, broad_drafts: Any
    ) -> None:
        sign_in(client, agent)
        page = client.get(f"/alertes/avis/{broad_drafts['town'].pk}/").text
        assert "Seule une personne qui a la permission" in page
        assert f"/alertes/avis/{broad_drafts['town'].pk}/publier/" not in page

    def test_the_refusal_is_in_english_for_an_english_speaker(
        self, client: Any, agent: Any, broad_drafts: Any
    ) -> None:
        agent.preferred_language = "en"
        agent.save(update_fields=["preferred_language"])
        sign_in(client, agent)
        client.cookies["django_language"] = "en"
        page = client.get(f"/alertes/avis/{broad_drafts['town'].pk}/publier/")
        assert page.status_code == 403
        assert "Publishing a notice to the whole town or an emergency notice" in page.text

    def test_an_agent_still_publishes_a_local_notice_after_confirming(
        self,
        client: Any,
        agent: Any,
        people: Any,
        topics: Any,
        town: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        notice = draft(topics["travaux"], agent, zones=[town["west"]], title_fr="Rue fermée")
        sign_in(client, agent)
        url = f"/alertes/avis/{notice.pk}/publier/"
        assert "Cet avis joindra 1 personne." in client.get(url).text
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"confirm": "yes"})
        assert response.status_code == 302
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.PUBLISHED and notice.published_by == agent
        assert sent_rows(notice) == {("marie@example.ca", "email"), ("marie@example.ca", "in_app")}
        event = NoticeEvent.objects.get(notice=notice)
        assert (event.kind, event.actor, event.is_broad, event.audience_count) == (
            "published",
            agent,
            False,
            1,
        )

    def test_a_local_notice_past_the_policy_threshold_is_a_broad_one(
        self, agent: Any, people: Any, topics: Any, town: Any
    ) -> None:
        policy = NoticePolicy(broad_audience_from=1)
        policy.save()
        notice = draft(topics["travaux"], agent, zones=[town["west"]])
        with pytest.raises(PermissionDenied):
            notice_publish(notice=notice, actor=agent)

    @pytest.mark.parametrize("persona", ["supervisor", "administrator", "granted_agent"])
    def test_supervisors_administrators_and_people_given_the_permission_may(
        self,
        request: Any,
        persona: str,
        broad_drafts: Any,
        other_agent: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        if persona == "granted_agent":
            user = other_agent
            user.user_permissions.add(Permission.objects.get(codename="publish_townwide_notice"))
        else:
            user = request.getfixturevalue(persona)
        with django_capture_on_commit_callbacks(execute=True):
            published = notice_publish(notice=broad_drafts["town"], actor=user)
        assert published.status == NoticeStatus.PUBLISHING
        assert Notice.objects.get(pk=published.pk).status == NoticeStatus.PUBLISHED
        event = NoticeEvent.objects.get(notice=published)
        assert (event.kind, event.actor, event.is_broad, event.area_kind) == (
            "published",
            user,
            True,
            "town",
        )


class TestTheConfirmationPage:
    def test_it_counts_per_channel_exactly_what_the_fan_out_then_writes(
        self,
        client: Any,
        supervisor: Any,
        broad_drafts: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        topic = broad_drafts["town"].topic
        everyone = draft(topic, supervisor, area_kind="town", severity="emergency")
        sign_in(client, supervisor)
        url = f"/alertes/avis/{everyone.pk}/publier/"

        page = client.get(url)
        counts = notice_channel_counts(everyone)

        assert page.status_code == 200
        assert "Cet avis joindra 3 personnes." in page.text
        assert "Messages prévus, par canal" in page.text
        # Everyone on every channel they can be reached by: e-mail and in-app for the
        # three, a text for Jean (phone and consent), no push (nobody has a device).
        assert counts == {"email": 3, "in_app": 3, "sms": 1, "push": 0}
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"confirm": "yes"})
        written = Notification.objects.filter(group_key=f"notice:{everyone.pk}")
        for channel, n in counts.items():
            assert written.filter(channel=channel).count() == n, channel

    def test_sending_without_ticking_the_confirmation_sends_nothing(
        self, client: Any, supervisor: Any, broad_drafts: Any
    ) -> None:
        notice = broad_drafts["town"]
        sign_in(client, supervisor)
        response = client.post(f"/alertes/avis/{notice.pk}/publier/")
        assert response.status_code == 400
        assert "Cochez la case pour confirmer l’envoi." in response.text
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT
        assert not NoticeEvent.objects.exists()


class TestTheTwoPersonRule:
    def test_the_request_waits_and_its_author_cannot_approve_it(
        self, client: Any, supervisor: Any, broad_drafts: Any, two_person_rule: Any
    ) -> None:
        notice = broad_drafts["town"]
        sign_in(client, supervisor)
        client.post(f"/alertes/avis/{notice.pk}/publier/", {"confirm": "yes"})
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.PENDING and notice.requested_by == supervisor

        own = client.post(f"/alertes/avis/{notice.pk}/approuver/", {"confirm": "yes"})
        with pytest.raises(PermissionDenied):
            notice_approve(notice=notice, actor=supervisor)

        assert own.status_code == 403
        assert "une autre personne doit l’approuver" in own.text
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PENDING
        assert not Notification.objects.exists()
        assert list(NoticeEvent.objects.values_list("kind", flat=True)) == ["requested"]
        # Nor can the author change what the approver will approve.
        with pytest.raises(ValidationError):
            notice_save_draft(notice=notice, actor=supervisor)

    def test_an_agent_cannot_approve(
        self, client: Any, supervisor: Any, agent: Any, broad_drafts: Any, two_person_rule: Any
    ) -> None:
        notice = notice_publish(notice=broad_drafts["town"], actor=supervisor)
        sign_in(client, agent)
        response = client.post(f"/alertes/avis/{notice.pk}/approuver/", {"confirm": "yes"})
        assert response.status_code == 403 and REFUSAL in response.text
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PENDING

    def test_a_second_person_sees_it_approves_it_and_it_is_sent_once(
        self,
        client: Any,
        supervisor: Any,
        administrator: Any,
        broad_drafts: Any,
        two_person_rule: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        notice = notice_publish(notice=broad_drafts["town"], actor=supervisor)
        sign_in(client, administrator)
        listed = client.get("/alertes/avis/").text
        detail = client.get(f"/alertes/avis/{notice.pk}/").text
        assert "En attente d’approbation" in listed and "à approuver" in listed
        assert "Approuver et envoyer" in detail and "Cet avis joindra 2 personnes." in detail

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/alertes/avis/{notice.pk}/approuver/", {"confirm": "yes"})
        with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
            notice_approve(notice=notice, actor=administrator)  # a second click

        assert response.status_code == 302
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.PUBLISHED
        assert (notice.requested_by, notice.published_by) == (supervisor, administrator)
        assert sent_rows(notice) == {
            ("marie@example.ca", "email"),
            ("marie@example.ca", "in_app"),
            ("luc@example.ca", "in_app"),
        }
        assert [m.to for m in mail.outbox] == [["marie@example.ca"]]
        log = list(
            NoticeEvent.objects.filter(notice=notice)
            .order_by("pk")
            .values_list("kind", "actor__email", "audience_count")
        )
        assert log == [
            ("requested", supervisor.email, 2),
            ("approved", administrator.email, 2),
            ("published", administrator.email, 2),
        ]

    def test_a_refusal_says_why_and_sends_the_notice_back_to_draft(
        self,
        client: Any,
        supervisor: Any,
        other_supervisor: Any,
        broad_drafts: Any,
        two_person_rule: Any,
    ) -> None:
        notice = notice_publish(notice=broad_drafts["town"], actor=supervisor)
        sign_in(client, other_supervisor)
        without = client.post(f"/alertes/avis/{notice.pk}/refuser/", {"reason": "  "})
        assert without.status_code == 400 and "Dites pourquoi" in without.text

        client.post(f"/alertes/avis/{notice.pk}/refuser/", {"reason": "Mauvais secteur."})

        notice.refresh_from_db()
        assert notice.status == NoticeStatus.DRAFT and notice.requested_by is None
        event = NoticeEvent.objects.get(kind="rejected")
        assert (event.actor, event.comment) == (other_supervisor, "Mauvais secteur.")
        assert not Notification.objects.exists()

    def test_the_author_may_take_the_request_back(
        self, supervisor: Any, broad_drafts: Any, two_person_rule: Any
    ) -> None:
        notice = notice_publish(notice=broad_drafts["town"], actor=supervisor)
        notice_reject(notice=notice, actor=supervisor)
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT

    def test_local_notices_need_no_second_person(
        self, agent: Any, people: Any, topics: Any, town: Any, two_person_rule: Any
    ) -> None:
        notice = draft(topics["travaux"], agent, zones=[town["west"]])
        assert notice_publish(notice=notice, actor=agent).status == NoticeStatus.PUBLISHING


class TestTheAuditLogAndTheAdmin:
    def test_a_withdrawal_is_logged_and_a_request_taken_back_is_never_public(
        self, client: Any, supervisor: Any, broad_drafts: Any, two_person_rule: Any
    ) -> None:
        notice = notice_publish(notice=broad_drafts["town"], actor=supervisor)
        notice_withdraw(notice=notice, actor=supervisor)
        assert list(NoticeEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
            "requested",
            "withdrawn",
        ]
        assert client.get(f"/alertes/en-vigueur/{notice.pk}/").status_code == 404

    def test_the_admin_cannot_change_a_notice_around_the_checks(
        self, client: Any, administrator: Any, people: Any, topics: Any, town: Any, agent: Any
    ) -> None:
        local = draft(topics["travaux"], agent, zones=[town["west"]])
        notice_publish(notice=local, actor=agent)
        sign_in(client, administrator)
        change = f"/admin/alerts/notice/{local.pk}/change/"
        page = client.get(change)
        posted = client.post(change, {"area_kind": "town", "severity": "emergency"})
        assert page.status_code == 200 and 'name="area_kind"' not in page.text  # read-only
        assert posted.status_code == 403
        assert client.get("/admin/alerts/notice/add/").status_code == 403
        local.refresh_from_db()
        assert (local.area_kind, local.severity) == ("zones", "info")

    def test_administrators_read_the_log_and_nobody_edits_it(
        self, client: Any, administrator: Any, supervisor: Any, broad_drafts: Any
    ) -> None:
        notice_publish(notice=broad_drafts["town"], actor=supervisor)
        event = NoticeEvent.objects.get()
        sign_in(client, administrator)
        listed = client.get("/admin/alerts/noticeevent/")
        assert listed.status_code == 200 and supervisor.email in listed.text
        assert client.get(f"/admin/alerts/noticeevent/{event.pk}/delete/").status_code == 403
        assert client.post(f"/admin/alerts/noticeevent/{event.pk}/change/", {}).status_code == 403
        with pytest.raises(Exception, match="protected"):
            Notice.objects.filter(pk=event.notice_id).delete()

    def test_an_administrator_turns_the_two_person_rule_on_without_code(
        self, client: Any, administrator: Any
    ) -> None:
        sign_in(client, administrator)
        response = client.post(
            "/admin/alerts/noticepolicy/add/",
            {"require_second_approval": "on", "broad_audience_from": "3000"},
        )
        assert response.status_code == 302
        policy = NoticePolicy.current()
        assert policy.require_second_approval and policy.broad_audience_from == 3000
        assert client.get("/admin/alerts/noticepolicy/add/").status_code == 403  # one row


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_the_same_instant_send_it_once(town: Any, teams: Any) -> None:
    """Two supervisors click "approve" together: one conditional UPDATE moves the notice out
    of "pending", the other finds nothing to approve; one approval, one fan-out."""
    import threading

    from django.db import connection, connections

    from tests.notifications.conftest import reseed_topics

    assert connection.vendor == "postgresql"
    reseed_topics()
    NoticePolicy(require_second_approval=True).save()
    author = make_user("auteur@victoriaville.ca", role=roles.SUPERVISOR)
    approvers = [
        make_user(f"approbateur{i}@victoriaville.ca", role=roles.SUPERVISOR) for i in range(2)
    ]
    subscriber = make_user("marie@example.ca")
    from victo_crm.alerts.models import AlertTopic

    from .conftest import make_address

    topic = AlertTopic.objects.get(code="travaux")
    subscription_create(
        user=subscriber,
        topic=topic,
        address=make_address(10, "rue des Érables"),
        channels=["email"],
    )
    pending = notice_publish(notice=draft(topic, author, area_kind="town"), actor=author)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user: Any) -> None:
        try:
            barrier.wait(timeout=30)
            notice_approve(notice=pending, actor=user)
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        except BaseException as error:  # collected and asserted below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["approved", "refused"]
    assert NoticeEvent.objects.filter(notice=pending, kind="approved").count() == 1
    assert NoticeEvent.objects.filter(notice=pending, kind="published").count() == 1
    assert Notification.objects.filter(group_key=f"notice:{pending.pk}").count() == 1
    assert len(mail.outbox) == 1
