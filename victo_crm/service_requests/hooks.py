"""The one place where the requests call work that lives above them.

A request's event and the outbox rows its notification rules call for are written in one
transaction (DESIGN invariant 1). The rules and the outbox belong to ``notifications``,
which sits above the requests (it reads requests, types and states to word its messages),
so the requests do not import it: ``NotificationsConfig.ready`` hands its writer to
``set_event_listener`` when Django starts, and every request service that records an event
calls ``request_event_recorded`` inside its transaction. Without a listener the services
refuse to run rather than lose a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import RequestEvent, ServiceRequest


class EventListener(Protocol):
    def __call__(
        self,
        *,
        event: RequestEvent,
        kind: str,
        notify_citizen: bool = True,
        request: ServiceRequest | None = None,
        new: bool = False,
    ) -> Any: ...


_listener: EventListener | None = None


def set_event_listener(listener: EventListener) -> None:
    """Called once, by the app that writes the outbox, from its ``AppConfig.ready``."""
    global _listener
    _listener = listener


def request_event_recorded(
    *,
    event: RequestEvent,
    kind: str,
    notify_citizen: bool = True,
    request: ServiceRequest | None = None,
    new: bool = False,
) -> None:
    """Tell the listener (the outbox) about ``event``, of kind ``kind`` (a notification
    rule's event: request_received, state_changed, public_reply, request_merged).

    ``request``: the request as the service has just written it, in this transaction (its
    state, type, team, citizen and assignee), so it is not read again; without it the
    listener reads it. ``new``: the submission's request and event, created in this
    transaction (no follower, no outbox row yet). ``notify_citizen=False``: only staff
    recipients are considered."""
    if _listener is None:
        raise ImproperlyConfigured(
            "No listener for request events: is victo_crm.notifications in INSTALLED_APPS?"
        )
    _listener(event=event, kind=kind, notify_citizen=notify_citizen, request=request, new=new)
