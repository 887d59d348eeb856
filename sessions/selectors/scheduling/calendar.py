"""The calendar: the facts a series proposal reads, the chairs of a location, the
appointments of a day or a week the user may see, and the sessions booked on a day."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from clinic import clock
from clinic.hours import closed_days, weekly_hours
from clinic.models import Chair, Location, Patient, User
from clinic.policy import patients_visible_to
from clinic.selectors import clinic_settings
from clinic.zones import local, zone_of
from sessions.models import (
    Appointment,
    AppointmentStatus,
)
from sessions.scheduling import (
    HORIZON_DAYS,
    CalendarFacts,
)


def calendar_facts(
    *,
    patient: Patient,
    first_date: dt.date,
    nurse: User | None,
    exclude: set[int] = frozenset(),
    location: Location | None = None,
) -> CalendarFacts:
    """Everything the series proposal needs to know, read in a fixed number of queries:
    the chairs of `location`, its nurse capacity, its hours and closures (its own and the
    clinic-wide ones), in its time zone. With no location (a clinic not set up yet) there
    are no chairs and no open day."""
    clinic = clinic_settings()
    zone = location.zone if location else clinic.zone
    window_start = dt.datetime.combine(first_date, dt.time.min, tzinfo=zone)
    window_end = window_start + dt.timedelta(days=HORIZON_DAYS + 1)
    active = (
        Appointment.objects.exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk__in=exclude)
        .filter(start__lt=window_end, end__gt=window_start)
        .values_list("chair_id", "patient_id", "nurse_id", "start", "end")
    )
    chair_busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    patient_busy, nurse_busy = [], []
    for chair_id, patient_id, nurse_id, start, end in active:
        chair_busy.setdefault(chair_id, []).append((start, end))
        if patient_id == patient.pk:
            patient_busy.append((start, end))
        if nurse is not None and nurse_id == nurse.pk:
            nurse_busy.append((start, end))
    places = [location.pk] if location else []
    return CalendarFacts(
        time_zone=location.time_zone if location else clinic.time_zone,
        opening_hours=weekly_hours(places).get(location.pk, {}) if location else {},
        closures=(
            closed_days(places, first=first_date, last=window_end.date()).get(location.pk, {})
            if location
            else {}
        ),
        place=location.name if location else "clinic",
        chairs=list(location_chairs(location).values_list("pk", "name")),
        chair_busy=chair_busy,
        patient_busy=patient_busy,
        nurse_busy=nurse_busy,
        nurse_capacity=location.nurse_capacity if location else clinic.nurse_capacity,
        not_before=clock.now(),
    )


def day_bounds(day: dt.date, location: Location | None) -> tuple[dt.datetime, dt.datetime]:
    """The day from midnight to midnight on the location's clock."""
    zone = zone_of(location)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def visible_between(
    user: User, start: dt.datetime, end: dt.datetime, location: Location | None = None
) -> QuerySet[Appointment]:
    """The sessions the user may see between two moments; at `location`'s chairs only
    when given (the calendars follow the location picker; the feed shows them all)."""
    appointments = Appointment.objects.filter(
        patient__in=patients_visible_to(user), start__lt=end, end__gt=start
    )
    if location is not None:
        appointments = appointments.filter(chair__location=location)
    return (
        appointments.exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "chair", "nurse", "plan")
        .order_by("start", "chair__display_order")
    )


def location_chairs(location: Location | None) -> QuerySet[Chair]:
    """The active chairs of a location (of the whole clinic when None)."""
    chairs = Chair.objects.filter(is_active=True)
    return chairs if location is None else chairs.filter(location=location)


def day_columns(
    user: User, day: dt.date, location: Location | None = None
) -> list[tuple[Chair, list[Appointment]]]:
    """One column per active chair of the location, with the day's sessions in it."""
    start, end = day_bounds(day, location)
    by_chair: dict[int, list[Appointment]] = {}
    for appointment in visible_between(user, start, end, location):
        by_chair.setdefault(appointment.chair_id, []).append(appointment)
    return [(chair, by_chair.get(chair.pk, [])) for chair in location_chairs(location)]


def week_days(
    user: User, monday: dt.date, location: Location | None = None
) -> list[tuple[dt.date, list[Appointment]]]:
    start, _ = day_bounds(monday, location)
    _, end = day_bounds(monday + dt.timedelta(days=6), location)
    by_day: dict[dt.date, list[Appointment]] = {}
    for appointment in visible_between(user, start, end, location):
        by_day.setdefault(local(appointment.start, location).date(), []).append(appointment)
    return [
        (monday + dt.timedelta(days=offset), by_day.get(monday + dt.timedelta(days=offset), []))
        for offset in range(7)
    ]


def sessions_booked_on(day: dt.date, location: Location | None) -> list[str]:
    """One line per session still booked on `day` at `location` (every location when
    None: time, chair, record number), for the closure form: what closing that day would
    leave to move."""
    zone = location.zone if location else timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    booked = Appointment.objects.filter(
        start__gte=start,
        start__lt=start + dt.timedelta(days=1),
        status=AppointmentStatus.SCHEDULED,
    )
    if location is not None:
        booked = booked.filter(chair__location=location)
    booked = booked.select_related("chair", "patient").order_by("start")
    return [
        f"{timezone.localtime(a.start, zone):%-I:%M %p} {a.chair.name} ({a.patient.mrn})"
        for a in booked
    ]
