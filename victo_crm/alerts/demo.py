"""Demonstration collection calendars for the demo collection sectors; idempotent.

Sectors A–F (``places/data/collection_sectors.geojson``) each get garbage every other week,
recycling the other week, compost weekly, green waste in season, bulky items monthly-ish
(every other week, spring to fall) and Christmas trees on two January dates, plus the
town's holiday shifts of the year.
"""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from victo_crm.places.models import Zone, ZoneKind

from .models import AlertTopic, CollectionCalendar, CollectionException, ExceptionKind, Frequency

# Quebec statutory holidays that fall on a weekday, with the day collections move to.
HOLIDAYS = [
    ("Jour de l’An", "New Year’s Day", 1, 1),
    ("Fête nationale du Québec", "Quebec National Holiday", 6, 24),
    ("Fête du Canada", "Canada Day", 7, 1),
    ("Noël", "Christmas Day", 12, 25),
]


def _first_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _ensure_topics() -> dict[str, AlertTopic]:
    if not AlertTopic.objects.exists():
        module = importlib.import_module("victo_crm.alerts.migrations.0002_seed_topics")
        from django.apps import apps

        module.seed(apps, None)
    return {t.code: t for t in AlertTopic.objects.all()}


@transaction.atomic
def load_demo_alerts(stdout: IO[str] | Any | None = None) -> list[CollectionCalendar]:
    topics = _ensure_topics()
    sectors = list(Zone.objects.filter(kind=ZoneKind.COLLECTION_SECTOR).order_by("code"))
    year = date.today().year
    start = date(year, 1, 1)
    calendars: list[CollectionCalendar] = []
    for index, zone in enumerate(sectors):
        weekday = index % 5  # sectors A–E Monday to Friday, F on Monday again
        first = _first_weekday_on_or_after(start, weekday)
        plans = [
            ("ordures", Frequency.BIWEEKLY, first, "", ""),
            ("recyclage", Frequency.BIWEEKLY, first + timedelta(days=7), "", ""),
            ("compost", Frequency.WEEKLY, first, "", ""),
            ("residus-verts", Frequency.BIWEEKLY, first, "04-15", "11-30"),
            ("encombrants", Frequency.BIWEEKLY, first + timedelta(days=7), "05-01", "10-31"),
            ("sapins", Frequency.DATES_ONLY, first, "", ""),
        ]
        for code, frequency, reference, season_start, season_end in plans:
            topic = topics.get(code)
            if topic is None:
                continue
            calendar, _created = CollectionCalendar.objects.get_or_create(
                zone=zone,
                topic=topic,
                defaults={
                    "frequency": frequency,
                    "weekday": weekday,
                    "reference_date": reference,
                    "season_start": season_start,
                    "season_end": season_end,
                },
            )
            calendars.append(calendar)
            if code == "sapins":
                for offset in (7, 14):
                    day = _first_weekday_on_or_after(date(year + 1, 1, 1), weekday) + timedelta(
                        days=offset
                    )
                    CollectionException.objects.get_or_create(
                        calendar=calendar,
                        kind=ExceptionKind.ADDED,
                        date=day,
                        defaults={
                            "reason_fr": "Collecte des sapins de Noël",
                            "reason_en": "Christmas tree pickup",
                        },
                    )
    for this_year in (year, year + 1):
        for name_fr, name_en, month, day_of_month in HOLIDAYS:
            holiday = date(this_year, month, day_of_month)
            if holiday.weekday() >= 5:
                continue
            CollectionException.objects.get_or_create(
                calendar=None,
                kind=ExceptionKind.MOVED,
                date=holiday,
                defaults={
                    "new_date": holiday + timedelta(days=1),
                    "reason_fr": f"{name_fr} : collecte reportée au lendemain",
                    "reason_en": f"{name_en}: collection moved to the next day",
                },
            )
    if stdout is not None:
        stdout.write(_("%(count)d calendrier(s) de collecte") % {"count": len(calendars)} + "\n")
    return calendars
