"""Patients see their own upcoming sessions, how to prepare, and download them."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from clinic.models import Chair
from sessions.models import Appointment, Protocol, TreatmentPlan
from tests.factories import AppointmentFactory, LocationFactory, TreatmentPlanFactory


def book(patient, personas, days_ahead: int) -> Appointment:
    plan = TreatmentPlan.objects.filter(patient=patient).first() or TreatmentPlanFactory(
        patient=patient,
        version=1,
        route="iv",
        protocol=Protocol.objects.get(code="iv-standard"),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        series_length=6,
        written_by=personas.psychiatrist,
    )
    start = timezone.now() + dt.timedelta(days=days_ahead)
    return AppointmentFactory(
        patient=patient,
        plan=plan,
        kind="induction",
        series_number=days_ahead,
        start=start,
        end=start + dt.timedelta(hours=2),
        chair=Chair.objects.get_or_create(name="Chair 1", defaults={"location": LocationFactory()})[
            0
        ],
        booked_by=personas.coordinator,
    )


def test_a_patient_sees_upcoming_sessions_and_preparation(login, personas) -> None:
    book(personas.patient_a, personas, 3)
    book(personas.patient_b, personas, 4)
    body = login(personas.patient_a.user).get(reverse("my_sessions")).content.decode()
    assert "Session 3 of 6" in body
    assert "Session 4 of 6" not in body  # another patient's session
    assert "Do not drive until the next day." in body


def test_the_ics_file_carries_times_and_no_clinical_detail(login, personas) -> None:
    appointment = book(personas.patient_a, personas, 5)
    response = login(personas.patient_a.user).get(reverse("my_sessions_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [component for component in calendar.walk("VEVENT")]
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == appointment.start.replace(microsecond=0)
    assert str(event["summary"]).startswith("Treatment session")
    text = response.content.decode().lower()
    for secret in ("ketamine", "depress", "mg"):
        assert secret not in text
