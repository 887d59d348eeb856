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

pytestmark = pytest.mark.e2e
TABLET = {"width": 1024, "height": 1366}


def clock(minutes_ago: int) -> str:
    """The clinic-time "HH:MM" of a moment some minutes ago (the fixture's clinic zone)."""
    from clinic.selectors import clinic_settings

    moment = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return timezone.localtime(moment, clinic_settings().zone).strftime("%H:%M")


def sign_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()


def record_vitals(page: Page, minutes_ago: int, sys: int, dia: int, moaas: str = "") -> None:
    form = page.locator("#vitals-form")
    form.get_by_label("Systolic").fill(str(sys))
    form.get_by_label("Diastolic").fill(str(dia))
    form.get_by_label("HR (bpm)").fill("78")
    form.get_by_label("SpO2").fill("98")
    form.get_by_label("RR (/min)").fill("14")
    if moaas:
        form.get_by_label("MOAA/S").select_option(moaas)
    form.get_by_label("Time taken").fill(clock(minutes_ago))
    form.get_by_role("button", name="Save vitals").click()
    expect(page.locator("#vitals-log")).to_contain_text(f"{sys}/{dia}")
    expect(page.locator("#vitals-form").get_by_label("Systolic")).to_have_value("")


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

    page.get_by_role("link", name="Nurse board").click()
    expect(page.get_by_role("heading", name="Arrivals today")).to_be_visible()
    page.get_by_role("button", name="Check in AQ").click()
    expect(page.get_by_role("heading", name="Session 1 of 6 — Alice Quillfeather")).to_be_visible()

    for item in (
        "Identity confirmed",
        "Fasting as instructed",
        "Escort present or confirmed for pick-up",
        "Agrees not to drive until tomorrow",
    ):
        page.get_by_role("button", name=f"Confirm: {item}").click()
        expect(page.get_by_role("button", name=f"Confirm: {item}")).to_have_count(0)
    page.get_by_role("spinbutton", name="Weight today (kg)").fill("72.4")
    page.get_by_role("button", name="Save: Weight today (kg)").click()
    expect(page.locator("#checkin-weight_kg")).to_contain_text("72.4 kg — James")
    page.get_by_label("Not pregnant (confirmed today)").check()
    page.get_by_role("button", name="Save: Pregnancy status re-confirmed").click()
    page.get_by_role("textbox", name="Medication changes since last visit").fill("None")
    page.get_by_role("button", name="Save: Medication changes since last visit").click()
    phq9 = page.locator("#phq9")
    for question in range(1, 10):
        answer = "Several days" if question <= 3 else "Not at all"
        phq9.locator(f"#div_id_q{question}").get_by_label(answer).check()
    phq9.get_by_role("button", name="Save PHQ-9").click()
    expect(page.locator("#phq9")).to_contain_text("Total 3")
    page.screenshot(path=screenshot_dir / "session-checkin.png", full_page=True)

    record_vitals(page, 110, 128, 82)
    expect(page.locator("#gate")).to_contain_text("Proceed")
    dose = page.locator("#dose")
    expect(dose.get_by_label("Dose (mg/kg)")).to_have_value("0.500")
    expect(dose.locator("#dose-total")).to_have_text("36.2 mg")
    dose.get_by_label("Infusion started at").fill(clock(100))
    dose.get_by_label("Lot number").fill("KET-24117")
    dose.get_by_label("Lot expiry").fill("2027-09-30")
    dose.get_by_role("button", name="Record the dose given").click()
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
    for _ in range(alerts.get_by_role("button", name="Acknowledge").count()):
        alerts.get_by_label("Action taken").first.fill("Infusion rate reduced, BP rechecked")
        alerts.get_by_role("button", name="Acknowledge").first.click()
        page.wait_for_timeout(300)
    expect(alerts.get_by_role("button", name="Acknowledge")).to_have_count(0)

    dose.get_by_label("Time", exact=True).fill(clock(60))
    dose.get_by_role("button", name="Infusion ended").click()
    expect(page.locator("#status")).to_contain_text("Observation")
    record_vitals(page, 45, 136, 84, "4")
    record_vitals(page, 30, 128, 80, "5")
    record_vitals(page, 15, 124, 80, "5")
    discharge = page.locator("#discharge")
    for item in (
        "Oriented to time, place and person",
        "Walks steadily",
        "Nausea controlled",
        "Escort present to take the patient home",
    ):
        discharge.get_by_role("button", name=f"Confirm: {item}").click()
        expect(
            page.locator("#discharge").get_by_role("button", name=f"Undo: {item}")
        ).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Ready to leave")
    page.screenshot(path=screenshot_dir / "session-ready.png", full_page=True)
    page.get_by_role("button", name="Discharge the patient").click()
    expect(page.locator("#discharge")).to_contain_text("Discharged at")
    page.get_by_role("button", name="Sign the session record").click()
    expect(page.locator("#signoff")).to_contain_text("signed by James")
    expect(card).to_have_count(0, timeout=12_000)  # discharged: off the board
    board.close()  # leave the floor: stop its 8-second polling

    psychiatrist = new_tab(viewport={"width": 1366, "height": 900})
    sign_in(psychiatrist, personas.psychiatrist.username)
    session = TreatmentSession.objects.get(appointment=chairside.appointment)
    psychiatrist.goto(f"/sessions/{session.pk}/")
    psychiatrist.get_by_role("button", name="Co-sign and lock the record").click()
    expect(psychiatrist.locator("#signoff")).to_contain_text("the record is locked")
    psychiatrist.screenshot(path=screenshot_dir / "session-locked.png", full_page=True)
    session.refresh_from_db()
    assert session.is_locked and session.appointment.status == "completed"
    assert session.readings.count() == 6
