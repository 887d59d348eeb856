"""A location keeps its own clock (controlled-substances.md §1). The clinic is in New York,
Pasadena in Los Angeles: a time typed for a Pasadena chair is Pasadena's time, the
calendars, the nurse board and the appointment lists show Pasadena's sessions on its
clock with "PST" after them, and the protocol's day rules (the gap between sessions, the
re-screen after 3 months) count days on every clock involved, so a zone shift never lets
a dose come sooner than the protocol allows."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic import clock
from clinic.models import Location, OpeningHours
from sessions.models import Appointment, TreatmentSession
from sessions.scheduling import gap_problems, gap_problems_in_zones
from sessions.selectors.scheduling import patient_needs_rescreen
from sessions.services.scheduling.changes import appointment_reschedule
from tests.factories import AppointmentFactory, ChairFactory, LocationFactory, open_clinic
from tests.sessions.test_booking_pages import clinic_ready, next_monday, proposal_rows

__all__ = ["clinic_ready"]  # the fixture, used by name

pytestmark = pytest.mark.django_db

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
EASTERN = zoneinfo.ZoneInfo("America/New_York")  # the clinic's (clinic_ready)


def pacific(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PACIFIC)


def eastern(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=EASTERN)


@pytest.fixture
def pasadena(clinic_ready, personas) -> tuple[Location, list]:
    """Pasadena, on Los Angeles time, with two chairs; the patient's home location, and
    the coordinator and the nurse work there."""
    location = LocationFactory(name="Pasadena", dea_number="FP1234563", time_zone=PACIFIC.key)
    open_clinic(location)
    chairs = [ChairFactory(location=location, name=f"Pasadena {n}") for n in (1, 2)]
    for person in (personas.coordinator, personas.nurse):
        person.locations.add(LocationFactory(), location)
    patient = personas.patient_a
    patient.home_location = location
    patient.save(update_fields=["home_location"])
    return location, chairs


def pick(client, location: Location) -> None:
    client.post(reverse("location_pick"), {"location": location.pk})


def test_a_series_typed_at_10_at_pasadena_is_booked_at_10_pasadena_time(
    pasadena, login, personas
) -> None:
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00"
    proposed = client.get(url + query)
    assert "Times are on its clock: <strong>Pasadena time, America/Los_Angeles (P" in (
        proposed.content.decode()
    )
    rows = proposed.context["rows"].forms
    assert {form.initial["start_time"] for form in rows} == {dt.time(10)}
    assert client.post(url + query, proposal_rows(proposed)).status_code == 302
    booked = Appointment.objects.filter(patient=personas.patient_a).order_by("start")
    assert [a.start.astimezone(PACIFIC).time() for a in booked] == [dt.time(10)] * 6
    first = booked[0].start.astimezone(PACIFIC)
    listed = client.get(reverse("patient_sessions", args=[personas.patient_a.pk]))
    assert f"{first:%a %b %-d, %Y} 10:00 AM–12:00 PM {first:%Z}" in listed.content.decode()


def test_a_reschedule_reads_the_typed_time_on_the_sessions_clock_and_checks_its_hours(
    pasadena, login, personas
) -> None:
    _, chairs = pasadena
    monday = next_monday()
    booked = AppointmentFactory(
        patient=personas.patient_a,
        chair=chairs[0],
        start=pacific(monday, 9),
        end=pacific(monday, 11),
    )
    client = login(personas.coordinator)
    url = reverse("appointment_reschedule", args=[booked.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.context["form"].initial["start_time"] == dt.time(9)  # Pasadena's 9, not 12
    assert f"now {monday:%a %b %-d, %Y} 9:00 AM PST in Pasadena 1" in html
    tuesday = monday + dt.timedelta(days=1)
    # 07:30 in Pasadena is before it opens, whatever New York's clock says (10:30 there).
    early = client.post(
        url, {"day": tuesday.isoformat(), "start_time": "07:30", "chair": chairs[0].pk}
    )
    assert (
        f"The session (07:30–09:30) must fit in the opening hours of Pasadena on "
        f"{tuesday:%a %b} {tuesday.day}, 08:00–18:00." in early.content.decode()
    )
    assert 'value="07:30"' in early.content.decode()  # what was typed stays
    moved = client.post(
        url, {"day": tuesday.isoformat(), "start_time": "10:00", "chair": chairs[0].pk}
    )
    assert moved.status_code == 302
    new = Appointment.objects.get(rescheduled_from=booked)
    assert new.start == pacific(tuesday, 10)
    booked.refresh_from_db()
    assert booked.cancel_reason == f"Rescheduled to {tuesday:%a %b %d} 10:00 PST"


def test_the_calendars_show_a_pasadena_day_on_pasadenas_clock(pasadena, login, personas) -> None:
    location, chairs = pasadena
    monday = next_monday()
    # 22:00 in Pasadena is already Tuesday in New York: it is Monday's session there.
    AppointmentFactory(
        patient=personas.patient_a,
        chair=chairs[0],
        start=pacific(monday, 22),
        end=pacific(monday, 23),
    )
    client = login(personas.coordinator)
    pick(client, location)
    week = client.get(reverse("calendar_week") + f"?date={monday}").content.decode()
    assert "Times: Pasadena time, America/Los_Angeles (PST)" in week
    assert "10:00 PM PST · Pasadena 1" in week
    day = client.get(reverse("calendar_day") + f"?date={monday}").content.decode()
    assert "10:00 PM–11:00 PM PST" in day
    tuesday = monday + dt.timedelta(days=1)
    next_day = client.get(reverse("calendar_day") + f"?date={tuesday}").content.decode()
    assert "PM PST" not in next_day
    # The clinic's own location: its clock is the clinic's, no zone after the times.
    pick(client, Location.objects.exclude(pk=location.pk).get())
    home = client.get(reverse("calendar_week") + f"?date={monday}").content.decode()
    assert "Times:" not in home and " PST" not in home


def test_the_nurse_board_shows_pasadenas_arrivals_on_its_clock(pasadena, login, personas) -> None:
    location, chairs = pasadena
    now = timezone.now()
    midnight = dt.datetime.combine(timezone.localdate(now, PACIFIC), dt.time.min, tzinfo=PACIFIC)
    start = max(now - dt.timedelta(minutes=5), midnight)
    AppointmentFactory(
        patient=personas.patient_a, chair=chairs[0], start=start, end=start + dt.timedelta(hours=2)
    )
    nurse = login(personas.nurse)
    pick(nurse, location)
    board = nurse.get(reverse("nurse_board")).content.decode()
    local = start.astimezone(PACIFIC)
    assert f"<td>{local:%H:%M} {local:%Z}</td><td>Pasadena 1</td>" in board
    assert "Times: Pasadena time, America/Los_Angeles" in board


def test_check_in_counts_today_on_the_locations_clock(chairside, personas) -> None:
    """20:00 on a Monday in Pasadena is 23:00 in New York; at 21:30 Pasadena time it is
    already Tuesday in New York, still Monday at the chair: the patient checks in."""
    location = LocationFactory(name="Pasadena", dea_number="FP1234563", time_zone=PACIFIC.key)
    chair = ChairFactory(location=location, name="Pasadena 1")
    monday = next_monday()
    Appointment.objects.filter(pk=chairside.appointment.pk).update(
        chair=chair, start=pacific(monday, 20), end=pacific(monday, 22)
    )
    chairside.appointment.refresh_from_db()
    with clock.at(pacific(monday, 21, 30)):
        session = chairside.open(personas.nurse)
    assert TreatmentSession.objects.filter(pk=session.pk).exists()


def test_the_gap_between_sessions_counts_days_on_every_clock_involved() -> None:
    monday = next_monday()
    new_york = (eastern(monday, 8), EASTERN.key)  # Monday 05:00 in Pasadena
    pasadena = (pacific(monday + dt.timedelta(days=1), 21, 30), PACIFIC.key)  # Wed 00:30 NY
    # On New York's clock alone (the old check) Monday to Wednesday is 2 days: allowed.
    days_ny = [start.astimezone(EASTERN).date() for start, _ in (new_york, pasadena)]
    assert gap_problems(days_ny, min_days_between=2, per_week=3) == []
    # On Pasadena's it is Monday to Tuesday, 40½ hours: refused.
    tuesday = monday + dt.timedelta(days=1)
    assert gap_problems_in_zones([new_york, pasadena], min_days_between=2, per_week=3) == [
        f"{monday:%a %b} {monday.day} and {tuesday:%a %b} {tuesday.day} are less than 2 days apart."
    ]
    # One location: its own clock, as before.
    same = [
        (eastern(monday, 8), EASTERN.key),
        (eastern(monday + dt.timedelta(days=2), 8), EASTERN.key),
    ]
    assert gap_problems_in_zones(same, min_days_between=2, per_week=3) == []


def test_a_reschedule_to_pasadena_keeps_the_protocols_gap_on_pasadenas_clock(
    pasadena, personas
) -> None:
    location, chairs = pasadena
    OpeningHours.objects.filter(location=location).update(closes_at=dt.time(23, 59))
    monday = next_monday()
    at_home = AppointmentFactory(
        patient=personas.patient_a,
        chair=ChairFactory(name="Chair 9"),
        start=eastern(monday, 8),
        end=eastern(monday, 10),
    )
    moving = AppointmentFactory(
        patient=personas.patient_a,
        plan=at_home.plan,
        chair=chairs[0],
        start=pacific(monday + dt.timedelta(days=4), 9),
        end=pacific(monday + dt.timedelta(days=4), 11),
    )
    tuesday = monday + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="are less than 2 days apart"):
        appointment_reschedule(
            appointment=moving,
            start=pacific(tuesday, 21, 30),
            end=pacific(tuesday, 23, 30),
            chair_id=chairs[0].pk,
            actor=personas.coordinator,
        )
    new = appointment_reschedule(
        appointment=moving,
        start=pacific(tuesday + dt.timedelta(days=1), 9),
        end=pacific(tuesday + dt.timedelta(days=1), 11),
        chair_id=chairs[0].pk,
        actor=personas.coordinator,
    )
    assert new.start == pacific(tuesday + dt.timedelta(days=1), 9)


def test_the_rescreen_after_3_months_counts_days_on_every_clock_involved(
    pasadena, personas
) -> None:
    """The last session began a Monday 22:00 in Pasadena (Tuesday in New York). A booster in
    New York 93 days after that Monday is 92 days after on New York's clock, 93 on
    Pasadena's: more than 3 months, so the health questions are asked again."""
    _, chairs = pasadena
    last_day = next_monday() - dt.timedelta(days=120)
    AppointmentFactory(
        patient=personas.patient_a,
        chair=chairs[0],
        start=pacific(last_day, 22),
        end=pacific(last_day, 23),
        status="completed",
    )
    home = Location.objects.exclude(pk=chairs[0].location_id).first()
    booster = eastern(last_day + dt.timedelta(days=93), 8)
    assert patient_needs_rescreen(personas.patient_a, at=booster, location=home)
    earlier = eastern(last_day + dt.timedelta(days=92), 8)
    assert not patient_needs_rescreen(personas.patient_a, at=earlier, location=home)


def test_today_or_later_on_a_booking_form_is_the_locations_today(pasadena, personas) -> None:
    """A clinic on Pago Pago's clock (UTC−11) with a chair on Kiritimati's (UTC+14): the
    location's today is always after the clinic's, so the clinic's today is in the past
    there and refused; the location's today is bookable."""
    from clinic.models import ClinicSettings
    from sessions.forms.scheduling import ProposalRequestForm, SessionRowForm

    ClinicSettings.objects.filter(pk=1).update(time_zone="Pacific/Pago_Pago")
    island = LocationFactory(
        name="Line Islands", dea_number="FL1234563", time_zone="Pacific/Kiritimati"
    )
    chair = ChairFactory(location=island)
    now = timezone.now()
    clinic_today = timezone.localdate(now, zoneinfo.ZoneInfo("Pacific/Pago_Pago"))
    island_today = timezone.localdate(now, island.zone)
    assert island_today > clinic_today
    typed = {"start_time": "10:00", "chair": chair.pk}
    past = SessionRowForm({"day": clinic_today.isoformat(), **typed}, location=island)
    assert past.errors["day"] == ["Choose today or a later date."]
    assert SessionRowForm({"day": island_today.isoformat(), **typed}, location=island).is_valid()
    ask = ProposalRequestForm({"first_date": clinic_today.isoformat()}, location=island)
    assert ask.errors["first_date"] == ["Choose today or a later date."]


def test_the_check_in_button_shows_on_the_locations_day(
    pasadena, login, personas, monkeypatch
) -> None:
    """A Pasadena session at 20:30 on a Monday (23:30 in New York); at 21:30 in Pasadena it
    is Tuesday in New York but still the session's day at the chair: the button shows."""
    from sessions.views.scheduling import patient_sessions as view

    _, chairs = pasadena
    day = timezone.localdate(timezone.now(), PACIFIC) - dt.timedelta(days=2)
    booked = AppointmentFactory(
        patient=personas.patient_a, chair=chairs[0], start=pacific(day, 20, 30),
        end=pacific(day, 22, 30),
    )  # fmt: skip
    nurse = login(personas.nurse)
    url = reverse("patient_sessions", args=[personas.patient_a.pk])
    check_in = reverse("appointment_check_in", args=[booked.pk])
    monkeypatch.setattr(view.timezone, "now", lambda: pacific(day, 21, 30))
    assert check_in in nurse.get(url).content.decode()
    monkeypatch.setattr(view.timezone, "now", lambda: pacific(day + dt.timedelta(days=1), 0, 30))
    assert check_in not in nurse.get(url).content.decode()  # the next day at the chair


def test_reminders_of_a_pasadena_session_give_its_time_on_its_clock(pasadena, personas) -> None:
    from clinic.models import ClinicSettings, Reminder
    from clinic.notifications.reminders import render
    from sessions.reminders import booking_context, session_context

    _, chairs = pasadena
    monday = next_monday()
    booked = AppointmentFactory(
        patient=personas.patient_a, chair=chairs[0], start=pacific(monday, 10),
        end=pacific(monday, 12),
    )  # fmt: skip
    zone = f"{pacific(monday, 10):%Z}"  # PST or PDT
    clinic = ClinicSettings.objects.get(pk=1)
    patient = personas.patient_a
    target = f"appointment:{booked.pk}/patient"
    reminder = Reminder(kind="session_24h", channel="email", target=target, patient=patient)
    message = render(reminder, session_context(reminder), clinic)
    assert f"at 10:00 AM {zone}" in message.text and f"10:00 AM {zone}" in message.subject
    assert f"at 10:00 AM {zone}" in message.html
    two_hours = Reminder(kind="session_2h", channel="sms", target=target, patient=patient)
    assert f"today at 10:00 AM {zone}." in render(two_hours, session_context(two_hours), clinic).sms
    confirmation = Reminder(
        kind="booking_confirmation", channel="sms", target=f"booked:{booked.pk}/p", patient=patient
    )
    sms = render(confirmation, booking_context(confirmation), clinic).sms
    assert f"{monday:%b} {monday.day} 10:00 AM {zone}" in sms
    # At the clinic's own location: no zone after the time.
    home = AppointmentFactory(
        patient=patient, chair=ChairFactory(name="Chair 8"), start=eastern(monday, 16),
        end=eastern(monday, 18),
    )  # fmt: skip
    here = Reminder(kind="session_2h", channel="sms", target=f"appointment:{home.pk}/p")
    assert "today at 4:00 PM. " in render(here, session_context(here), clinic).sms
