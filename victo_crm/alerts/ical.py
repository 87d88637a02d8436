"""iCalendar (RFC 5545) feed of an address's collections, at an unguessable URL.

The URL carries the address id signed with the site's secret key: the registry is public,
but only someone given the link can read which streams a household follows from it, and
nobody can list feeds by counting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.core import signing
from django.utils import timezone, translation
from icalendar import Calendar, Event

from victo_crm.core.models import localized
from victo_crm.places.models import Address

from .calendar import calendars_for_address, occurrences

SALT = "victo_crm.alerts.ical"


def address_token(address: Address | int) -> str:
    pk = address if isinstance(address, int) else address.pk
    return signing.Signer(salt=SALT).sign(str(pk)).replace(":", ".")


def address_from_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=SALT).unsign(token.replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None


def build_ical(address: Address, *, language: str = "fr", today: date | None = None) -> bytes:
    start = (today or timezone.localdate()) - timedelta(days=30)
    end = start + timedelta(days=400)
    with translation.override(language):
        cal = Calendar()
        cal.add("prodid", "-//Ville de Victoriaville//victo_crm//FR")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", f"Collectes — {address.label}")
        cal.add("x-wr-timezone", "America/Toronto")
        stamp = datetime.now(tz=UTC)
        for occurrence in occurrences(calendars_for_address(address.pk), start, end):
            event = Event()
            name = localized(occurrence.calendar.topic, "name", language)
            event.add(
                "uid",
                f"collecte-{occurrence.calendar.pk}-{occurrence.date:%Y%m%d}@victoriaville.ca",
            )
            event.add("dtstamp", stamp)
            event.add("dtstart", occurrence.date)
            event.add("dtend", occurrence.date + timedelta(days=1))
            event.add("summary", name)
            event.add("transp", "TRANSPARENT")
            if occurrence.reason:
                event.add("description", occurrence.reason)
            event.add("categories", ["Collecte"])
            cal.add_component(event)
        return cal.to_ical()
