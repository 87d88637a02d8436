"""My notices ("Mes avis"): Marie reads her in-app notifications, newest first, and marks
them read one at a time or all at once; Jean never learns that Marie's exist."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from victo_crm.notifications.models import Notification

pytestmark = pytest.mark.django_db

INBOX = "/portail/avis/"
_keys = itertools.count()
CSRF = re.compile(r'"csrf": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def notice(user: Any, subject: str = "Votre requête avance", **extra: Any) -> Notification:
    """An in-app notification delivered to ``user`` (the outbox writes them ``sent``)."""
    values: dict[str, Any] = {
        "recipient": user,
        "channel": "in_app",
        "status": "sent",
        "kind": "request_update",
        "dedup_key": f"test-inbox:{next(_keys)}",
        "subject": subject,
        "body": "Une équipe s’en occupe.",
    }
    values.update(extra)
    return Notification.objects.create(**values)


def aged(notification: Notification, minutes: int) -> Notification:
    """Move a notification back in time (created_at is set on insert)."""
    moment = timezone.now() - timedelta(minutes=minutes)
    Notification.objects.filter(pk=notification.pk).update(created_at=moment)
    notification.created_at = moment
    return notification


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The page ---------------------------------------------------------------------------------


def test_the_urls_are_the_french_ones() -> None:
    assert reverse("portal:inbox") == INBOX
    assert reverse("portal:inbox_mark_read", args=[7]) == "/portail/avis/7/lu/"
    assert reverse("portal:inbox_mark_all_read") == "/portail/avis/tout-lu/"


def test_an_anonymous_visitor_is_asked_to_sign_in(client: Client) -> None:
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/portail/avis/" in response["Location"]


def test_marie_sees_her_notices_newest_first_with_their_details(
    marie: Client, citizen: Any, other_citizen: Any
) -> None:
    aged(notice(citizen, "La plus ancienne"), 60)
    notice(
        citizen,
        "Avis d’ébullition",
        body="Faites bouillir l’eau.\nJusqu’à nouvel ordre.",
        is_emergency=True,
        link="/alertes/",
    )
    notice(other_citizen, "Celle de Jean")
    notice(citizen, "Un courriel", channel="email", address=citizen.email)
    notice(citizen, "Pas encore livrée", status="pending")

    response = marie.get(INBOX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Mes avis</h1>" in html
    assert html.index("Avis d’ébullition") < html.index("La plus ancienne")
    assert "Celle de Jean" not in html
    assert "Un courriel" not in html and "Pas encore livrée" not in html
    assert "Faites bouillir l’eau.<br>Jusqu’à nouvel ordre." in html
    assert '<span class="badge badge--late">Urgent</span>' in html
    assert '<a href="/alertes/">Avis d’ébullition</a>' in html
    assert "<time" in html


def test_unread_notices_say_so_in_words_and_read_ones_do_not(marie: Client, citizen: Any) -> None:
    unread = notice(citizen, "Pas lue")
    read = notice(citizen, "Déjà lue", read_at=timezone.now())

    html = marie.get(INBOX).content.decode()

    def item(n: Notification) -> str:
        start = html.index(f'id="avis-{n.pk}"')
        return html[start : html.index("</li>", start)]

    assert "Non lu" in item(unread) and "inbox-item--unread" in html
    assert "Marquer comme lu" in item(unread)
    assert "Non lu" not in item(read) and "Marquer comme lu" not in item(read)
    assert "Vous avez 1 avis non lu." in html


def test_opening_the_inbox_marks_nothing_read(marie: Client, citizen: Any) -> None:
    n = notice(citizen)
    marie.get(INBOX)
    marie.get(INBOX)
    n.refresh_from_db()
    assert n.read_at is None


def test_the_body_and_subject_are_text_not_html(marie: Client, citizen: Any) -> None:
    notice(citizen, "<b>gras</b>", body="<script>alert(1)</script>")
    html = marie.get(INBOX).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("/portail/mes-requetes/VIC-1/", "/portail/mes-requetes/VIC-1/"),
        ("http://testserver/alertes/mon-calendrier/", "/alertes/mon-calendrier/"),
        ("https://evil.example.com/", None),
        ("javascript:alert(1)", None),
        ("//evil.example.com/", None),
        ("mes-requetes/", None),
    ],
)
def test_only_links_to_this_site_are_offered(
    marie: Client, citizen: Any, settings: Any, link: str, shown: str | None
) -> None:
    settings.SITE_URL = "https://crm.victoriaville.ca"
    notice(citizen, "Un lien", link=link)
    html = marie.get(INBOX).content.decode()
    if shown is None:
        assert "<a href" not in html.split('class="inbox-list"')[1].split("</ul>")[0]
        assert "Un lien" in html
    else:
        assert f'<a href="{shown}">Un lien</a>' in html


def test_a_link_to_the_site_address_becomes_a_path(
    marie: Client, citizen: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://crm.victoriaville.ca"
    notice(citizen, "Sur le site", link="https://crm.victoriaville.ca/portail/mes-requetes/X/")
    html = marie.get(INBOX).content.decode()
    assert '<a href="/portail/mes-requetes/X/">Sur le site</a>' in html


def test_an_empty_inbox_says_so(marie: Client) -> None:
    response = marie.get(INBOX)
    html = response.content.decode()
    assert "Vous n’avez aucun avis pour l’instant." in html
    assert "Tout marquer comme lu" not in html
    assert reverse("alerts:index") in html


def test_the_inbox_pages_by_20_newest_first(marie: Client, citizen: Any) -> None:
    made = [aged(notice(citizen, f"Avis numéro {i:02d}"), 100 - i) for i in range(45)]
    newest_first = [n.subject for n in reversed(made)]

    first = marie.get(INBOX)
    assert [n.subject for n in first.context["page"].items] == newest_first[:20]
    assert "Plus récents" not in first.content.decode()
    older = first.context["page"].older
    assert older and f"?avant={older}" in first.content.decode()

    second = marie.get(INBOX, {"avant": older})
    page2 = second.context["page"]
    assert [n.subject for n in page2.items] == newest_first[20:40]
    assert page2.newer

    third = marie.get(INBOX, {"avant": page2.older})
    assert [n.subject for n in third.context["page"].items] == newest_first[40:]
    assert third.context["page"].older is None

    back = marie.get(INBOX, {"apres": third.context["page"].newer})
    assert [n.subject for n in back.context["page"].items] == newest_first[20:40]
    back_to_first = marie.get(INBOX, {"apres": back.context["page"].newer})
    assert [n.subject for n in back_to_first.context["page"].items] == newest_first[:20]


def test_a_broken_cursor_shows_the_first_page(marie: Client, citizen: Any) -> None:
    notice(citizen, "Le seul")
    for junk in ("abc", "1-2-3", "9" * 40 + "-1"):
        response = marie.get(INBOX, {"avant": junk})
        assert response.status_code == 200
        assert "Le seul" in response.content.decode()


# --- The navigation ---------------------------------------------------------------------------


def test_the_nav_shows_the_unread_count_with_words_for_screen_readers(
    marie: Client, citizen: Any
) -> None:
    notice(citizen)
    notice(citizen)
    notice(citizen, read_at=timezone.now())
    html = marie.get(reverse("portal:my_requests")).content.decode()
    assert (
        'Mes avis <span class="nav-count">(2<span class="visually-hidden"> non lus</span>)' in html
    )
    assert f'href="{reverse("alerts:index")}">Alertes et collectes</a>' in html


def test_the_nav_marks_the_inbox_as_the_current_page(marie: Client, citizen: Any) -> None:
    notice(citizen)
    html = marie.get(INBOX).content.decode()
    assert f'<a href="{INBOX}" aria-current="page">Mes avis <span class="nav-count">(1' in html
    assert '<span class="visually-hidden"> non lu</span>' in html


def test_without_unread_notices_the_nav_shows_no_number(marie: Client, citizen: Any) -> None:
    notice(citizen, read_at=timezone.now())
    html = marie.get(reverse("portal:profile")).content.decode()
    assert f'<a href="{INBOX}">Mes avis</a>' in html


def test_anonymous_visitors_see_the_alerts_link_and_pay_no_count(client: Client, db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("portal:home")).content.decode()
    assert not [q for q in queries if "notifications_notification" in q["sql"]]
    assert "Alertes et collectes" in html
    assert "Mes avis" not in html


# --- Marking read -----------------------------------------------------------------------------


def test_marie_marks_one_notice_read(marie: Client, citizen: Any) -> None:
    n = notice(citizen)
    other = notice(citizen)

    response = marie.post(reverse("portal:inbox_mark_read", args=[n.pk]))

    assert response.status_code == 303
    assert response["Location"] == f"{INBOX}#avis-{n.pk}"
    assert texts(response) == ["L’avis est marqué comme lu."]
    n.refresh_from_db()
    other.refresh_from_db()
    assert n.read_at is not None and other.read_at is None


def test_marking_read_returns_to_the_same_page(marie: Client, citizen: Any) -> None:
    n = notice(citizen)
    response = marie.post(
        reverse("portal:inbox_mark_read", args=[n.pk]), {"avant": "123-4", "apres": "x"}
    )
    assert response["Location"] == f"{INBOX}?avant=123-4#avis-{n.pk}"


def test_marking_an_already_read_notice_again_is_harmless(marie: Client, citizen: Any) -> None:
    n = notice(citizen, read_at=timezone.now() - timedelta(days=1))
    response = marie.post(reverse("portal:inbox_mark_read", args=[n.pk]))
    assert response.status_code == 303
    before = n.read_at
    n.refresh_from_db()
    assert n.read_at == before


def test_marie_marks_all_her_notices_read_and_only_hers(
    marie: Client, citizen: Any, other_citizen: Any
) -> None:
    mine = [notice(citizen), notice(citizen, is_emergency=True)]
    jeans = notice(other_citizen)

    response = marie.post(reverse("portal:inbox_mark_all_read"))

    assert response.status_code == 303
    assert response["Location"] == INBOX
    assert texts(response) == ["Tous vos avis sont marqués comme lus."]
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=jeans.pk).read_at is None
    after = marie.get(INBOX).content.decode()
    assert "Non lu" not in after and "Tout marquer comme lu" not in after


def test_mark_all_with_nothing_unread_says_so(marie: Client, citizen: Any) -> None:
    response = marie.post(reverse("portal:inbox_mark_all_read"))
    assert response.status_code == 303
    assert texts(response) == ["Vous n’aviez aucun avis non lu."]


def test_jean_cannot_mark_maries_notice_and_cannot_tell_it_exists(
    jean: Client, citizen: Any
) -> None:
    n = notice(citizen)
    theirs = jean.post(reverse("portal:inbox_mark_read", args=[n.pk]))
    unknown = jean.post(reverse("portal:inbox_mark_read", args=[n.pk + 1000]))
    assert theirs.status_code == unknown.status_code == 404

    # The same page, but for the CSRF token and the address (in the language switch).
    def same(response: Any, pk: int) -> str:
        return CSRF.sub("", response.content.decode()).replace(f"/avis/{pk}/", "/avis/N/")

    assert same(theirs, n.pk) == same(unknown, n.pk + 1000)
    n.refresh_from_db()
    assert n.read_at is None


def test_an_id_too_large_for_the_database_is_a_plain_404(marie: Client) -> None:
    assert marie.post("/portail/avis/99999999999999999999999/lu/").status_code == 404


def test_a_notice_not_delivered_in_app_cannot_be_marked(marie: Client, citizen: Any) -> None:
    email = notice(citizen, channel="email", address=citizen.email)
    pending = notice(citizen, status="pending")
    for n in (email, pending):
        assert marie.post(reverse("portal:inbox_mark_read", args=[n.pk])).status_code == 404


def test_anonymous_visitors_cannot_mark_anything(client: Client, citizen: Any) -> None:
    n = notice(citizen)
    assert client.post(reverse("portal:inbox_mark_read", args=[n.pk])).status_code == 404
    response = client.post(reverse("portal:inbox_mark_all_read"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    n.refresh_from_db()
    assert n.read_at is None


def test_marking_takes_a_post_only(marie: Client, citizen: Any) -> None:
    n = notice(citizen)
    assert marie.get(reverse("portal:inbox_mark_read", args=[n.pk])).status_code == 404
    assert marie.get(reverse("portal:inbox_mark_all_read")).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_marking_needs_the_csrf_token(citizen: Any, verified: None) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen)
    n = notice(citizen)

    assert browser.post(reverse("portal:inbox_mark_read", args=[n.pk])).status_code == 403
    assert browser.post(reverse("portal:inbox_mark_all_read")).status_code == 403
    n.refresh_from_db()
    assert n.read_at is None

    page = browser.get(INBOX)
    token = page.context["csrf_token"]
    response = browser.post(
        reverse("portal:inbox_mark_read", args=[n.pk]), {"csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 303
    n.refresh_from_db()
    assert n.read_at is not None


# --- Cost -------------------------------------------------------------------------------------


def test_a_full_page_costs_a_fixed_number_of_queries(
    marie: Client, citizen: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(45):
        notice(citizen, f"Avis {i}", is_emergency=i % 5 == 0, link="/alertes/")
    first = marie.get(INBOX)
    with django_assert_max_num_queries(5):
        response = marie.get(INBOX)
    assert len(response.context["page"].items) == 20
    with django_assert_max_num_queries(5):
        response = marie.get(INBOX, {"avant": first.context["page"].older})
    assert len(response.context["page"].items) == 20


def test_the_unread_count_costs_one_query_on_other_pages(marie: Client, citizen: Any) -> None:
    notice(citizen)
    with CaptureQueriesContext(connection) as queries:
        marie.get(reverse("portal:my_data"))
    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0]
