"""One patient through the whole program, every role in its own browser window:
invite → intake (phone) → screening → review and approval → plan → series booking →
check-in, dose, vitals with an alert, discharge (tablet) → co-sign → integration note →
PHQ-9 (phone) → PHQ-9 trend → course summary PDF → booster. Pages are found by their
visible labels and roles; a screenshot of every page goes to test-artifacts/journey/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic.models import Chair, ClinicSettings, Location, Patient, User
from intake.models import EligibilityDecision, MeasureResult
from integration.models import IntegrationNote
from sessions.demo_records import build_record
from sessions.models import Appointment, TreatmentSession
from tests.e2e import steps
from tests.e2e.steps import (
    acknowledge_alerts,
    answer,
    checkin_asq_all_no,
    checkin_phq9,
    clock,
    confirm_checkin,
    confirm_discharge_criteria,
    intake_no_psychiatric_history,
    intake_no_substance_use,
    intake_pregnancy_to_getting_home,
    intake_suicide_risk_screen_all_no,
    record_dose,
    record_vitals,
    sign_in,
    write_note,
)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 1366}
DESKTOP = {"width": 1366, "height": 900}
STAFF_PASSWORD = "demo-clinic-2026"


def midday_zone() -> str:
    """A clinic time zone in which it is about noon now, so back-charted times ("two
    hours ago") always fall on the clinic's today, whenever the suite runs."""
    offset = 12 - timezone.now().hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


class Journey:
    """Windows per role and numbered screenshots."""

    def __init__(self, new_tab, directory) -> None:
        self.new_tab = new_tab
        self.directory = directory
        self.count = 0

    def window(self, username: str, password: str = STAFF_PASSWORD, viewport=DESKTOP) -> Page:
        page = self.new_tab(viewport=viewport)
        sign_in(page, username, password)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    def shot(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=self.directory / f"{self.count:02d}-{name}.png", full_page=True)


def fill_intake(page: Page, journey: Journey) -> None:
    """The patient's answers: depression for years, no contraindication, PHQ-9 of 16."""
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    page.get_by_label("Date of birth").fill("1988-09-14")
    page.get_by_label("Female").check()
    page.get_by_label("Mobile phone").fill("(617) 555-0199")
    page.get_by_label("Street address").fill("14 Linden Street")
    page.get_by_label("City").fill("Cambridge")
    page.get_by_label("State").fill("MA")
    page.get_by_label("ZIP code").fill("02139")
    page.get_by_label("Emergency contact: name").fill("Chris Ward")
    page.get_by_label("Emergency contact: phone").fill("(617) 555-0123")
    page.get_by_label("Emergency contact: how you know them").fill("partner")
    page.get_by_label("Email and text message").check()
    journey.shot(page, "patient-intake-about-you")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Why you are seeking treatment")).to_be_visible()
    page.get_by_label("Depression", exact=True).check()
    page.get_by_label("For how many years").fill("8")
    page.get_by_label("How many different antidepressant").fill("3")
    answer(page, "talk therapy", "Yes")
    answer(page, "ECT or TMS", "No")
    page.get_by_role("button", name="Next").click()

    intake_no_psychiatric_history(page)
    answer(page, "Have you ever attempted suicide?", "No")
    journey.shot(page, "patient-intake-mental-health")
    page.get_by_role("button", name="Next").click()

    intake_no_substance_use(page, drinks="1")

    expect(page.get_by_role("heading", name="Heart, brain and other health")).to_be_visible()
    expect(page.locator("body[data-conditions-ready]")).to_have_count(1)
    for radio in page.locator("input[type=radio][value=no]:visible").all():
        radio.check()
    page.locator("input[name=liver_disease][value=none]").check()
    page.get_by_label("Your weight in kilograms").fill("68.0")
    page.get_by_role("button", name="Next").press("Enter")

    intake_pregnancy_to_getting_home(page, medicines="escitalopram 20 mg, once a day")

    expect(page.get_by_role("heading", name="How you have been feeling")).to_be_visible()
    for item in range(1, 10):
        page.locator(f"input[name=q{item}][value='{2 if item < 9 else 0}']").check()
    journey.shot(page, "patient-intake-phq9")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Worry and anxiety")).to_be_visible()
    for item in range(1, 8):
        page.locator(f"input[name=q{item}][value='1']").check()
    page.get_by_role("button", name="Next").click()

    intake_suicide_risk_screen_all_no(page)

    expect(page.get_by_role("heading", name="Consent")).to_be_visible()
    page.get_by_label("I have read and I agree").check()
    page.get_by_label("Type your full legal name").fill("Jamie Ward")
    page.get_by_role("button", name="Sign and continue").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    journey.shot(page, "patient-intake-check")
    page.get_by_role("button", name="Submit my intake").click()
    expect(page.get_by_text("Submitted — under review.")).to_be_visible()
    journey.shot(page, "patient-intake-submitted")


def free_chair_start(day: dt.date, at: dt.time, zone) -> tuple[Chair, dt.datetime]:
    start = dt.datetime.combine(day, at, tzinfo=zone)
    # The demo's first location (Riverside): the whole program happens there.
    riverside = Location.objects.order_by("pk").first()
    for chair in Chair.objects.filter(location=riverside).order_by("display_order"):
        if not Appointment.objects.filter(
            chair=chair, start__lt=start + dt.timedelta(hours=3), end__gt=start
        ).exclude(status="cancelled"):
            return chair, start
    # Every chair busy at that time (the demo's day): the clinic opens its spare chair.
    spare, _ = Chair.objects.get_or_create(
        name="Spare chair", defaults={"display_order": 99, "location": riverside}
    )
    return spare, start


def test_one_patient_through_the_whole_program(
    live_server, transactional_db, settings, new_tab, screenshot_dir, tmp_path
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    settings.SITE_URL = live_server.url
    call_command("seed_demo", verbosity=0)
    # The clinic and every location on that one clock: the session record reads typed
    # times on its location's clock.
    ClinicSettings.objects.filter(pk=1).update(time_zone=midday_zone())
    Location.objects.update(time_zone=midday_zone())
    zone = ClinicSettings.objects.get(pk=1).zone
    directory = screenshot_dir.parent / "journey"
    directory.mkdir(parents=True, exist_ok=True)
    journey = Journey(new_tab, directory)

    # 1. The coordinator invites the patient (desktop).
    coordinator = journey.window("coordinator")
    journey.shot(coordinator, "coordinator-home")
    steps.go_to(coordinator, "Invitations", group="Patients")
    coordinator.get_by_role("link", name="Invite a patient").click()
    coordinator.get_by_label("First name").fill("Jamie")
    coordinator.get_by_label("Last name").fill("Ward")
    coordinator.get_by_label("Email").fill("jamie.ward@example.com")
    journey.shot(coordinator, "coordinator-invite")
    coordinator.get_by_role("button", name="Send the invitation").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Invitation sent to Jamie Ward")
    journey.shot(coordinator, "coordinator-invitations")
    link = re.search(r"http://\S+/welcome/\S+/", mail.outbox[-1].body).group(0)

    # 2. The patient accepts on a phone and fills the intake.
    patient = new_tab(viewport=PHONE)
    patient.goto(link)
    expect(patient.get_by_role("heading", name="Welcome, Jamie")).to_be_visible()
    journey.shot(patient, "patient-welcome")
    patient.get_by_label("Choose a password").fill("harbor-willow-candle-4")
    patient.get_by_label("Type the password again").fill("harbor-willow-candle-4")
    patient.get_by_role("button", name="Create my login").click()
    fill_intake(patient, journey)
    ward = Patient.objects.get(legal_last_name="Ward")
    assert ward.journey_state == "awaiting_review"

    # 3. The coordinator assigns the care team.
    steps.go_to(coordinator, "Patient list", group="Patients")
    coordinator.get_by_label("Name or record number").fill("ward")
    coordinator.get_by_role("button", name="Search").click()
    coordinator.get_by_role("link", name="Ward, Jamie").click()
    coordinator.get_by_role("link", name="Change care team").click()
    coordinator.get_by_label("Psychiatrist").select_option(label="Dr. Priya Raman, MD")
    coordinator.get_by_label("Integration therapist").select_option(label="Dana Whitfield, LMFT")
    journey.shot(coordinator, "coordinator-care-team")
    coordinator.get_by_role("button", name="Save care team").click()
    expect(coordinator.get_by_text("Dana Whitfield")).to_be_visible()

    # 4. The psychiatrist reviews the screening, records the blood pressure, approves IV.
    psychiatrist = journey.window("psychiatrist")
    steps.go_to(psychiatrist, "Review queue", group="Reviews")
    journey.shot(psychiatrist, "psychiatrist-review-queue")
    psychiatrist.get_by_role("link", name="Review Jamie Ward").click()
    expect(
        psychiatrist.get_by_role("heading", name="Eligibility review: Jamie Ward")
    ).to_be_visible()
    psychiatrist.get_by_label("Systolic (mmHg)").fill("122")
    psychiatrist.get_by_label("Diastolic (mmHg)").fill("78")
    psychiatrist.get_by_role("button", name="Record and screen again").click()
    expect(psychiatrist.get_by_role("status")).to_contain_text("Blood pressure recorded")
    psychiatrist.get_by_label("Approved").check()
    psychiatrist.get_by_label("IV infusion (racemic ketamine)").check()
    journey.shot(psychiatrist, "psychiatrist-review")
    psychiatrist.get_by_role("button", name="Sign decision").click()
    expect(psychiatrist.get_by_role("status")).to_contain_text("Decision signed: Approved.")
    assert EligibilityDecision.objects.get(patient=ward).allowed_routes == ["iv"]

    # 5. The psychiatrist writes the treatment plan.
    psychiatrist.goto(f"/patients/{ward.pk}/")
    journey.shot(psychiatrist, "psychiatrist-chart-eligible")
    psychiatrist.get_by_role("link", name="Treatment plan").click()
    psychiatrist.get_by_label("IV infusion (racemic ketamine)").check()
    psychiatrist.get_by_label("Protocol").select_option(label="IV standard")
    psychiatrist.get_by_label("Dose (mg per kg)").fill("0.5")
    journey.shot(psychiatrist, "psychiatrist-plan")
    psychiatrist.get_by_role("button", name="Save plan").click()
    expect(psychiatrist.get_by_role("heading", name="Current plan (version 1)")).to_be_visible()

    # 6. The coordinator books the induction series.
    coordinator.goto(f"/patients/{ward.pk}/")
    coordinator.get_by_role("link", name="Sessions").click()
    coordinator.get_by_role("link", name="Book the series").click()
    today = timezone.localdate(timezone.now(), zone)
    monday = today + dt.timedelta(days=7 - today.weekday())
    coordinator.get_by_label("First session on or after").fill(monday.isoformat())
    coordinator.get_by_label("Preferred start time").fill("11:00")
    coordinator.get_by_role("button", name="Propose dates").click()
    expect(coordinator.get_by_role("heading", name="Proposed sessions")).to_be_visible()
    journey.shot(coordinator, "coordinator-booking")
    coordinator.get_by_role("button", name="Book 6 sessions").click()
    expect(coordinator.get_by_role("status")).to_contain_text("6 sessions booked for Jamie Ward")
    journey.shot(coordinator, "coordinator-patient-sessions")

    # The clinic weeks pass: sessions 1–5 take place (their records written as the demo
    # writes history), and session 6 is today, a few minutes ago.
    nurse_user = User.objects.get(username="nurse")
    psychiatrist_user = User.objects.get(username="psychiatrist")
    series = list(Appointment.objects.filter(patient=ward).order_by("start"))
    assert len(series) == 6
    for number, appointment in enumerate(series[:5], start=1):
        day = today - dt.timedelta(days=3 * (6 - number))
        chair, start = free_chair_start(day, dt.time(7, 0), zone)
        appointment.chair, appointment.start = chair, start
        appointment.end = start + dt.timedelta(hours=2)
        appointment.save(update_fields=["chair", "start", "end"])
        build_record(
            appointment, nurse=nurse_user, psychiatrist=psychiatrist_user, now=timezone.now()
        )
    last = series[5]
    now = timezone.localtime(timezone.now(), zone)
    chair, start = free_chair_start(today, (now - dt.timedelta(minutes=5)).time(), zone)
    last.chair, last.start, last.end = chair, start, start + dt.timedelta(hours=2)
    last.save(update_fields=["chair", "start", "end"])

    # 7. The nurse runs session 6 at the chair (tablet).
    nurse = journey.window("nurse", viewport=TABLET)
    steps.go_to(nurse, "Nurse board", group="Treatment floor")
    expect(nurse.get_by_role("heading", name="Arrivals today")).to_be_visible()
    journey.shot(nurse, "nurse-board")
    nurse.get_by_role("button", name="Check in JW").click()
    expect(nurse.get_by_role("heading", name="Session 6 of 6 — Jamie Ward")).to_be_visible()
    # Charted after the fact: the patient was checked in on arrival, two hours ago.
    TreatmentSession.objects.filter(opened_at__gte=timezone.now() - dt.timedelta(minutes=5)).update(
        opened_at=timezone.now() - dt.timedelta(minutes=120)
    )
    confirm_checkin(nurse, weight="67.6", nurse="James")
    checkin_phq9(nurse, several_days=4)
    checkin_asq_all_no(nurse)
    journey.shot(nurse, "nurse-check-in")

    record_vitals(nurse, 110, 126, 80)
    # Charted after the fact: the gate judges the 30 minutes before the dose time entered.
    expect(nurse.locator("#gate")).to_contain_text("in the 30 minutes before the dose")
    dose = nurse.locator("#dose")
    expect(dose.locator("#dose-total")).to_have_text("33.8 mg")  # 67.6 kg × 0.5 mg/kg
    record_dose(nurse, minutes_ago=100, lot="KET-25031", volume_ml="3.38")
    expect(nurse.locator("#gate")).to_contain_text("Proceed")
    expect(nurse.locator("#status")).to_contain_text("Dosing")
    record_vitals(nurse, 85, 134, 84, "4")
    record_vitals(nurse, 70, 166, 98, "3")
    alerts = nurse.locator("#alerts")
    expect(alerts).to_contain_text("Blood pressure 166/98 mmHg is high")
    journey.shot(nurse, "nurse-vitals-alert")
    acknowledge_alerts(nurse, "Infusion slowed; BP rechecked in 5 min")
    dose.get_by_label("Time", exact=True).fill(clock(60))
    dose.get_by_role("button", name="Infusion ended").click()
    expect(nurse.locator("#status")).to_contain_text("Observation")
    record_vitals(nurse, 45, 134, 82, "4")
    record_vitals(nurse, 30, 126, 80, "5")
    record_vitals(nurse, 10, 122, 78, "5", dissociation="0")
    confirm_discharge_criteria(nurse)
    journey.shot(nurse, "nurse-ready-to-leave")
    nurse.get_by_role("button", name="Discharge the patient").click()
    expect(nurse.locator("#discharge")).to_contain_text("Discharged at")
    nurse.get_by_label("I have reviewed this session record: it is complete").check()
    nurse.get_by_role("button", name="Sign the session record").click()
    expect(nurse.locator("#signoff")).to_contain_text("signed by James")
    journey.shot(nurse, "nurse-signed")
    ward.refresh_from_db()
    assert ward.journey_state == "maintenance"  # the last induction session finished it

    # 8. The psychiatrist co-signs from the queue.
    steps.go_to(psychiatrist, "Co-sign", group="Reviews")
    journey.shot(psychiatrist, "psychiatrist-cosign-queue")
    psychiatrist.get_by_role("link", name=re.compile("Jamie Ward|Ward, Jamie")).first.click()
    psychiatrist.get_by_label("I have reviewed this session record and co-sign it").check()
    psychiatrist.get_by_role("button", name="Co-sign and lock the record").click()
    expect(psychiatrist.locator("#signoff")).to_contain_text("the record is locked")
    journey.shot(psychiatrist, "psychiatrist-session-locked")
    assert TreatmentSession.objects.get(appointment=last).is_locked

    # 9. The therapist writes and signs the integration note.
    therapist = journey.window("therapist")
    steps.go_to(therapist, "Caseload", group="Patients")
    journey.shot(therapist, "therapist-caseload")
    therapist.get_by_role("link", name="Ward, Jamie").click()
    write_note(
        therapist,
        account="Felt held and calm; saw her father's garden.",
        themes="Grief can sit beside relief.",
        practice="A ten-minute walk after lunch.",
    )
    journey.shot(therapist, "therapist-note-draft")
    therapist.get_by_role("button", name="Sign the note").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Note signed")
    journey.shot(therapist, "therapist-note-signed")
    assert IntegrationNote.objects.get(patient=ward).status == "signed"

    # 10. The patient answers the questionnaires on the phone and sees the practice.
    patient.goto("/")
    journey.shot(patient, "patient-home")
    patient.goto("/my/questionnaires/")
    expect(patient.get_by_role("heading", name="Before your session")).to_be_visible()
    for group in patient.get_by_role("radiogroup").all():
        group.get_by_role("radio").first.check()
    journey.shot(patient, "patient-questionnaires")
    patient.get_by_role("button", name="Send my answers").click()
    expect(patient.get_by_text("Thank you").first).to_be_visible()
    assert MeasureResult.objects.filter(patient=ward, instrument="phq9", total=0).exists()
    patient.goto("/my/practices/")
    expect(patient.get_by_text("A ten-minute walk after lunch.")).to_be_visible()
    expect(patient.get_by_text("father's garden")).to_have_count(0)
    journey.shot(patient, "patient-practices")
    patient.goto("/my/sessions/")
    journey.shot(patient, "patient-sessions")

    # 11. The psychiatrist sees the PHQ-9 trend and downloads the course summary.
    psychiatrist.goto(f"/patients/{ward.pk}/")
    expect(psychiatrist.get_by_text("PHQ-9").first).to_be_visible()
    expect(psychiatrist.locator("svg").first).to_be_visible()
    journey.shot(psychiatrist, "psychiatrist-chart-trend")
    steps.go_to(psychiatrist, "Outcomes", group="Reviews")
    # The clinic report, as calculated in the background (every 5 minutes).
    expect(psychiatrist.get_by_role("cell", name="IV standard")).to_be_visible()
    expect(psychiatrist.get_by_text("recalculated every 5 minutes")).to_be_visible()
    journey.shot(psychiatrist, "psychiatrist-outcomes")
    psychiatrist.goto(f"/patients/{ward.pk}/documents/")
    psychiatrist.get_by_role("button", name="Generate Treatment course summary", exact=True).click()
    download_link = psychiatrist.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible()
    journey.shot(psychiatrist, "psychiatrist-documents")
    with psychiatrist.expect_download() as info:
        download_link.click()
    pdf = tmp_path / "summary.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # The end-of-induction benefit review comes before the first booster.
    psychiatrist.goto(f"/patients/{ward.pk}/sessions/")
    review = psychiatrist.get_by_role("region", name="End-of-induction benefit review")
    expect(review).to_contain_text("No review yet")
    review.get_by_label("Continue to maintenance boosters").check()
    review.get_by_label("What the review found").fill(
        "PHQ-9 fell by half over the series; sleeping and working again. Monthly boosters."
    )
    review.get_by_role("button", name="Sign the review").click()
    expect(
        psychiatrist.get_by_role("region", name="End-of-induction benefit review")
    ).to_contain_text("Continue to maintenance boosters")
    journey.shot(psychiatrist, "psychiatrist-benefit-review")
    steps.assert_accessible(psychiatrist)

    # 12. In maintenance, the patient asks for a booster; the coordinator books it.
    patient.goto("/my/booster/")
    patient.get_by_label("Anything we should know? (optional)").fill("Low mood since Monday.")
    journey.shot(patient, "patient-booster-request")
    patient.get_by_role("button", name="Send my request").click()
    expect(patient.get_by_text("the clinic will contact you")).to_be_visible()
    steps.go_to(coordinator, "Boosters due", group="Schedule")
    expect(coordinator.get_by_text("Jamie Ward").first).to_be_visible()
    journey.shot(coordinator, "coordinator-boosters-due")
    coordinator.get_by_role("link", name="Book booster for Jamie Ward").click()
    booster_day = monday + dt.timedelta(days=14)
    coordinator.get_by_label("Date").fill(booster_day.isoformat())
    chair, start = free_chair_start(booster_day, dt.time(9, 0), zone)
    coordinator.get_by_label("Chair").select_option(label=chair.name)
    journey.shot(coordinator, "coordinator-booster-book")
    coordinator.get_by_role("button", name="Book the booster").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Booster")
    journey.shot(coordinator, "coordinator-booster-booked")
    booster = Appointment.objects.get(patient=ward, kind="booster")
    assert timezone.localtime(booster.start, zone).date() == booster_day
    assert journey.count >= 30
