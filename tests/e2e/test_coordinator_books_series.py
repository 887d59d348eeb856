"""A coordinator books a 6-session IV series for an approved patient and manages it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic.models import Chair, Patient
from sessions.models import Appointment
from tests.e2e.steps import go_to, sign_in
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.e2e


def busy(chair: Chair, start: dt.datetime, end: dt.datetime) -> bool:
    return (
        Appointment.objects.filter(chair=chair, start__lt=end, end__gt=start)
        .exclude(status="cancelled")
        .exists()
    )


def free_slot(chair: Chair, session: Appointment) -> dt.datetime:
    """A 2 h slot in this chair on the session's day that overlaps nothing of the chair's
    and starts at least 30 min after the session ends or ends before it starts."""
    day = timezone.localtime(session.start).replace(minute=0, second=0, microsecond=0)
    for hour in range(8, 16):
        start = day.replace(hour=hour)
        clear_of_session = start >= session.end or start + dt.timedelta(hours=2.5) <= session.start
        if clear_of_session and not busy(chair, start, start + dt.timedelta(hours=2)):
            return start
    raise AssertionError("the demo day has no free 2 h slot in this chair")


def test_coordinator_books_a_series_sees_it_and_reschedules_one(
    page: Page, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    patel = Patient.objects.get(legal_last_name="Patel")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "coordinator", "demo-clinic-2026")

    go_to(page, "Patient list", group="Patients")
    page.get_by_label("Name or record number").fill("patel")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Patel, Noah").click()
    page.get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Book the series").click()

    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    page.get_by_label("First session on or after").fill(monday.isoformat())
    page.get_by_label("Preferred start time").fill("11:00")
    page.get_by_role("button", name="Propose dates").click()
    expect(page.get_by_role("heading", name="Proposed sessions")).to_be_visible()
    expect(page.get_by_label("Session 6 date")).to_be_visible()
    page.screenshot(path=screenshot_dir / "booking-proposal.png", full_page=True)
    page.get_by_role("button", name="Book 6 sessions").click()
    expect(page.get_by_role("status")).to_contain_text("6 sessions booked for Noah Patel")
    expect(page.get_by_text("0 of 6 done, 6 booked")).to_be_visible()

    first = Appointment.objects.filter(patient=patel).order_by("start").first()
    day = timezone.localtime(first.start).date()
    page.goto(f"/calendar/?date={day.isoformat()}")
    chair_column = page.get_by_role("region", name=first.chair.name)
    expect(chair_column).to_contain_text("Noah Patel")
    page.screenshot(path=screenshot_dir / "calendar-day.png", full_page=True)
    page.get_by_role("link", name="Week").click()
    expect(page.get_by_text("Noah Patel").first).to_be_visible()

    # Reschedule session 1 into a slot another patient holds that day: refused, clearly.
    other = Appointment.objects.exclude(patient=patel).select_related("plan").first()
    blocker_start = free_slot(first.chair, first)
    AppointmentFactory(
        booster=True,
        patient=other.patient,
        plan=other.plan,
        chair=first.chair,
        start=blocker_start,
        end=blocker_start + dt.timedelta(hours=2),
        booked_by=other.booked_by,
    )
    wanted = timezone.localtime(blocker_start + dt.timedelta(minutes=30))
    page.goto(f"/patients/{patel.pk}/sessions/")
    page.get_by_role("link", name="Reschedule session 1").click()
    page.get_by_label("Start").fill(wanted.strftime("%H:%M"))
    page.get_by_role("button", name="Move the session").click()
    expect(page.get_by_text(f"{first.chair.name} is already booked")).to_be_visible()
    page.screenshot(path=screenshot_dir / "reschedule-refused.png", full_page=True)

    # The same time in a free chair works; the old time is cancelled and linked.
    free_chair = next(
        chair
        for chair in Chair.objects.exclude(pk=first.chair_id).order_by("display_order")
        if not busy(chair, wanted, wanted + (first.end - first.start))
    )
    page.get_by_label("Chair").select_option(str(free_chair.pk))
    page.get_by_role("button", name="Move the session").click()
    expect(page.get_by_role("status")).to_contain_text("Session rescheduled")
    first.refresh_from_db()
    assert first.status == "cancelled"
    moved = first.rescheduled_to
    assert (timezone.localtime(moved.start), moved.chair) == (wanted, free_chair)
    page.screenshot(path=screenshot_dir / "patient-sessions.png", full_page=True)
