"""What a citizen does after filing: comment, add photos, follow, reopen, rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.portal.conftest import close_request
from victo_crm.service_requests import citizen as actions
from victo_crm.service_requests.models import Attachment, EventKind, RequestEvent, RequestFollower
from victo_crm.service_requests.selectors import citizen_actions, reopen_deadline

pytestmark = pytest.mark.django_db


def test_marie_comments_on_her_request_and_the_team_sees_it(
    citizen: Any, marie_request: Any
) -> None:
    event = actions.service_request_comment(
        request=marie_request, citizen=citizen, text=" Toujours là "
    )
    assert (
        event.kind == EventKind.CITIZEN_COMMENT
        and event.is_public
        and event.message == "Toujours là"
    )
    marie_request.refresh_from_db()
    assert marie_request.citizen_updated_at is not None


def test_jean_cannot_comment_on_marie_s_request(other_citizen: Any, marie_request: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.service_request_comment(
            request=marie_request, citizen=other_citizen, text="Moi aussi"
        )


def test_an_empty_comment_is_refused_in_french(citizen: Any, marie_request: Any) -> None:
    with pytest.raises(ValidationError) as error:
        actions.service_request_comment(request=marie_request, citizen=citizen, text="   ")
    assert error.value.message_dict == {"text": ["Ce champ est obligatoire."]}


def test_photos_are_added_with_the_submission_checks(
    citizen: Any, marie_request: Any, make_image: Any, settings: Any
) -> None:
    event = actions.service_request_add_photos(
        request=marie_request, citizen=citizen, photos=[make_image("c.jpg")]
    )
    assert (
        event.kind == EventKind.ATTACHMENT and Attachment.objects.filter(event=event).count() == 1
    )
    settings.VICTO_MAX_ATTACHMENTS = 2
    with pytest.raises(ValidationError) as error:
        actions.service_request_add_photos(
            request=marie_request, citizen=citizen, photos=[make_image("d.jpg")]
        )
    assert "au plus 2 photos" in error.value.message_dict["photos"][0]


def test_a_pdf_renamed_png_is_refused_and_nothing_is_stored(
    citizen: Any, marie_request: Any
) -> None:
    import io

    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "facture.png"
    before = Attachment.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.service_request_add_photos(request=marie_request, citizen=citizen, photos=[fake])
    assert "n’est pas une image" in error.value.message_dict["photos"][0]
    assert Attachment.objects.count() == before
    assert not RequestEvent.objects.filter(kind=EventKind.ATTACHMENT).exists()


def test_jean_follows_marie_s_open_request_once(other_citizen: Any, marie_request: Any) -> None:
    first = actions.service_request_follow(request=marie_request, user=other_citizen)
    again = actions.service_request_follow(request=marie_request, user=other_citizen)
    assert first.pk == again.pk and RequestFollower.objects.count() == 1
    assert actions.service_request_unfollow(request=marie_request, user=other_citizen)
    assert not RequestFollower.objects.exists()


def test_marie_cannot_follow_her_own_request(citizen: Any, marie_request: Any) -> None:
    with pytest.raises(ValidationError):
        actions.service_request_follow(request=marie_request, user=citizen)


def test_marie_reopens_a_resolved_request_within_the_delay(
    citizen: Any, agent: Any, marie_request: Any
) -> None:
    closed = close_request(marie_request, agent, days_ago=3)
    event = actions.service_request_reopen(
        request=closed, citizen=citizen, reason="Le trou est revenu"
    )
    closed.refresh_from_db()
    assert closed.state.code == "rouverte" and closed.closed_at is None
    assert event.message == "Le trou est revenu" and event.actor == citizen


def test_reopening_needs_a_reason(citizen: Any, agent: Any, marie_request: Any) -> None:
    closed = close_request(marie_request, agent)
    with pytest.raises(ValidationError) as error:
        actions.service_request_reopen(request=closed, citizen=citizen, reason="")
    assert "reason" in error.value.message_dict


def test_reopening_after_the_delay_is_refused(
    citizen: Any, agent: Any, marie_request: Any, settings: Any
) -> None:
    settings.VICTO_REOPEN_DAYS = 30
    closed = close_request(marie_request, agent, days_ago=31)
    with pytest.raises(ValidationError) as error:
        actions.service_request_reopen(request=closed, citizen=citizen, reason="Encore")
    assert "30 jours" in error.value.message_dict["reason"][0]


def test_jean_cannot_reopen_marie_s_request(
    other_citizen: Any, agent: Any, marie_request: Any
) -> None:
    closed = close_request(marie_request, agent)
    with pytest.raises(PermissionDenied):
        actions.service_request_reopen(request=closed, citizen=other_citizen, reason="Non")


def test_an_open_request_cannot_be_reopened(citizen: Any, marie_request: Any) -> None:
    with pytest.raises(ValidationError):
        actions.service_request_reopen(request=marie_request, citizen=citizen, reason="?")


def test_marie_rates_a_closed_request_once(citizen: Any, agent: Any, marie_request: Any) -> None:
    closed = close_request(marie_request, agent)
    actions.service_request_rate(request=closed, citizen=citizen, rating=4, comment="Rapide")
    closed.refresh_from_db()
    assert closed.rating == 4 and closed.rating_comment == "Rapide" and closed.rated_at
    with pytest.raises(ValidationError) as error:
        actions.service_request_rate(request=closed, citizen=citizen, rating=5)
    assert "déjà évalué" in error.value.message_dict["rating"][0]


@pytest.mark.parametrize("rating", [0, 6, "abc", None])
def test_a_rating_outside_1_to_5_is_refused(
    citizen: Any, agent: Any, marie_request: Any, rating: Any
) -> None:
    closed = close_request(marie_request, agent)
    with pytest.raises(ValidationError):
        actions.service_request_rate(request=closed, citizen=citizen, rating=rating)


def test_an_open_request_cannot_be_rated(citizen: Any, marie_request: Any) -> None:
    with pytest.raises(ValidationError) as error:
        actions.service_request_rate(request=marie_request, citizen=citizen, rating=5)
    assert "une fois fermée" in error.value.message_dict["rating"][0]


def test_only_the_requester_rates(other_citizen: Any, agent: Any, marie_request: Any) -> None:
    closed = close_request(marie_request, agent)
    with pytest.raises(PermissionDenied):
        actions.service_request_rate(request=closed, citizen=other_citizen, rating=5)


def test_reopen_deadline_is_counted_from_the_closing(agent: Any, marie_request: Any) -> None:
    assert reopen_deadline(marie_request) is None
    closed = close_request(marie_request, agent)
    assert reopen_deadline(closed) - closed.closed_at == timedelta(days=30)
    assert closed.closed_at <= timezone.now()


# --- One answer to "what may she do with it", read by the portal, the app and the services ---


def test_while_open_marie_may_add_photos_but_not_reopen_nor_rate(
    citizen: Any, marie_request: Any
) -> None:
    allowed = citizen_actions(marie_request, citizen)
    assert allowed.requester and allowed.add_photos
    assert not allowed.reopen and not allowed.rate
    assert allowed.reopen_refusal == "Cette requête n’est pas fermée."


def test_once_closed_marie_may_reopen_until_the_deadline_and_rate_once(
    citizen: Any, agent: Any, marie_request: Any, django_assert_num_queries: Any
) -> None:
    closed = close_request(marie_request, agent)
    with django_assert_num_queries(1):  # the reopen transition
        allowed = citizen_actions(closed, citizen)
    assert allowed.reopen and allowed.rate and not allowed.add_photos
    assert allowed.reopen_deadline == closed.closed_at + timedelta(days=30)
    actions.service_request_rate(request=closed, citizen=citizen, rating=5)
    assert not citizen_actions(closed, citizen).rate


def test_the_photo_service_refuses_what_the_one_answer_refuses(
    citizen: Any, agent: Any, marie_request: Any, make_image: Any
) -> None:
    """The service reads the same answer as the portal's form and the app's flag: no
    photo on a closed request (a stale page or a hand-made call), nothing stored."""
    closed = close_request(marie_request, agent)
    assert citizen_actions(closed, citizen).add_photos_refusal == (
        "Cette requête est fermée\u00a0: on ne peut plus y ajouter de photos."
    )
    stored = Attachment.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.service_request_add_photos(
            request=closed, citizen=citizen, photos=[make_image("e.jpg")]
        )
    assert "fermée" in error.value.message_dict["photos"][0]
    assert Attachment.objects.count() == stored


def test_past_the_deadline_reopening_is_neither_offered_nor_accepted(
    citizen: Any, agent: Any, marie_request: Any
) -> None:
    closed = close_request(marie_request, agent, days_ago=31)
    allowed = citizen_actions(closed, citizen)
    assert not allowed.reopen and "30 jours" in allowed.reopen_refusal


def test_a_follower_or_a_stranger_may_do_nothing(
    other_citizen: Any, agent: Any, marie_request: Any, django_assert_num_queries: Any
) -> None:
    closed = close_request(marie_request, agent)
    for person in (other_citizen, None):
        with django_assert_num_queries(0):
            allowed = citizen_actions(closed, person)
        assert not (allowed.requester or allowed.add_photos or allowed.reopen or allowed.rate)
