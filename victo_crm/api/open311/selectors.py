"""Reads of the Open311 server. Public documents only: nothing here reads a name, an
e-mail address, a phone number or an account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from victo_crm.accounts.models import Team
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.models import (
    Attachment,
    EventKind,
    RequestEvent,
    RequestType,
    ServiceRequest,
    State,
)

MAX_RESULTS = 1000
PUBLIC_UPDATE_KINDS = (EventKind.SUBMITTED, EventKind.TRANSITION)


def open311_services() -> QuerySet[RequestType]:
    return (
        RequestType.objects.filter(is_active=True)
        .select_related("group")
        .prefetch_related("fields")
        .order_by("group__order", "order", "name_fr")
    )


def open311_service(code: str) -> RequestType | None:
    return open311_services().filter(code=code).first()


# The public columns of a request; names, e-mail addresses and phones are never read.
_PUBLIC_COLUMNS = (
    "pk",
    "reference",
    "created_at",
    "updated_at",
    "due_at",
    "description",
    "location_text",
    "latitude",
    "longitude",
    "address_id",
    "address__postal_code",
    "request_type_id",
    "state_id",
    "team_id",
)


@dataclass(frozen=True)
class PublicRequest:
    """What Open311 shows of a request: flat columns, with its type, state and team from the
    configuration kept in memory and the path of its first public photo. Up to 1,000 of
    them per call, so no model instances."""

    row: dict[str, Any]
    request_type: RequestType
    state: State
    team: Team
    media_path: str | None


def _public(qs: QuerySet[ServiceRequest]) -> list[PublicRequest]:
    rows = list(qs.values(*_PUBLIC_COLUMNS))
    if not rows:
        return []
    media: dict[int, str] = {}
    photos = (
        Attachment.objects.filter(request_id__in=[row["pk"] for row in rows], is_public=True)
        .exclude(public_file="")
        .values_list("request_id", "public_file")
    )
    for request_id, path in photos:  # oldest first (Attachment's ordering): keep the first
        media.setdefault(request_id, path)
    config = catalogue()
    return [
        PublicRequest(
            row=row,
            request_type=config.by_pk[row["request_type_id"]],
            state=config.states[row["state_id"]],
            team=config.teams[row["team_id"]],
            media_path=media.get(row["pk"]),
        )
        for row in rows
    ]


def open311_requests(
    *,
    references: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    offset: int = 0,
    limit: int = MAX_RESULTS,
) -> list[PublicRequest]:
    qs = ServiceRequest.objects.all()
    if references:
        qs = qs.filter(reference__in=references)
    else:
        if service_codes:
            qs = qs.filter(request_type__code__in=service_codes)
        if statuses:
            qs = qs.filter(state__open311_status__in=statuses)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
    return _public(qs.order_by("-created_at", "-pk")[offset : offset + limit])


def open311_request(reference: str) -> PublicRequest | None:
    found = _public(ServiceRequest.objects.filter(reference=reference)[:1])
    return found[0] if found else None


def open311_updates(
    *, start: dt.datetime, end: dt.datetime, offset: int = 0, limit: int = MAX_RESULTS
) -> list[RequestEvent]:
    qs: QuerySet[Any] = (
        RequestEvent.objects.filter(
            is_public=True,
            kind__in=PUBLIC_UPDATE_KINDS,
            created_at__gte=start,
            created_at__lte=end,
        )
        .select_related("request", "to_state", "transition")
        .only(
            "pk",
            "kind",
            "created_at",
            "request__reference",
            "to_state__open311_status",
            "to_state__citizen_label_fr",
            "to_state__citizen_label_en",
            "transition__label_fr",
            "transition__label_en",
        )
        .order_by("created_at", "pk")
    )
    return list(qs[offset : offset + limit])
