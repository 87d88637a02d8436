"""A web editor drafts a page and submits it; a moderator publishes it; then the public
finds it. Editors cannot publish alone. The CMS speaks French."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from tests.conftest import sign_in
from victo_crm.website.models import InformationPage

pytestmark = pytest.mark.django_db


def page_form(**fields: Any) -> dict[str, Any]:
    data = {
        "title": "Vente de garage",
        "slug": "vente-de-garage",
        "intro": "Les ventes de garage sont permises deux fins de semaine par année.",
        "who": rich_text("<p>Tous les résidents.</p>"),
        "steps": rich_text("<ol><li>Choisissez une des fins de semaine permises.</li></ol>"),
        "costs": rich_text("<p>Gratuit.</p>"),
        "documents": rich_text(""),
        "body": streamfield([]),
        "online_service": "",
        "search_keywords": "bazar, brocante",
        "comments": {
            "TOTAL_FORMS": 0,
            "INITIAL_FORMS": 0,
            "MIN_NUM_FORMS": 0,
            "MAX_NUM_FORMS": 1000,
        },
    }
    data.update(fields)
    return nested_form_data(data)


def test_editor_drafts_submits_and_moderator_publishes_then_the_public_finds_it(
    site, web_editor, moderator, django_capture_on_commit_callbacks
):
    parent = site["home"]
    sophie = Client()
    sign_in(sophie, web_editor)
    assert sophie.get("/cms/").status_code == 200

    # Sophie writes a draft.
    with django_capture_on_commit_callbacks(execute=True):
        response = sophie.post(f"/cms/pages/add/website/informationpage/{parent.pk}/", page_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    page = InformationPage.objects.get(slug="vente-de-garage")
    assert not page.live and page.has_unpublished_changes

    # She may not publish it herself.
    with django_capture_on_commit_callbacks(execute=True):
        sophie.post(f"/cms/pages/{page.pk}/edit/", page_form(**{"action-publish": "1"}))
    page.refresh_from_db()
    assert not page.live

    # She submits it for moderation.
    with django_capture_on_commit_callbacks(execute=True):
        response = sophie.post(f"/cms/pages/{page.pk}/edit/", page_form(**{"action-submit": "1"}))
    assert response.status_code == 302
    state = WorkflowState.objects.get(object_id=str(page.pk), status="in_progress")
    assert (
        Client()
        .get("/recherche/", {"q": "vente de garage"})
        .content.decode()
        .count('href="/vente-de-garage/"')
        == 0
    )
    assert Client().get("/vente-de-garage/").status_code == 404

    # Marc, a moderator, sees it waiting and approves it: it is published.
    marc = Client()
    sign_in(marc, moderator)
    assert "Vente de garage" in marc.get("/cms/").content.decode()
    task_state = state.current_task_state
    with django_capture_on_commit_callbacks(execute=True):
        response = marc.post(
            f"/cms/pages/workflow/action/{page.pk}/approve/{task_state.pk}/",
            {"comment": "Parfait."},
        )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    state.refresh_from_db()
    assert state.status == "approved"

    # Anyone can now read it and find it.
    public = Client()
    assert public.get("/vente-de-garage/").status_code == 200
    html = public.get("/recherche/", {"q": "vente de garage"}).content.decode()
    assert 'href="/vente-de-garage/"' in html
    assert (
        'href="/vente-de-garage/"' in public.get("/recherche/", {"q": "brocante"}).content.decode()
    )


def test_the_cms_is_in_french_and_a_citizen_cannot_enter_it(site, web_editor, citizen):
    editor = Client()
    sign_in(editor, web_editor)
    html = editor.get("/cms/").content.decode()
    assert 'lang="fr"' in html
    outsider = Client()
    outsider.force_login(citizen)
    assert outsider.get("/cms/").status_code == 302


def test_editors_can_write_under_the_home_page_but_only_moderators_publish(
    site, web_editor, moderator
):
    home: Page = site["home"]
    editor_perms = home.permissions_for_user(web_editor)
    assert editor_perms.can_add_subpage() and editor_perms.can_edit()
    assert not editor_perms.can_publish()
    assert home.permissions_for_user(moderator).can_publish()


def test_scheduled_publication_waits_for_its_date(site, web_editor, moderator):
    import datetime

    from django.utils import timezone

    page: Any = site["collectes"]
    page.title = "Collectes (nouvel horaire)"
    page.go_live_at = timezone.now() + datetime.timedelta(days=2)
    revision = page.save_revision(user=moderator, approved_go_live_at=page.go_live_at)
    revision.publish(user=moderator)
    page.refresh_from_db()
    assert page.title != "Collectes (nouvel horaire)"  # still the published version
    assert Client().get("/collectes/").content.decode().count("nouvel horaire") == 0
    # When the date comes, the scheduled revision is published by publish_scheduled.
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    # Beat runs the task every few minutes (eager here: in-process).
    from django.conf import settings

    from victo_crm.website.tasks import publish_scheduled

    assert (
        settings.CELERY_BEAT_SCHEDULE["website-publish-scheduled"]["task"] == publish_scheduled.name
    )
    publish_scheduled.delay()
    page.refresh_from_db()
    assert page.title == "Collectes (nouvel horaire)"
