"""The recurrence engine of collection calendars: regular dates, then exceptions.

A holiday exception without a calendar moves only the collections that fall on that date,
in whichever calendars have one; a calendar's own exception wins over a town-wide one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import CollectionCalendar, CollectionException, ExceptionKind, Frequency

MARGIN = timedelta(days=21)  # a moved collection may come from outside the window


@dataclass(frozen=True)
class Occurrence:
    date: dt.date
    calendar: CollectionCalendar
    original_date: dt.date | None = None  # set when moved or cancelled
    cancelled: bool = False
    reason: str = ""

    @property
    def moved(self) -> bool:
        return self.original_date is not None and not self.cancelled


def _month_day(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


def in_season(calendar: CollectionCalendar, day: date) -> bool:
    if not (calendar.season_start and calendar.season_end):
        return True
    start, end = _month_day(calendar.season_start), _month_day(calendar.season_end)
    here = (day.month, day.day)
    return start <= here <= end if start <= end else (here >= start or here <= end)


def regular_dates(calendar: CollectionCalendar, start: date, end: date) -> list[date]:
    """The recurrence alone, between start and end inclusive."""
    if calendar.frequency == Frequency.DATES_ONLY:
        return []
    first = max(start, calendar.reference_date)
    last = min(end, calendar.valid_until) if calendar.valid_until else end
    day = first + timedelta(days=(calendar.weekday - first.weekday()) % 7)
    found = []
    while day <= last:
        weeks = (day - calendar.reference_date).days // 7
        if (calendar.frequency == Frequency.WEEKLY or weeks % 2 == 0) and in_season(calendar, day):
            found.append(day)
        day += timedelta(days=7)
    return found


def occurrences(
    calendars: Iterable[CollectionCalendar], start: date, end: date, *, with_cancelled: bool = False
) -> list[Occurrence]:
    """Every collection of the calendars between start and end, exceptions applied, sorted
    by date then stream order."""
    calendars = [c for c in calendars if c.is_active]
    if not calendars:
        return []
    lo, hi = start - MARGIN, end + MARGIN
    exceptions = list(
        CollectionException.objects.filter(
            Q(calendar__in=calendars) | Q(calendar__isnull=True),
            Q(date__range=(lo, hi)) | Q(new_date__range=(lo, hi)),
        ).order_by("date", "pk")
    )
    townwide = {e.date: e for e in exceptions if e.calendar_id is None}
    found: list[Occurrence] = []
    for calendar in calendars:
        own = {e.date: e for e in exceptions if e.calendar_id == calendar.pk}
        for day in regular_dates(calendar, lo, hi):
            exception = own.get(day) or townwide.get(day)
            if exception is None or exception.kind == ExceptionKind.ADDED:
                found.append(Occurrence(day, calendar))
            elif exception.kind == ExceptionKind.MOVED and exception.new_date:
                found.append(Occurrence(exception.new_date, calendar, day, reason=exception.reason))
            elif with_cancelled:
                found.append(
                    Occurrence(day, calendar, day, cancelled=True, reason=exception.reason)
                )
        for exception in own.values():
            if exception.kind == ExceptionKind.ADDED:
                found.append(Occurrence(exception.date, calendar, reason=exception.reason))
    unique = {(o.date, o.calendar.pk, o.cancelled): o for o in found if start <= o.date <= end}
    return sorted(unique.values(), key=lambda o: (o.date, o.calendar.topic.order, o.calendar.pk))


def calendars_for_address(address_id: int) -> list[CollectionCalendar]:
    return list(
        CollectionCalendar.objects.filter(
            is_active=True, zone__addresses__pk=address_id, topic__is_active=True
        )
        .select_related("zone", "topic")
        .order_by("topic__order", "pk")
    )


WEEKS_SHOWN = 8


def upcoming_collections(address_id: int, *, weeks: int = WEEKS_SHOWN) -> list[Occurrence]:
    """The address's collections from today for ``weeks`` weeks, moved and cancelled ones
    included (the public page, the portal's calendar and the API)."""
    today = timezone.localdate()
    return occurrences(
        calendars_for_address(address_id),
        today,
        today + timedelta(weeks=weeks),
        with_cancelled=True,
    )
