"""Writing the outbox. Called inside the transaction of the event that causes it, so a
notification exists if and only if its event does (DESIGN invariant 1 and 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Notification, NotificationChannel

if TYPE_CHECKING:
    from victo_crm.service_requests.models import RequestEvent, ServiceRequest


def request_audience(request: ServiceRequest) -> list[tuple[int | None, str, str]]:
    """(user id, e-mail, language) of the requester and the request's followers."""
    audience: list[tuple[int | None, str, str]] = []
    citizen = request.citizen if request.citizen_id else None
    if citizen is not None:
        audience.append((citizen.pk, citizen.email, citizen.preferred_language))
    elif request.contact_email:
        audience.append((None, request.contact_email, request.language))
    for user in (f.user for f in request.followers.select_related("user")):
        if user.pk != request.citizen_id:
            audience.append((user.pk, user.email, user.preferred_language))
    return audience


def outbox_for_request_event(*, event: RequestEvent, kind: str) -> list[Notification]:
    """One row per person and channel for a public event of a request: e-mail to everyone,
    in-app to those with an account. The de-duplication key makes a replay a no-op."""
    request = event.request
    rows = []
    for user_id, email, language in request_audience(request):
        who = f"u{user_id}" if user_id else f"e:{email.lower()}"
        channels = [NotificationChannel.EMAIL]
        if user_id:
            channels.append(NotificationChannel.IN_APP)
        for channel in channels:
            rows.append(
                Notification(
                    recipient_id=user_id,
                    address=email if channel == NotificationChannel.EMAIL else "",
                    channel=channel,
                    language=language,
                    kind=kind,
                    request=request,
                    event=event,
                    context={"reference": request.reference},
                    dedup_key=f"{kind}:{event.pk}:{who}:{channel}",
                )
            )
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)
