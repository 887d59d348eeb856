"""iCalendar files: a patient's own sessions, and a staff member's private feed.

Messages carry the minimum: "Treatment session" and the clinic, never a diagnosis,
medication or dose; the staff feed shows initials and times only.
"""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from clinic.models import ClinicSettings
from clinic.site import site_domain
from sessions.models import Appointment

PREPARATION = (
    "Do not eat for 4 hours before; clear drinks are fine until 2 hours before.",
    "An adult must take you home. Do not drive until the next day.",
    "Take your usual medicines unless your psychiatrist told you otherwise.",
    "Wear comfortable clothes; bring headphones if you like music during the session.",
)
ESKETAMINE_PREPARATION = (
    "Do not eat for 2 hours and do not drink for 30 minutes before the nasal spray.",
    "An adult must take you home. Do not drive until the next day.",
    "Take your usual medicines unless your psychiatrist told you otherwise.",
)


def preparation_for(route: str) -> tuple[str, ...]:
    return ESKETAMINE_PREPARATION if route == "intranasal_esketamine" else PREPARATION


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic scheduling//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{site_domain()}"


def patient_calendar(appointments: Iterable[Appointment], clinic: ClinicSettings) -> bytes:
    calendar = _calendar(f"{clinic.name} appointments")
    for appointment in appointments:
        event = Event()
        event.add("uid", _uid(appointment))
        event.add("summary", f"Treatment session — {clinic.name}")
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("dtstamp", appointment.booked_at)
        if clinic.address:
            event.add("location", clinic.address.replace("\n", ", "))
        event.add("description", "\n".join(preparation_for(appointment.plan.route)))
        calendar.add_component(event)
    return calendar.to_ical()


def staff_feed(appointments: Iterable[Appointment], clinic: ClinicSettings) -> bytes:
    calendar = _calendar(f"{clinic.name} sessions")
    for appointment in appointments:
        event = Event()
        event.add("uid", _uid(appointment))
        event.add("summary", f"{appointment.patient.initials} · {appointment.chair.name}")
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("dtstamp", appointment.booked_at)
        calendar.add_component(event)
    return calendar.to_ical()
