"""Each location keeps its own opening hours, closures and time zone (controlled-substances.md
§1): a booking is checked against the calendar of its chair's location, a location's own
closure shuts only it while a clinic-wide one shuts every location, the series proposal
skips the days its location is closed, and the calendars say when the location opens."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Location, OpeningHours
from sessions.models import Appointment
from sessions.scheduling import SeriesRequest, propose_series
from sessions.selectors.scheduling import calendar_facts
from sessions.services.scheduling import BookingRow
from sessions.services.scheduling.availability import booking_problems
from tests.factories import (
    ChairFactory,
    ClosureFactory,
    LocationFactory,
    OpeningHoursFactory,
    open_clinic,
)
from tests.sessions.test_booking_pages import clinic_ready, next_monday, proposal_rows
from tests.sessions.test_location_booking import harbor

__all__ = ["clinic_ready", "harbor"]  # the fixtures, used by name

pytestmark = pytest.mark.django_db

WEDNESDAY = 2


def _row(chair, day: dt.date, hour: int, minute: int = 0, zone=None) -> BookingRow:
    start = dt.datetime.combine(
        day, dt.time(hour, minute), tzinfo=zone or timezone.get_current_timezone()
    )
    return BookingRow(start=start, end=start + dt.timedelta(hours=2), chair_id=chair.pk)


@pytest.fixture
def harbor_closed_on_wednesdays(harbor) -> tuple[Location, list]:
    location, chairs = harbor
    OpeningHours.objects.filter(location=location, weekday=WEDNESDAY).delete()
    return location, chairs


def test_a_booking_on_a_weekday_one_location_is_closed_is_refused_there_only(
    clinic_ready, harbor_closed_on_wednesdays, personas
) -> None:
    chairs, _ = clinic_ready
    _, harbor_chairs = harbor_closed_on_wednesdays
    wednesday = next_monday() + dt.timedelta(days=WEDNESDAY)
    refused = booking_problems(
        [_row(harbor_chairs[0], wednesday, 10)], personas.patient_a.pk, set()
    )
    assert refused == {0: "Harbor Point is closed on Wednesdays."}
    assert booking_problems([_row(chairs[0], wednesday, 10)], personas.patient_a.pk, set()) == {}


def test_the_series_page_refuses_a_closed_weekday_next_to_the_row_and_books_nothing(
    clinic_ready, harbor_closed_on_wednesdays, login, personas
) -> None:
    location, _ = harbor_closed_on_wednesdays
    patient = personas.patient_a
    patient.home_location = location
    patient.save(update_fields=["home_location"])
    client = login(personas.coordinator)
    url = reverse("book_series", args=[patient.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00"
    data = proposal_rows(client.get(url + query))
    # The last session moved to a Wednesday of a week of its own: the protocol's gaps
    # hold, only Harbor Point's calendar refuses it.
    last = max(key for key in data if key.endswith("-day"))
    later = dt.date.fromisoformat(data[last]) + dt.timedelta(days=7)
    data[last] = (later + dt.timedelta(days=(WEDNESDAY - later.weekday()) % 7)).isoformat()
    response = client.post(url + query, data)
    assert response.status_code == 200
    assert "Harbor Point is closed on Wednesdays." in response.content.decode()
    assert data[last] in response.content.decode()  # what was typed stays
    assert not Appointment.objects.filter(patient=patient).exists()


def test_a_locations_own_closure_shuts_only_it_and_a_clinic_wide_one_shuts_both(
    clinic_ready, harbor, personas
) -> None:
    chairs, _ = clinic_ready
    location, harbor_chairs = harbor
    monday, tuesday = next_monday(), next_monday() + dt.timedelta(days=1)
    ClosureFactory(location=location, date=monday, reason="Harbor Point fire inspection")
    ClosureFactory(date=tuesday, reason="Staff training day")
    rows = {
        "harbor monday": _row(harbor_chairs[0], monday, 10),
        "clinic monday": _row(chairs[0], monday, 10),
        "harbor tuesday": _row(harbor_chairs[0], tuesday, 10),
        "clinic tuesday": _row(chairs[0], tuesday, 10),
    }
    found = {
        name: booking_problems([row], personas.patient_a.pk, set()).get(0)
        for name, row in rows.items()
    }
    label = f"{monday:%a %b} {monday.day}"
    assert found["harbor monday"] == (
        f"Harbor Point is closed on {label} (Harbor Point fire inspection)."
    )
    assert found["clinic monday"] is None
    assert found["harbor tuesday"].startswith("Harbor Point is closed on")
    assert found["clinic tuesday"].startswith("Test Clinic is closed on")
    assert "(Staff training day)" in found["clinic tuesday"]


def test_the_proposal_skips_the_days_its_location_is_closed(
    clinic_ready, harbor_closed_on_wednesdays, personas
) -> None:
    location, _ = harbor_closed_on_wednesdays
    monday = next_monday()
    ClosureFactory(location=location, date=monday, reason="Harbor Point fire inspection")
    ask = SeriesRequest(
        sessions=3,
        per_week=3,
        min_days_between=1,
        block_minutes=120,
        first_date=monday,
        preferred_start=dt.time(10),
    )

    def proposed(at: Location | None):
        facts = calendar_facts(
            patient=personas.patient_a, first_date=monday, nurse=None, location=at
        )
        return propose_series(ask, facts)

    at_harbor = proposed(location)
    harbor_days = [timezone.localtime(row.start).date() for row in at_harbor.rows]
    assert monday not in harbor_days
    assert all(day.weekday() != WEDNESDAY for day in harbor_days)
    assert at_harbor.rows[0].notes[0] == (
        f"{monday:%a %b} {monday.day}: Harbor Point closed (Harbor Point fire inspection)."
    )
    clinic_days = [timezone.localtime(row.start).date() for row in proposed(LocationFactory()).rows]
    assert clinic_days[:2] == [monday, monday + dt.timedelta(days=WEDNESDAY)]


def test_a_location_is_checked_in_its_own_time_zone(clinic_ready, personas) -> None:
    pacific = zoneinfo.ZoneInfo("America/Los_Angeles")
    west = LocationFactory(name="Pasadena", dea_number="FP1234563", time_zone=pacific.key)
    OpeningHoursFactory(location=west, weekday=0, opens_at=dt.time(9), closes_at=dt.time(17))
    chair = ChairFactory(location=west, name="Pasadena 1")
    monday = next_monday()
    early = booking_problems([_row(chair, monday, 8, 30, pacific)], personas.patient_a.pk, set())
    label = f"{monday:%a %b} {monday.day}"
    assert early == {
        0: "The session (08:30–10:30) must fit in the opening hours of Pasadena on "
        f"{label}, 09:00–17:00."
    }
    # 09:00 in Pasadena is noon in New York (the clinic's zone): booked by Pasadena's clock.
    assert (
        booking_problems([_row(chair, monday, 9, 0, pacific)], personas.patient_a.pk, set()) == {}
    )


def test_the_calendars_say_when_the_picked_location_opens(
    clinic_ready, harbor_closed_on_wednesdays, login, personas, django_assert_max_num_queries
) -> None:
    location, _ = harbor_closed_on_wednesdays
    monday = next_monday()
    ClosureFactory(location=location, date=monday, reason="Harbor Point fire inspection")
    client = login(personas.coordinator)
    client.post(reverse("location_pick"), {"location": location.pk})
    with django_assert_max_num_queries(20):
        week = client.get(reverse("calendar_week") + f"?date={monday}").content.decode()
    assert "Does not open on Wednesdays" in week
    assert "Harbor Point fire inspection" in week
    assert "Open 8:00 AM–6:00 PM" in week  # Tuesday
    day = client.get(reverse("calendar_day") + f"?date={monday}").content.decode()
    assert "Harbor Point is closed on this day" in day
    open_clinic(LocationFactory())
    client.post(reverse("location_pick"), {"location": LocationFactory().pk})
    other = client.get(reverse("calendar_week") + f"?date={monday}").content.decode()
    assert "Does not open on Wednesdays" not in other
    assert "Harbor Point fire inspection" not in other
