"""The chair guards the patient (issue 13), in the browser as a nurse and a coordinator do
it: a weight typed in pounds must be confirmed, a dose is held for a missing SpO2,
discharge waits for a fresh set of vitals, and a declined patient's sessions leave the
calendar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from intake.models import Intake
from intake.services import eligibility_decide
from sessions.models import TreatmentSession
from sessions.services import records as services
from tests.e2e import steps
from tests.factories import AppointmentFactory
from tests.sessions.test_session_record import NORMAL, check_in, dose

pytestmark = pytest.mark.e2e
TABLET = {"width": 820, "height": 1180}
PASSWORD = "a-long-test-password"


@pytest.fixture
def nurse_page(page: Page, live_server, transactional_db, personas, settings) -> Page:
    settings.CLINIC_REQUIRE_MFA = False
    for user in (personas.nurse, personas.coordinator):
        user.set_password(PASSWORD)
        user.save()
    page.set_viewport_size(TABLET)
    steps.sign_in(page, personas.nurse.username, PASSWORD)
    return page


def test_a_weight_typed_in_pounds_must_be_confirmed(nurse_page: Page, chairside, personas) -> None:
    intake = Intake.objects.get(patient=personas.patient_a)
    intake.answers = {**intake.answers, "weight_kg": 82}
    intake.save(update_fields=["answers"])
    session = chairside.open(personas.nurse)
    nurse_page.goto(f"/sessions/{session.pk}/")
    row = nurse_page.locator("#checkin-weight_kg")
    row.get_by_role("spinbutton", name="Weight today (kg)").fill("180")
    row.get_by_role("button", name="Save: Weight today (kg)").click()
    expect(row).to_contain_text("180 kg differs from the last recorded 82 kg by more than 10 %")
    expect(row).to_contain_text("if 180 was pounds, that is 81.6 kg")
    expect(row.get_by_role("spinbutton", name="Weight today (kg)")).to_have_value("180")
    steps.assert_accessible(nurse_page)  # the refusal and the confirmation box
    row.get_by_label("Re-measured: this weight is right, in kilograms").check()
    row.get_by_role("button", name="Save: Weight today (kg)").click()
    expect(row).to_contain_text("180.0 kg (396.8 lb) — large change confirmed as re-measured")
    steps.assert_accessible(nurse_page)


def test_a_dose_is_held_for_a_missing_spo2_until_it_is_measured(
    nurse_page: Page, chairside, personas
) -> None:
    session = chairside.open(personas.nurse)
    check_in(session, personas.nurse)
    nurse_page.goto(f"/sessions/{session.pk}/")
    form = nurse_page.locator("#vitals-form")
    form.get_by_label("Systolic").fill("128")
    form.get_by_label("Diastolic").fill("82")
    form.get_by_label("HR (bpm)").fill("74")
    form.get_by_role("button", name="Save vitals").click()
    gate = nurse_page.locator("#gate")
    expect(gate).to_contain_text("HOLD")
    expect(gate).to_contain_text("No pre-dose SpO2 in the 30 minutes before the dose")
    steps.assert_accessible(nurse_page)
    dose_block = nurse_page.locator("#dose")
    dose_block.get_by_label("Lot number").fill("KET-1")
    dose_block.get_by_label("Lot expiry").fill("2030-01-31")
    dose_block.get_by_label("Concentration (mg/mL)").fill("10")
    dose_block.get_by_label("Volume drawn up (mL)").fill("3.62")
    dose_block.get_by_role("button", name="Record the dose given").click()
    expect(nurse_page.locator("#dose")).to_contain_text("Pre-dose hold")
    assert TreatmentSession.objects.get(pk=session.pk).appointment.status == "checked_in"
    form.get_by_label("SpO2").fill("97")
    form.get_by_role("button", name="Save vitals").click()
    expect(gate).to_contain_text("Proceed")
    dose_block = nurse_page.locator("#dose")
    dose_block.get_by_label("Lot number").fill("KET-1")
    dose_block.get_by_label("Lot expiry").fill("2030-01-31")
    dose_block.get_by_label("Concentration (mg/mL)").fill("10")
    dose_block.get_by_label("Volume drawn up (mL)").fill("3.62")
    dose_block.get_by_role("button", name="Record the dose given").click()
    expect(nurse_page.locator("#status")).to_contain_text("Dosing")


def test_discharge_waits_for_a_fresh_set_of_vitals(nurse_page: Page, chairside, personas) -> None:
    session = chairside.open(personas.nurse)
    TreatmentSession.objects.filter(pk=session.pk).update(
        opened_at=timezone.now() - dt.timedelta(minutes=130)  # checked in on arrival
    )
    check_in(session, personas.nurse)
    services.reading_record(
        session=session,
        values=NORMAL,
        taken_at=timezone.now() - dt.timedelta(minutes=125),
        actor=personas.nurse,
    )
    dose(session, personas.nurse, minutes_ago=120)
    services.infusion_end(
        session=session, at=timezone.now() - dt.timedelta(minutes=80), actor=personas.nurse
    )
    services.reading_record(
        session=session,
        values=NORMAL | {"moaas": 5},
        dissociation=0,
        taken_at=timezone.now() - dt.timedelta(minutes=30),
        actor=personas.nurse,
    )
    services.discharge_assess(
        session=session,
        answers=dict.fromkeys(
            ("oriented", "steady_gait", "nausea_controlled", "escort_present"), True
        ),
        actor=personas.nurse,
    )
    nurse_page.goto(f"/sessions/{session.pk}/")
    discharge = nurse_page.locator("#discharge")
    expect(discharge).to_contain_text("Last full set was taken 30 min ago")
    expect(discharge.get_by_role("button", name="Discharge the patient")).to_have_count(0)
    expect(discharge).to_contain_text("Discharge becomes available when every criterion is met")
    steps.assert_accessible(nurse_page)
    steps.record_vitals(nurse_page, 0, 124, 80, "5", dissociation="0")
    discharge.get_by_role("button", name="Discharge the patient").click()
    expect(discharge).to_contain_text("Discharged at")


def test_a_declined_patients_booked_sessions_leave_the_calendar(
    page: Page, live_server, transactional_db, chairside, personas, settings
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    personas.coordinator.set_password(PASSWORD)
    personas.coordinator.save()
    # Three days ahead: today's chairside session, late in the evening, may run past
    # midnight into tomorrow's calendar.
    later = timezone.localdate() + dt.timedelta(days=3)
    start = timezone.make_aware(dt.datetime.combine(later, dt.time(10, 0)))
    AppointmentFactory(
        patient=personas.patient_a,
        plan=chairside.plan,
        kind="induction",
        series_number=2,
        chair=chairside.chair,
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )
    steps.sign_in(page, personas.coordinator.username, PASSWORD)
    page.goto(f"/calendar/?date={later.isoformat()}")
    expect(page.get_by_text("Alice Quillfeather")).to_be_visible()
    eligibility_decide(
        intake=Intake.objects.get(patient=personas.patient_a),
        actor=personas.psychiatrist,
        decision="declined",
        staff_reason="New history of psychosis reported by the family.",
    )
    page.reload()
    expect(page.get_by_text("Alice Quillfeather")).to_have_count(0)
    steps.go_to(page, "Cancelled", group="Schedule")
    expect(page.get_by_role("row", name=re.compile("Quillfeather"))).to_contain_text(
        "Eligibility changed: declined"
    )
    steps.assert_accessible(page)
