"""Every role's main pages pass axe-core (no critical, serious or moderate violation), on the
screen each role uses: the nurse's tablet at 820 px, the patient's phone at 390 px, a
1280-px laptop for the others. The session page is checked after vitals and an adverse
event are saved through htmx, with a drop-down of the grouped menu open, and the whole
walk runs under the console watch of conftest.py (a CSP violation fails it).

All pages are visited before the test fails, so one run lists every violation."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clinic.models import Patient, User
from intake.models import UrgentAlert
from integration.models import IntegrationNote
from sessions.models import TreatmentSession
from tests.e2e import steps

pytestmark = pytest.mark.e2e
STAFF_PASSWORD = "demo-clinic-2026"
PATIENT_PASSWORD = "demo-patient-2026"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
LAPTOP = {"width": 1280, "height": 800}


class Walk:
    """Visits pages and keeps what axe found on each, and any page wider than the screen."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.visited = 0

    def check(self, page: Page, what: str) -> None:
        self.visited += 1
        try:
            steps.assert_accessible(page)
        except AssertionError as problem:
            self.failures.append(f"{what}: {problem}")
        # Nothing runs off the side of the screen (a tablet or phone would hide it).
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > page.viewport_size["width"]:
            self.failures.append(
                f"{what}: {wide} px wide on a {page.viewport_size['width']} px screen"
            )

    def visit(self, page: Page, path: str, *, status: int = 200) -> None:
        response = page.goto(path)
        if response is None or response.status != status:
            self.failures.append(f"{path}: answered {response and response.status}, not {status}")
        self.check(page, path)


def signed_in(new_tab, username: str, password: str, viewport: dict) -> Page:
    page = new_tab(viewport=viewport)
    steps.sign_in(page, username, password)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page).not_to_have_url("/login/")
    return page


def test_every_roles_main_pages_pass_axe(
    new_tab, live_server, transactional_db, settings, screenshot_dir, console_problems
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    # The browser logs the 404 answer of the page visited on purpose; nothing else.
    console_problems.expect(r"status of 404 \(Not Found\) \(http://[^)]+/no-such-page/\)")
    call_command("seed_demo", verbosity=0)
    alex = Patient.objects.get(legal_first_name="Alex", legal_last_name="Morgan")
    walk = Walk()

    # Signed out: sign-in, password reset, a page that does not exist.
    visitor = new_tab(viewport=PHONE)
    walk.visit(visitor, "/login/")
    walk.visit(visitor, "/password-reset/")
    walk.visit(visitor, "/no-such-page/", status=404)

    coordinator = signed_in(new_tab, "coordinator", STAFF_PASSWORD, LAPTOP)
    for path in (
        "/no-such-page/",
        "/",
        "/patients/",
        f"/patients/{alex.pk}/",
        f"/patients/{alex.pk}/sessions/",
        f"/patients/{alex.pk}/reminders/",
        "/invitations/",
        "/invitations/new/",
        "/calendar/",
        "/calendar/week/",
        "/boosters/",
        "/cancelled-eligibility/",
        "/reminders/failed/",
    ):
        walk.visit(coordinator, path, status=404 if path == "/no-such-page/" else 200)
    menu = coordinator.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Schedule").click()
    expect(menu.get_by_role("link", name="Boosters due")).to_be_visible()
    walk.check(coordinator, "coordinator's Schedule menu open")

    psychiatrist = signed_in(new_tab, "psychiatrist", STAFF_PASSWORD, LAPTOP)
    review = Patient.objects.get(legal_first_name="Emily", legal_last_name="Chen")
    alert = UrgentAlert.objects.filter(acknowledged_at=None).first()
    for path in (
        "/",
        "/reviews/",
        f"/reviews/{review.pk}/",
        f"/alerts/{alert.pk}/",
        "/board/",
        "/rems/",
        "/sessions/to-cosign/",
        "/outcomes/",
        f"/patients/{alex.pk}/plan/",
        f"/patients/{alex.pk}/documents/",
        f"/patients/{alex.pk}/outcomes/",
    ):
        walk.visit(psychiatrist, path)

    therapist_user = User.objects.get(username="therapist")
    therapist = signed_in(new_tab, "therapist", STAFF_PASSWORD, LAPTOP)
    note = IntegrationNote.objects.filter(author=therapist_user).first()
    for path in ("/", "/caseload/", "/calendar/", f"/notes/{note.pk}/"):
        walk.visit(therapist, path)
    walk.visit(therapist, f"/patients/{note.patient_id}/notes/")

    admin = signed_in(new_tab, "admin", STAFF_PASSWORD, LAPTOP)
    for path in ("/", "/audit/", "/outcomes/", "/clinic-admin/"):
        walk.visit(admin, path)

    # The nurse on the tablet: the board, the session page after saving vitals and an
    # adverse event (htmx swaps), with the Treatment floor drop-down open.
    nurse = signed_in(new_tab, "nurse", STAFF_PASSWORD, TABLET)
    for path in ("/", "/board/", "/rems/", "/reviews/", "/patients/", "/calendar/"):
        walk.visit(nurse, path)
    session = TreatmentSession.objects.filter(
        patient=alex, route="iv", dose__isnull=False, discharged_at=None
    ).get()
    walk.visit(nurse, f"/sessions/{session.pk}/")
    steps.record_vitals(nurse, 1, 124, 78)
    walk.check(nurse, "session page after saving vitals")
    events = nurse.locator("#events")
    events.get_by_text("Record an adverse event").click()
    events.get_by_label("Type").select_option(label="Nausea")
    events.get_by_label("Severity").select_option(label="Mild")
    events.get_by_label("Onset").fill(steps.clock(1))
    events.get_by_role("button", name="Record the event").click()
    expect(events).to_contain_text("Nausea")
    walk.check(nurse, "session page after saving an adverse event")
    menu = nurse.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Treatment floor").click()
    expect(menu.get_by_role("link", name="Nurse board")).to_be_visible()
    walk.check(nurse, "session page with the Treatment floor menu open")
    nurse.screenshot(path=screenshot_dir / "nurse-session-menu-open.png")

    # The patient on a phone: the portal pages, the menu open.
    patient = signed_in(new_tab, "patient", PATIENT_PASSWORD, PHONE)
    for path in (
        "/",
        "/my/sessions/",
        "/my/documents/",
        "/my/practices/",
        "/my/questionnaires/",
        "/my/health-check/",
    ):
        walk.visit(patient, path)
    patient.get_by_role("button", name="Menu").click()
    expect(patient.get_by_role("link", name="My sessions")).to_be_visible()
    walk.check(patient, "patient's menu open")
    patient.screenshot(path=screenshot_dir / "patient-menu-open.png")

    assert walk.visited > 50
    assert not walk.failures, "\n\n".join(walk.failures)


def test_the_grouped_menu_works_by_keyboard_on_a_tablet(
    page: Page, live_server, transactional_db, personas, settings
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    personas.nurse.set_password(STAFF_PASSWORD)
    personas.nurse.save()
    page.set_viewport_size(TABLET)
    steps.sign_in(page, personas.nurse.username, STAFF_PASSWORD)
    menu = page.get_by_role("navigation", name="Main")
    floor = menu.get_by_role("button", name="Treatment floor")
    # Everything on one line at 820 px, the account menu and Sign out inside the window.
    for control in (floor, menu.get_by_role("button", name="Sign out")):
        box = control.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 820 and box["y"] < 90
    assert page.evaluate("document.documentElement.scrollWidth") <= 820

    floor.focus()
    page.keyboard.press("Enter")
    expect(floor).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("link", name="Nurse board")).to_be_focused()
    page.keyboard.press("Escape")
    expect(floor).to_have_attribute("aria-expanded", "false")
    expect(floor).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Nurse board")).to_be_visible()
    expect(floor).to_have_attribute("aria-current", "true")
    floor.click()
    expect(menu.get_by_role("link", name="Nurse board")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="REMS forms")).not_to_have_attribute(
        "aria-current", "page"
    )

    menu.get_by_role("button", name="Account").click()
    expect(menu.get_by_role("link", name="Authenticator")).to_be_visible()
    steps.assert_accessible(page)
