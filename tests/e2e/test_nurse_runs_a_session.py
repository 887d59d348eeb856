"""On a tablet, a nurse runs a whole IV session: check-in, gate, dose, vitals every 15
minutes with an alert acknowledged, infusion end, discharge and signature; the nurse
board follows along by itself; the psychiatrist co-signs and the record is locked.

The session is charted after the fact (times typed into the time fields), as nurses do
when they catch up, so the two-hour session runs in a minute of test time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions.models import TreatmentSession
from tests.e2e import steps
from tests.e2e.steps import (
    acknowledge_alerts,
    checkin_asq_all_no,
    checkin_phq9,
    clock,
    confirm_checkin,
    confirm_discharge_criteria,
    record_dose,
    record_vitals,
)

pytestmark = pytest.mark.e2e
TABLET = {"width": 1024, "height": 1366}


def sign_in(page: Page, username: str) -> None:
    steps.sign_in(page, username, "a-long-test-password")


def test_a_nurse_runs_an_iv_session_on_a_tablet(
    page: Page,
    new_tab,
    live_server,
    transactional_db,
    chairside,
    personas,
    settings,
    screenshot_dir,
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    for user in (personas.nurse, personas.psychiatrist):
        user.set_password("a-long-test-password")
        user.save()
    page.set_viewport_size(TABLET)
    sign_in(page, personas.nurse.username)

    steps.go_to(page, "Nurse board", group="Treatment floor")
    expect(page.get_by_role("heading", name="Arrivals today")).to_be_visible()
    page.get_by_role("button", name="Check in AQ").click()
    expect(page.get_by_role("heading", name="Session 1 of 6 — Alice Quillfeather")).to_be_visible()
    # Charted after the fact: the patient was checked in on arrival, two hours ago.
    TreatmentSession.objects.filter(opened_at__gte=timezone.now() - dt.timedelta(minutes=5)).update(
        opened_at=timezone.now() - dt.timedelta(minutes=120)
    )

    confirm_checkin(page, weight="72.4", nurse="James")
    checkin_phq9(page, several_days=3)
    checkin_asq_all_no(page)
    page.screenshot(path=screenshot_dir / "session-checkin.png", full_page=True)

    record_vitals(page, 110, 128, 82)
    # Charted after the fact: the gate judges the 30 minutes before the dose time entered.
    expect(page.locator("#gate")).to_contain_text("in the 30 minutes before the dose")
    dose = page.locator("#dose")
    expect(dose.get_by_label("Dose (mg/kg)")).to_have_value("0.500")
    expect(dose.locator("#dose-total")).to_have_text("36.2 mg")
    record_dose(page, minutes_ago=100, lot="KET-24117", volume_ml="3.62")
    expect(page.locator("#gate")).to_contain_text("Proceed")
    expect(page.locator("#dose")).to_contain_text("36.2 mg")
    expect(page.locator("#status")).to_contain_text("Dosing")

    # The board, open on another screen, follows along without a reload.
    board = new_tab(viewport={"width": 1280, "height": 900})
    sign_in(board, personas.nurse.username)
    board.goto("/board/")
    card = board.locator(".board-card", has_text="AQ")
    expect(card).to_contain_text("Dosing")

    record_vitals(page, 85, 134, 84, "4")
    record_vitals(page, 70, 168, 96, "3")
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text("Blood pressure 168/96 mmHg is high")
    expect(card).to_contain_text("168/96", timeout=12_000)  # the board refreshed itself
    page.screenshot(path=screenshot_dir / "session-alert.png", full_page=True)
    acknowledge_alerts(page, "Infusion rate reduced, BP rechecked")
    dose.get_by_label("Time", exact=True).fill(clock(60))
    dose.get_by_role("button", name="Infusion ended").click()
    expect(page.locator("#status")).to_contain_text("Observation")
    record_vitals(page, 45, 136, 84, "4")
    record_vitals(page, 30, 128, 80, "5")
    record_vitals(page, 10, 124, 80, "5", dissociation="0")
    confirm_discharge_criteria(page)
    page.screenshot(path=screenshot_dir / "session-ready.png", full_page=True)
    page.get_by_role("button", name="Discharge the patient").click()
    expect(page.locator("#discharge")).to_contain_text("Discharged at")
    page.get_by_label("I have reviewed this session record: it is complete").check()
    page.get_by_role("button", name="Sign the session record").click()
    expect(page.locator("#signoff")).to_contain_text("signed by James")
    expect(card).to_have_count(0, timeout=12_000)  # discharged: off the board
    board.close()  # leave the floor: stop its 8-second polling

    psychiatrist = new_tab(viewport={"width": 1366, "height": 900})
    sign_in(psychiatrist, personas.psychiatrist.username)
    session = TreatmentSession.objects.get(appointment=chairside.appointment)
    psychiatrist.goto(f"/sessions/{session.pk}/")
    psychiatrist.get_by_label("I have reviewed this session record and co-sign it").check()
    psychiatrist.get_by_role("button", name="Co-sign and lock the record").click()
    expect(psychiatrist.locator("#signoff")).to_contain_text("the record is locked")
    psychiatrist.screenshot(path=screenshot_dir / "session-locked.png", full_page=True)
    session.refresh_from_db()
    assert session.is_locked and session.appointment.status == "completed"
    assert session.readings.count() == 6


def test_a_nurse_marks_a_mistyped_reading_entered_in_error(
    page: Page, live_server, transactional_db, chairside, personas, settings, screenshot_dir
) -> None:
    """BP 300/20 typed for 130/80 raises a critical alert; the nurse who typed it marks it
    entered in error with the reason: it stays, struck through, and the alert closes."""
    from tests.sessions.test_session_record import dose, ready_to_dose

    settings.CLINIC_REQUIRE_MFA = False
    personas.nurse.set_password("a-long-test-password")
    personas.nurse.save()
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=20)
    dose(session, personas.nurse, minutes_ago=20)
    page.set_viewport_size({"width": 820, "height": 1180})
    sign_in(page, personas.nurse.username)
    page.goto(f"/sessions/{session.pk}/")

    record_vitals(page, 2, 300, 20)
    status = page.locator("#status")
    expect(status).to_contain_text("1 critical alert open")
    log = page.locator("#vitals-log")
    expect(log).to_contain_text("Critical: blood pressure high")
    when = clock(2)
    log.get_by_text(f"Entered in error… (reading at {when})").click()
    log.get_by_role("button", name="Mark entered in error").first.click()
    # The browser refuses an empty reason before anything is sent.
    expect(log.get_by_label(f"Why is the reading at {when} wrong?")).to_be_visible()
    expect(log.locator("del")).to_have_count(0)
    log.get_by_label(f"Why is the reading at {when} wrong?").fill("Typo: BP was 130/80")
    page.once("dialog", lambda dialog: dialog.accept())
    log.get_by_role("button", name="Mark entered in error").first.click()

    expect(log).to_contain_text("Entered in error — Typo: BP was 130/80 (James")
    expect(log.locator("del", has_text="300/20")).to_be_visible()
    expect(status).not_to_contain_text("critical alert open")
    expect(page.locator("#alerts")).to_contain_text("Closed: the reading was entered in error")
    expect(page.locator("#alerts").get_by_role("button", name="Acknowledge")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    steps.assert_accessible(page)
    page.locator("#vitals-log").screenshot(path=screenshot_dir / "session-entered-in-error.png")
    page.screenshot(path=screenshot_dir / "session-entered-in-error-page.png", full_page=True)
    reading = session.readings.get(systolic=300)
    assert reading.entered_in_error_by == personas.nurse
    assert reading.alerts.filter(acknowledged_at__isnull=True).count() == 0
