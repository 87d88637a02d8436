"""Reads of the Open311 server. Public documents only: nothing here reads a name, an
e-mail address, a phone number or an account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from victo_crm.service_requests.models import (
    EventKind,
    RequestEvent,
    RequestType,
    ServiceRequest,
)
from victo_crm.service_requests.selectors import (
    PublicRequestView,
    public_request_views,
    public_requests,
    published_type_ids,
)
from victo_crm.service_requests.services import hash_token

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


def open311_requests(
    *,
    references: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    offset: int = 0,
    limit: int = MAX_RESULTS,
) -> list[PublicRequestView]:
    """Requests as the public sees them (``service_requests.selectors.public_requests``):
    those of unpublished types are not there at all."""
    qs = public_requests()
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
    return public_request_views(qs.order_by("-created_at", "-pk")[offset : offset + limit])


def open311_request(reference: str) -> PublicRequestView | None:
    found = public_request_views(public_requests().filter(reference=reference)[:1])
    return found[0] if found else None


def open311_reference_for_token(token: str) -> str | None:
    """The reference of the request a POST answered with ``token`` (random; only its hash
    is stored, so the database cannot hand tokens out)."""
    token = (token or "").strip()
    if not token or len(token) > 100:
        return None
    return (
        ServiceRequest.objects.filter(open311_token_hash=hash_token(token))
        .values_list("reference", flat=True)
        .first()
    )


def open311_updates(
    *, start: dt.datetime, end: dt.datetime, offset: int = 0, limit: int = MAX_RESULTS
) -> list[RequestEvent]:
    qs: QuerySet[Any] = (
        RequestEvent.objects.filter(
            # Updates of requests of unpublished types would disclose that they exist.
            request__request_type_id__in=published_type_ids(),
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
