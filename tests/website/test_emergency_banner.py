"""An emergency notice in force appears on every page of the website (a banner) and on the
home page; it disappears when it ends. Publishing a notice refreshes cached pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

alerts_models = pytest.importorskip("victo_crm.alerts.models")

pytestmark = pytest.mark.django_db


def boil_water_notice(**fields):
    topic = alerts_models.AlertTopic.objects.filter(
        category=alerts_models.TopicCategory.EMERGENCY
    ).first() or alerts_models.AlertTopic.objects.create(
        code="urgences", category=alerts_models.TopicCategory.EMERGENCY, name_fr="Urgences"
    )
    values = {
        "topic": topic,
        "severity": alerts_models.Severity.EMERGENCY,
        "title_fr": "Avis d’ébullition préventif",
        "title_en": "Precautionary boil-water advisory",
        "body_fr": "Faites bouillir l’eau une minute avant de la boire.",
        "body_en": "Boil water for one minute before drinking it.",
        "starts_at": timezone.now() - datetime.timedelta(hours=1),
        "status": alerts_models.NoticeStatus.PUBLISHED,
        "published_at": timezone.now(),
    }
    values.update(fields)
    return alerts_models.Notice.objects.create(**values)


def test_no_banner_without_an_emergency(client, site):
    assert "Avis d’urgence en vigueur" not in client.get("/collectes/").content.decode()


def test_an_emergency_shows_on_every_page_in_the_page_language(client, site):
    client.get("/collectes/")  # cached before the notice exists
    boil_water_notice()
    page = client.get("/collectes/").content.decode()
    assert "Avis d’ébullition préventif" in page
    assert "Avis d’ébullition préventif" in client.get("/").content.decode()
    assert (
        "Precautionary boil-water advisory" in client.get("/en/waste-collection/").content.decode()
    )


def test_an_ended_or_minor_notice_is_not_a_banner(client, site):
    boil_water_notice(ends_at=timezone.now() - datetime.timedelta(minutes=5))
    boil_water_notice(
        title_fr="Travaux rue Laurier",
        severity=alerts_models.Severity.INFO,
        topic=alerts_models.AlertTopic.objects.exclude(
            category=alerts_models.TopicCategory.EMERGENCY
        ).first()
        or alerts_models.AlertTopic.objects.create(
            code="travaux", category="road_works", name_fr="Travaux"
        ),
    )
    html = client.get("/collectes/").content.decode()
    assert "Avis d’ébullition préventif" not in html
    assert "Travaux rue Laurier" not in html


def test_a_withdrawn_emergency_leaves_cached_pages_though_no_signal_is_sent(
    client, site, settings, web_editor
):
    """notice_withdraw writes with UPDATE (no post_save): the cache still sees it, as every
    process does within a second (here, at once)."""
    from victo_crm.alerts.services import notice_withdraw

    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 0
    notice = boil_water_notice()
    assert "Avis d’ébullition préventif" in client.get("/collectes/").content.decode()
    cached = client.get("/collectes/")
    assert cached.has_header("Age")  # from the cache
    assert "Avis d’ébullition préventif" in cached.content.decode()
    notice_withdraw(notice=notice, actor=web_editor)
    assert "Avis d’ébullition préventif" not in client.get("/collectes/").content.decode()
    assert "Avis d’ébullition préventif" not in client.get("/").content.decode()


def test_an_emergency_shows_once_its_start_time_has_come(client, site, settings):
    settings.VICTO_WEBSITE_CACHE_CHECK_SECONDS = 0
    notice = boil_water_notice(starts_at=timezone.now() + datetime.timedelta(hours=1))
    assert "Avis d’ébullition préventif" not in client.get("/collectes/").content.decode()
    # An hour later (moved back rather than waited for; nothing is saved at that moment).
    alerts_models.Notice.objects.filter(pk=notice.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "Avis d’ébullition préventif" in client.get("/collectes/").content.decode()
