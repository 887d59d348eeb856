"""Closing a day (issue 15, 3): the date comes from the date picker, a past day is
refused, and a day with booked sessions is closed only after the admin has seen them."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.models import Closure
from tests.conftest import sign_in
from tests.factories import AppointmentFactory, ChairFactory, ClosureFactory, open_day
from tests.sessions.conftest import make_plan


def _closure(client: Client, day: dt.date, **extra: str):
    return client.post(
        reverse("admin:clinic_closure_add"),
        {"date": day.isoformat(), "reason": "Staff training", **extra},
    )


def test_a_past_day_cannot_be_closed(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page = _closure(admin, yesterday)
    assert "is in the past" in page.content.decode()
    assert not Closure.objects.exists()
    # The field is the browser's date picker (no 08/12/2026 read the wrong way round).
    form_page = admin.get(reverse("admin:clinic_closure_add")).content.decode()
    assert 'type="date"' in form_page


def test_closing_a_day_with_booked_sessions_lists_them_and_asks_to_confirm(personas) -> None:
    day = open_day(3)
    chair = ChairFactory(name="Chair 1")
    plan = make_plan(personas.patient_a, personas.psychiatrist)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    AppointmentFactory(
        patient=personas.patient_a,
        plan=plan,
        kind="induction",
        series_number=1,
        chair=chair,
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )
    admin = sign_in(Client(), personas.admin)
    page = _closure(admin, day).content.decode()
    assert "1 session(s) are booked" in page
    assert f"10:00 AM Chair 1 ({personas.patient_a.mrn})" in page
    assert not Closure.objects.exists()

    confirmed = _closure(admin, day, confirm="on")
    assert confirmed.status_code == 302
    assert Closure.objects.filter(date=day).exists()


def test_the_day_view_marks_a_closed_day_and_the_sessions_to_move(personas, login) -> None:
    day = open_day(3)
    chair = ChairFactory(name="Chair 1")
    plan = make_plan(personas.patient_a, personas.psychiatrist)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    AppointmentFactory(
        patient=personas.patient_a,
        plan=plan,
        kind="induction",
        series_number=1,
        chair=chair,
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )
    ClosureFactory(date=day, reason="Staff training")
    page = login(personas.coordinator).get(reverse("calendar_day") + f"?date={day.isoformat()}")
    html = page.content.decode()
    assert "Test Clinic is closed on this day" in html
    assert "1 session still booked" in html
    assert "To move: closed day" in html
