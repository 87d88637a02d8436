"""Reads of the portal's busiest page, My requests, shaped for a citizen with a thousand
requests among a million.

* No total count: counting a long-time citizen's requests reads every one of their rows.
  Pages are keyset paginated on (created_at, id) — "older than this one" — so page 30 costs
  what page 1 costs, and a request filed meanwhile never shifts a page.
* "Open" is ``closed_at IS NULL`` (the workflow engine sets ``closed_at`` exactly when a
  request reaches a final state), served by the partial index ``portal_citizen_open``
  (migration portal 0002); the other lists use the (citizen, -created_at) index.
* Own requests and followed ones are read by two queries, each in index order with a limit,
  and merged here: one query with an OR between them makes PostgreSQL read and sort all of
  the citizen's rows.
* Only the columns the list shows are read.

Same rules as ``service_requests.selectors.requests_for_citizen`` (own and followed requests,
newest first), which the mobile API pages with offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from victo_crm.service_requests.models import RequestFollower, ServiceRequest

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

OPEN = "open"
CLOSED = "closed"
PAGE_SIZE = 20
LIST_FIELDS = (
    "reference",
    "created_at",
    "location_text",
    "latitude",
    "longitude",
    "address_is_nearest",
    "address__civic_number",
    "address__civic_suffix",
    "address__street",
    "address__unit",
    "address__city",
    "citizen_id",
    "request_type__name_fr",
    "request_type__name_en",
    "state__citizen_label_fr",
    "state__citizen_label_en",
    "state__is_final",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,20})-(\d{1,20})$")


def encode_cursor(row: Any) -> str:
    """A position in a list newest first (my requests, my notices): the row's creation time
    (µs) and id, both exact."""
    micros = (row.created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{row.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    match = _CURSOR.match(value or "")
    if not match:
        return None
    try:
        moment = _EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        return None
    return moment, int(match.group(2))


@dataclass
class KeysetPage:
    """A page of a list newest first (my requests, my notices)."""

    items: list[Any]
    newer: str | None  # cursor of the page before (newer rows), "" for the first page
    older: str | None  # cursor of the page after (older rows)

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


# fetch(before, after, size): up to ``size`` rows older than ``before`` (newest first), or
# newer than ``after`` (oldest first), or the newest; sorted.
Fetch = Callable[[tuple[datetime, int] | None, tuple[datetime, int] | None, int], list[Any]]


def keyset_page(fetch: Fetch, *, before: str = "", after: str = "") -> KeysetPage:
    """The first page, the one older than the ``before`` cursor, or the one newer than the
    ``after`` cursor (shown newest first), without a total count: page 30 costs what page 1
    costs, and a row arriving meanwhile never shifts a page."""
    before_key, after_key = decode_cursor(before), decode_cursor(after)
    if after_key is not None:
        before_key = None
    rows = fetch(before_key, after_key, PAGE_SIZE + 1)  # one more: is there a page beyond?
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if after_key is not None:
        if not more:  # back at the newest rows: that is the first page, full
            return keyset_page(fetch)
        rows.reverse()  # read upwards from the cursor; shown newest first
        return KeysetPage(rows, encode_cursor(rows[0]), encode_cursor(rows[-1]))
    newer: str | None = None
    if before_key is not None:
        newer = encode_cursor(rows[0]) if rows else ""
    return KeysetPage(rows, newer, encode_cursor(rows[-1]) if more else None)


def _with_status(qs: QuerySet[ServiceRequest], status: str | None) -> QuerySet[ServiceRequest]:
    if status == OPEN:
        return qs.filter(closed_at__isnull=True)
    if status == CLOSED:
        return qs.filter(closed_at__isnull=False)
    return qs


def keyset_window(
    qs: QuerySet[Any],
    *,
    before: tuple[datetime, int] | None,
    after: tuple[datetime, int] | None,
    size: int,
) -> list[Any]:
    """Up to ``size`` rows of ``qs`` (ordered by ``created_at`` then id) older than
    ``before``, or newer than ``after`` (then oldest first), or the newest."""
    if after is not None:
        moment, pk = after
        qs = qs.filter(created_at__gte=moment).exclude(created_at=moment, pk__lte=pk)
        return list(qs.order_by("created_at", "pk")[:size])
    if before is not None:
        moment, pk = before
        qs = qs.filter(created_at__lte=moment).exclude(created_at=moment, pk__gte=pk)
    return list(qs.order_by("-created_at", "-pk")[:size])


def my_requests_page(
    user: User, *, status: str | None = None, before: str = "", after: str = ""
) -> KeysetPage:
    """A page of the citizen's own and followed requests, newest first (``keyset_page``).
    Two or three queries whatever the number of requests."""
    if user is None or not user.is_authenticated:
        return KeysetPage([], None, None)
    base = ServiceRequest.objects.select_related("request_type", "state", "address").only(
        *LIST_FIELDS
    )
    followed = list(RequestFollower.objects.filter(user=user).values_list("request_id", flat=True))

    def fetch(
        before_key: tuple[datetime, int] | None, after_key: tuple[datetime, int] | None, size: int
    ) -> list[Any]:
        rows = keyset_window(
            _with_status(base.filter(citizen=user), status),
            before=before_key,
            after=after_key,
            size=size,
        )
        if followed:
            rows += keyset_window(
                _with_status(base.filter(pk__in=followed).exclude(citizen=user), status),
                before=before_key,
                after=after_key,
                size=size,
            )
        rows.sort(key=lambda r: (r.created_at, r.pk), reverse=after_key is None)
        return rows

    return keyset_page(fetch, before=before, after=after)


def open_requests_count(user: User) -> int:
    """How many of the citizen's own and followed requests are open (the home page)."""
    if user is None or not user.is_authenticated:
        return 0
    followed = list(RequestFollower.objects.filter(user=user).values_list("request_id", flat=True))
    own = ServiceRequest.objects.filter(citizen=user, closed_at__isnull=True).count()
    if not followed:
        return own
    return own + (
        ServiceRequest.objects.filter(pk__in=followed, closed_at__isnull=True)
        .exclude(citizen=user)
        .count()
    )
