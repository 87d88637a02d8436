"""Reads of the Open311 server. Public documents only: nothing here reads a name, an
e-mail address, a phone number or an account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet

from victo_crm.service_requests.models import (
    Attachment,
    EventKind,
    RequestEvent,
    RequestType,
    ServiceRequest,
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


def _public_requests() -> QuerySet[ServiceRequest]:
    return (
        ServiceRequest.objects.select_related("request_type", "state", "team", "address")
        .only(
            "pk",
            "reference",
            "created_at",
            "updated_at",
            "due_at",
            "description",
            "location_text",
            "latitude",
            "longitude",
            "request_type__code",
            "request_type__name_fr",
            "request_type__name_en",
            "state__open311_status",
            "state__citizen_label_fr",
            "state__citizen_label_en",
            "team__name_fr",
            "team__name_en",
            "address__postal_code",
        )
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(is_public=True)
                .exclude(public_file="")
                .only("pk", "request_id", "public_file"),
                to_attr="public_attachments",
            )
        )
    )


def open311_requests(
    *,
    references: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    offset: int = 0,
    limit: int = MAX_RESULTS,
) -> list[ServiceRequest]:
    qs = _public_requests()
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
    return list(qs.order_by("-created_at", "-pk")[offset : offset + limit])


def open311_request(reference: str) -> ServiceRequest | None:
    return _public_requests().filter(reference=reference).first()


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
