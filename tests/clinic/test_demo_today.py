"""Today at the clinic: a closed day says why and when the clinic opens next, and the
demo, whatever day it is started, makes today an open day for its live sessions."""

from __future__ import annotations

import datetime as dt
import html
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings, Closure, OpeningHours, User
from tests.factories import ClosureFactory, open_clinic

NY = zoneinfo.ZoneInfo("America/New_York")
SUNDAY_AFTERNOON = dt.datetime(2026, 11, 29, 14, 0, tzinfo=NY)


@pytest.fixture
def sunday(monkeypatch):
    """The clock reads Sunday, November 29, 2026, 2 PM in New York."""
    monkeypatch.setattr(timezone, "now", lambda: SUNDAY_AFTERNOON.astimezone(dt.UTC))
    return SUNDAY_AFTERNOON.date()


def header(client) -> str:
    return html.unescape(client.get(reverse("home")).content.decode())


def test_a_closed_weekday_says_why_and_names_the_next_open_day(sunday, personas, login) -> None:
    ClinicSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    open_clinic()  # Monday to Friday
    page = header(login(personas.coordinator))
    assert "Sunday, November 29, 2026" in page
    assert "Test Clinic is closed today: it does not open on Sundays" in page
    assert "Next open day: Monday, November 30, 8:00 AM–6:00 PM" in page


def test_a_closure_names_its_reason_and_the_next_open_day_after_it(
    monkeypatch, sunday, personas, login
) -> None:
    ClinicSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    open_clinic()
    ClosureFactory(date=sunday + dt.timedelta(days=1), reason="Staff training")
    nurse = login(personas.nurse)
    assert "Next open day: Tuesday, December 1, 8:00 AM–6:00 PM" in header(nurse)
    monday = SUNDAY_AFTERNOON + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: monday.astimezone(dt.UTC))
    page = header(login(personas.nurse))  # a day later: signed out for inactivity
    assert "Test Clinic is closed today: Staff training" in page
    assert "Next open day: Tuesday, December 1, 8:00 AM–6:00 PM" in page


def test_the_demo_started_on_a_sunday_opens_today_with_its_live_sessions(sunday, db, login) -> None:
    call_command("seed_demo", verbosity=0)
    assert OpeningHours.objects.filter(location__name="Riverside", weekday=6).exists()
    assert not OpeningHours.objects.filter(location__name="Harbor Point", weekday=6).exists()
    page = header(login(User.objects.get(username="coordinator")))
    assert "Sunday, November 29, 2026" in page
    assert "Riverside is open 8:00 AM–6:00 PM" in page
    assert "closed today" not in page
    from sessions.models import TreatmentSession

    live = TreatmentSession.objects.filter(discharged_at__isnull=True)
    assert live.exists()
    assert {timezone.localtime(s.opened_at, NY).date() for s in live} == {sunday}


def test_the_demo_never_seeds_a_holiday_closure_on_the_day_it_starts(monkeypatch, db) -> None:
    from clinic.management.commands.seed_demo import Command

    thanksgiving = dt.datetime(2026, 11, 26, 11, 0, tzinfo=NY)
    monkeypatch.setattr(timezone, "now", lambda: thanksgiving.astimezone(dt.UTC))
    Command()._clinic()
    assert not Closure.objects.filter(date=thanksgiving.date()).exists()
    assert Closure.objects.filter(reason="Christmas Day", location=None).exists()
    assert OpeningHours.objects.filter(
        location__name="Riverside", weekday=thanksgiving.weekday()
    ).exists()
