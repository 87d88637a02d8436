"""Collection calendars: recurrence, seasons, holiday shifts, the iCal feed and the public
"my collection days" page."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from icalendar import Calendar

from victo_crm.alerts.calendar import occurrences, regular_dates
from victo_crm.alerts.ical import address_token, build_ical
from victo_crm.alerts.models import CollectionCalendar, CollectionException

pytestmark = pytest.mark.django_db
EASTERN = ZoneInfo("America/Toronto")


def dates(calendars, start, end):
    return [(o.date, o.calendar.topic.code) for o in occurrences(calendars, start, end)]


class TestRecurrence:
    def test_every_other_week_counts_from_the_reference_date(self, garbage_monday):
        assert regular_dates(garbage_monday, date(2026, 3, 1), date(2026, 3, 31)) == [
            date(2026, 3, 9),
            date(2026, 3, 23),
        ]

    def test_a_seasonal_stream_only_runs_in_its_window(self, town, topics):
        green = CollectionCalendar.objects.create(
            zone=town["sector"],
            topic=topics["residus-verts"],
            frequency="weekly",
            weekday=2,
            reference_date=date(2026, 1, 7),
            season_start="04-15",
            season_end="11-30",
        )
        found = regular_dates(green, date(2026, 4, 1), date(2026, 4, 30))
        assert found == [date(2026, 4, 15), date(2026, 4, 22), date(2026, 4, 29)]
        assert regular_dates(green, date(2026, 12, 1), date(2026, 12, 31)) == []

    def test_a_broken_calendar_is_refused_with_a_clear_message(self, town, topics):
        calendar = CollectionCalendar(
            zone=town["west"],
            topic=topics["compost"],
            weekday=0,
            reference_date=date(2026, 1, 6),  # a Tuesday
            season_start="4-15",
        )
        with pytest.raises(ValidationError) as error:
            calendar.full_clean()
        assert {"zone", "reference_date", "season_start", "season_end"} <= set(
            error.value.message_dict
        )


class TestExceptions:
    def test_a_holiday_shifts_the_collections_of_that_day_and_no_other(
        self, garbage_monday, town, topics
    ):
        recycling_tuesday = CollectionCalendar.objects.create(
            zone=town["sector"],
            topic=topics["recyclage"],
            weekday=1,
            reference_date=date(2026, 1, 6),
        )
        # Labour Day, Monday 2026-09-07: town-wide, Monday collections move to Tuesday.
        CollectionException.objects.create(
            kind="moved",
            date=date(2026, 9, 7),
            new_date=date(2026, 9, 8),
            reason_fr="Fête du Travail",
        )
        week = dates([garbage_monday, recycling_tuesday], date(2026, 9, 6), date(2026, 9, 12))
        assert week == [(date(2026, 9, 8), "ordures"), (date(2026, 9, 8), "recyclage")]
        moved = occurrences([garbage_monday], date(2026, 9, 6), date(2026, 9, 12))[0]
        assert moved.original_date == date(2026, 9, 7) and moved.reason == "Fête du Travail"
        # The other weeks keep their Monday.
        assert dates([garbage_monday], date(2026, 9, 13), date(2026, 9, 26)) == [
            (date(2026, 9, 21), "ordures")
        ]

    def test_a_holiday_on_a_week_without_collection_changes_nothing(self, garbage_monday):
        # 2026-09-14 is an off week for this every-other-Monday calendar.
        CollectionException.objects.create(
            kind="moved", date=date(2026, 9, 14), new_date=date(2026, 9, 15), reason_fr="Férié"
        )
        assert dates([garbage_monday], date(2026, 9, 13), date(2026, 9, 19)) == []

    def test_a_storm_cancels_and_a_special_date_adds(self, garbage_monday):
        CollectionException.objects.create(
            calendar=garbage_monday, kind="cancelled", date=date(2026, 2, 9), reason_fr="Tempête"
        )
        CollectionException.objects.create(
            calendar=garbage_monday, kind="added", date=date(2026, 2, 14), reason_fr="Rattrapage"
        )
        assert dates([garbage_monday], date(2026, 2, 1), date(2026, 2, 14)) == [
            (date(2026, 2, 14), "ordures")
        ]

    def test_a_moved_collection_needs_its_new_date(self, garbage_monday):
        with pytest.raises(ValidationError):
            CollectionException(
                calendar=garbage_monday, kind="moved", date=date(2026, 2, 2), reason_fr="x"
            ).full_clean()


class TestICalendarFeed:
    @time_machine.travel(datetime(2026, 8, 20, 12, 0, tzinfo=EASTERN))
    def test_the_feed_parses_and_carries_the_shifted_dates(
        self, garbage_monday, west_address, client
    ):
        CollectionException.objects.create(
            kind="moved",
            date=date(2026, 9, 7),
            new_date=date(2026, 9, 8),
            reason_fr="Fête du Travail",
        )
        response = client.get(f"/alertes/collectes/ical/{address_token(west_address)}.ics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")

        calendar = Calendar.from_ical(response.content)
        assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
        events = calendar.walk("VEVENT")
        days = {e.decoded("DTSTART") for e in events}
        assert date(2026, 9, 8) in days and date(2026, 9, 7) not in days
        assert date(2026, 8, 24) in days
        moved = next(e for e in events if e.decoded("DTSTART") == date(2026, 9, 8))
        assert str(moved["SUMMARY"]) == "Ordures ménagères"
        assert str(moved["DESCRIPTION"]) == "Fête du Travail"
        assert moved.decoded("DTEND") == date(2026, 9, 9)
        assert len({str(e["UID"]) for e in events}) == len(events)

    @time_machine.travel(datetime(2026, 8, 20, 12, 0, tzinfo=EASTERN))
    def test_a_calendar_program_imports_every_event(self, garbage_monday, west_address):
        """Import as a calendar program does: walk the components, read each all-day event
        back into (date, title), and check it against the schedule."""
        feed = Calendar.from_ical(build_ical(west_address, language="en"))
        imported = sorted((e.decoded("DTSTART"), str(e["SUMMARY"])) for e in feed.walk("VEVENT"))
        expected = sorted(
            (o.date, "Garbage")
            for o in occurrences([garbage_monday], date(2026, 7, 21), date(2027, 8, 25))
        )
        assert imported == expected and len(imported) > 20
        # Round trip: what we wrote is what a reader gets back.
        assert Calendar.from_ical(feed.to_ical()).to_ical() == feed.to_ical()

    def test_the_url_cannot_be_guessed_or_forged(self, west_address, east_address, client):
        token = address_token(west_address)
        number, signature = token.split(".", 1)
        assert number == str(west_address.pk) and len(signature) >= 27
        forged = token.replace(f"{west_address.pk}.", f"{east_address.pk}.", 1)
        assert client.get(f"/alertes/collectes/ical/{forged}.ics").status_code == 404


class TestThePublicPage:
    @time_machine.travel(datetime(2026, 8, 31, 12, 0, tzinfo=EASTERN))
    def test_anyone_finds_their_collection_days_by_address(
        self, garbage_monday, west_address, client
    ):
        CollectionException.objects.create(
            kind="moved",
            date=date(2026, 9, 7),
            new_date=date(2026, 9, 8),
            reason_fr="Fête du Travail",
        )
        search = client.get("/alertes/collectes/", {"q": "10 rue des erables"})
        assert search.status_code == 302
        page = client.get(search["Location"])
        assert page.status_code == 200
        assert "Ordures ménagères" in page.text
        assert "mardi 8 septembre" in page.text and "Fête du Travail" in page.text
        assert 'datetime="2026-09-08"' in page.text
        assert address_token(west_address) in page.text

    def test_an_unknown_address_says_so(self, town, client):
        page = client.get("/alertes/collectes/", {"q": "999 rue Inexistante"})
        assert page.status_code == 200
        assert (
            "Aucune adresse du registre ne correspond à «\u00a0999 rue Inexistante\u00a0»."
            in page.text
        )
        assert 'aria-describedby="id_q-help id_q-errors"' in page.text


def test_the_dates_shown_are_the_next_weeks(garbage_monday, west_address, client):
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=EASTERN)):
        page = client.get(f"/alertes/collectes/adresse/{west_address.pk}/")
    assert "lundi 9 mars<" in page.text and "lundi 23 mars<" in page.text  # this year's
    assert 'datetime="2026-03-09"' in page.text and 'datetime="2026-03-23"' in page.text
    assert "lundi 2 mars" not in page.text


def test_a_date_of_another_year_shows_its_year(garbage_monday, west_address, client):
    with time_machine.travel(datetime(2026, 12, 20, 12, 0, tzinfo=EASTERN)):
        page = client.get(f"/alertes/collectes/adresse/{west_address.pk}/")
    assert "lundi 28 décembre<" in page.text and "lundi 11 janvier 2027<" in page.text


class TestTheAddressLookupReadsAddressesAsWritten:
    """Issue 15, point 4: the page's own example and its usual spellings work."""

    @pytest.fixture
    def notre_dame(self, town):
        from tests.alerts.conftest import make_address

        return {n: make_address(n, "rue Notre-Dame Est") for n in (1, 2, 10, 12, 20)} | {
            "2 ouest": make_address(2, "rue Notre-Dame Ouest")
        }

    @pytest.mark.parametrize(
        "typed",
        ["2 rue Notre-Dame Est", "2, rue Notre-Dame Est", "2 rue Notre-Dame E.", "2 notre dame e"],
    )
    def test_the_spellings_of_one_address_lead_to_its_days(self, notre_dame, client, typed):
        response = client.get("/alertes/collectes/", {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == f"/alertes/collectes/adresse/{notre_dame[2].pk}/"

    def test_the_example_given_on_the_page_works(self, notre_dame, client):
        page = client.get("/alertes/collectes/")
        example = page.text.split("Par exemple\u00a0: ")[1].split("<")[0].strip()
        assert client.get("/alertes/collectes/", {"q": example}).status_code == 302

    def test_several_matches_are_listed_to_choose_from(self, notre_dame, client):
        page = client.get("/alertes/collectes/", {"q": "2 rue Notre-Dame"})
        assert page.status_code == 200
        assert "choisissez la vôtre dans la liste" in page.text
        for address in (notre_dame[2], notre_dame["2 ouest"]):
            assert f'href="/alertes/collectes/adresse/{address.pk}/"' in page.text
        assert 'aria-labelledby="candidates-title"' in page.text

    def test_in_english_too(self, notre_dame, client):
        client.post("/i18n/setlang/", {"language": "en", "next": "/alertes/collectes/"})
        page = client.get("/alertes/collectes/", {"q": "2 Notre-Dame"})
        assert "Choose your address" in page.text
        assert "Several addresses match" in page.text
        assert f'href="/alertes/collectes/adresse/{notre_dame[2].pk}/"' in page.text

    def test_a_missing_number_offers_the_nearest(self, notre_dame, client):
        page = client.get("/alertes/collectes/", {"q": "11 rue Notre-Dame Est"})
        assert "Ce numéro n’existe pas au registre sur cette rue" in page.text
        assert f'href="/alertes/collectes/adresse/{notre_dame[10].pk}/"' in page.text
