"""Whether slots can be booked: the one check behind booking a series, a booster and a
reschedule (scheduling.md §3), the patient's booking lock, and the database's overlap
constraints turned into the same clear messages.

Overlaps are checked inside the write transaction (enough on SQLite, which serialises
writers); on PostgreSQL the exclusion constraints are the final word, and a violation
becomes the same clear ValidationError, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from clinic import clock
from clinic.hours import closed_days, weekly_hours
from clinic.models import Chair, ClinicSettings, Location, Patient
from clinic.selectors import clinic_settings
from sessions.models import Appointment, AppointmentStatus
from sessions.scheduling import slot_problem
from sessions.selectors.registration import registration_refusal

SERIES_ALREADY_BOOKED = "The induction series is already booked."

CONSTRAINT_MESSAGES = {
    "appointment_chair_no_overlap": "The chair is already booked at that time.",
    "appointment_patient_no_overlap": "The patient already has an appointment at that time.",
}


@dataclass(frozen=True)
class BookingRow:
    start: dt.datetime  # aware
    end: dt.datetime
    chair_id: int
    nurse_id: int | None = None


def active() -> Q:
    return ~Q(status=AppointmentStatus.CANCELLED)


def overlapping(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(start__lt=end, end__gt=start)


def chair_time_zones(chair_ids: set[int]) -> dict[int, str]:
    """Each chair's location's time zone (the clock its sessions are on)."""
    return dict(Chair.objects.filter(pk__in=chair_ids).values_list("pk", "location__time_zone"))


def _wall_time(
    start: dt.datetime, end: dt.datetime | None, zone: ZoneInfo, clinic_zone: ZoneInfo
) -> str:
    """A booked time (or span) on the clock of the location being booked, with the
    zone's name when that clock is not the clinic's: "Mon Dec 7 10:00–12:00 PST"."""
    local = timezone.localtime(start, zone)
    shown = f"{local:%a %b} {local.day} {local:%H:%M}"
    if end is not None:
        shown += f"–{timezone.localtime(end, zone):%H:%M}"
    return shown + (f" {local:%Z}" if zone.key != clinic_zone.key else "")


def lock_patient(patient_id: int) -> None:
    """Take the patient's row lock for the rest of the transaction: two coordinators
    booking for one patient at the same moment are served one after the other, and the
    second sees what the first booked."""
    Patient.objects.select_for_update().filter(pk=patient_id).values_list("pk", flat=True).get()


def booking_problems(rows: list[BookingRow], patient_id: int, ignore: set[int]) -> dict[int, str]:
    """Row index → why it cannot be booked: every rule of scheduling.md §3 a single slot
    must meet (the clinic's calendar, an active chair, the nurse's capacity, no overlap
    with a stored booking or another row of this request). The exclusion constraints
    back the overlaps."""
    clinic = clinic_settings()
    calendar = _Calendar(clinic, rows)
    problems: dict[int, str] = {}
    for index, row in enumerate(rows):
        problem = (
            calendar.slot_problem(row)
            or calendar.registration_problem(row)
            or calendar.other_location(rows, index)
            or _clash(row, patient_id, ignore, calendar)
            or _overlaps_earlier_row(rows, index)
            or _nurse_full(row, ignore, calendar.nurse_capacity(row))
        )
        if problem is not None:
            problems[index] = problem
    return problems


class _Calendar:
    """The active chairs (with their location, its time zone and nurse capacity) and each
    of those locations' hours and closures, read once for all the rows: a row is checked
    against the calendar of its chair's location, in that location's time zone."""

    def __init__(self, clinic: ClinicSettings, rows: list[BookingRow]) -> None:
        self.clinic = clinic
        self.now = clock.now()
        chairs = Chair.objects.filter(is_active=True).values_list(
            "pk",
            "name",
            "location_id",
            "location__name",
            "location__nurse_capacity",
            "location__time_zone",
        )
        self.chair_names = {pk: name for pk, name, *_ in chairs}
        self.chair_places = {pk: place for pk, _name, *place in chairs}
        places = {place[0] for place in self.chair_places.values()}
        self.opening_hours = weekly_hours(places)
        self.locations = Location.objects.in_bulk(places)
        days = [
            timezone.localdate(row.start, self._zone(row))
            for row in rows
            if row.end > row.start and row.chair_id in self.chair_places
        ]
        self.closures = closed_days(places, first=min(days), last=max(days)) if days else {}

    def _zone(self, row: BookingRow) -> ZoneInfo:
        return ZoneInfo(self.chair_places[row.chair_id][3])

    def wall_time(self, row: BookingRow, start: dt.datetime, end: dt.datetime | None = None) -> str:
        """A time (or span) on the clock of the row's chair's location."""
        zone = self._zone(row) if row.chair_id in self.chair_places else self.clinic.zone
        return _wall_time(start, end, zone, self.clinic.zone)

    def slot_problem(self, row: BookingRow) -> str | None:
        place = self.chair_places.get(row.chair_id)
        if place is None:
            return "Choose an active chair."
        location_id, name, _capacity, time_zone = place
        return slot_problem(
            row.start,
            row.end,
            now=self.now,
            time_zone=time_zone,
            opening_hours=self.opening_hours[location_id],
            closures=self.closures.get(location_id, {}),
            place=name,
        )

    def registration_problem(self, row: BookingRow) -> str | None:
        """No session is booked where it could not be dosed on its day: a location whose
        DEA registration is missing, lacks Schedule 3N or has expired by then (the
        patient would travel and be turned away at check-in)."""
        place = self.chair_places.get(row.chair_id)
        if place is None:
            return None
        location = self.locations[place[0]]
        return registration_refusal(location, timezone.localdate(row.start, location.zone))

    def nurse_capacity(self, row: BookingRow) -> int:
        """The nurse capacity of the row's chair's location (a nurse works at one place
        at a time; each location sets how many chairs one nurse watches there)."""
        place = self.chair_places.get(row.chair_id)
        return place[2] if place else self.clinic.nurse_capacity

    def other_location(self, rows: list[BookingRow], index: int) -> str | None:
        """A series is booked at one location: a row whose chair is elsewhere than the
        first row's is refused."""
        first = self.chair_places.get(rows[0].chair_id)
        here = self.chair_places.get(rows[index].chair_id)
        if index == 0 or first is None or here is None or here[0] == first[0]:
            return None
        return (
            f"{self.chair_names[rows[index].chair_id]} is at {here[1]}; the series is "
            f"booked at {first[1]}. Choose a chair there."
        )


def _clash(row: BookingRow, patient_id: int, ignore: set[int], calendar: _Calendar) -> str | None:
    clash = (
        Appointment.objects.filter(active(), overlapping(row.start, row.end))
        .exclude(pk__in=ignore)
        .filter(Q(chair_id=row.chair_id) | Q(patient_id=patient_id))
        .order_by("start")
        .first()
    )
    if clash is None:
        return None
    if clash.chair_id == row.chair_id:
        return (
            f"{calendar.chair_names.get(row.chair_id, 'The chair')} is already booked "
            f"{calendar.wall_time(row, clash.start, clash.end)}."
        )
    return f"The patient already has an appointment at {calendar.wall_time(row, clash.start)}."


def _overlaps_earlier_row(rows: list[BookingRow], index: int) -> str | None:
    row = rows[index]
    for other_index, other in enumerate(rows[:index]):
        if other.start < row.end and row.start < other.end:
            return f"Overlaps session {other_index + 1} of this series."
    return None


def _nurse_full(row: BookingRow, ignore: set[int], capacity: int) -> str | None:
    if row.nurse_id is None:
        return None
    nurse_load = (
        Appointment.objects.filter(active(), overlapping(row.start, row.end), nurse_id=row.nurse_id)
        .exclude(pk__in=ignore)
        .count()
    )
    if nurse_load >= capacity:
        return (
            f"The nurse already has {nurse_load} sessions at that time (at most "
            f"{capacity} at once)."
        )
    return None


def as_validation_error(error: IntegrityError) -> ValidationError:
    """The overlap constraint a concurrent booking hit, as the message staff read."""
    text = str(error)
    if "appointment_one_induction_series" in text:
        return ValidationError(SERIES_ALREADY_BOOKED)
    for constraint, message in CONSTRAINT_MESSAGES.items():
        if constraint in text:
            return ValidationError(
                message + " Someone booked it a moment ago; choose another time."
            )
    raise error
