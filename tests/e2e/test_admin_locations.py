"""Clinic locations in the browser (controlled-substances.md §1): the admin sees the DEA
renewal warning on the home page and edits the location (its registration, certification
and chairs); on the nurse's tablet (820 px) the session at a location whose registration
has expired shows why the dose is blocked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic.models import Location
from tests.e2e import steps
from tests.sessions.test_session_record import ready_to_dose

pytestmark = pytest.mark.e2e
TABLET = {"width": 820, "height": 1180}
PASSWORD = "a-long-test-password"


def test_the_admin_is_warned_and_edits_the_location(
    page: Page, live_server, transactional_db, chairside, personas, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    personas.admin.set_password(PASSWORD)
    personas.admin.save()
    location = Location.objects.get(pk=chairside.chair.location_id)
    today = timezone.localdate(timezone.now(), location.zone)
    Location.objects.filter(pk=location.pk).update(dea_expires_on=today + dt.timedelta(days=45))
    steps.sign_in(page, personas.admin.username, PASSWORD)
    page.goto("/")
    warning = page.locator(".alert-warning", has_text="DEA registration")
    expect(warning).to_contain_text(f"{location.name} ({location.dea_number}) expires in 45 days")
    page.screenshot(path=screenshot_dir / "admin-home-dea-warning.png", full_page=True)

    warning.get_by_role("link").click()
    expect(page.get_by_label("DEA registration number")).to_have_value(location.dea_number)
    page.get_by_label("DEA registration number").fill("FT1234564")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("check digit")).to_be_visible()
    page.screenshot(path=screenshot_dir / "admin-location-change.png", full_page=True)
    assert Location.objects.get(pk=location.pk).dea_number == location.dea_number


def test_the_nurse_sees_why_the_dose_is_blocked(
    page: Page, live_server, transactional_db, chairside, personas, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    personas.nurse.set_password(PASSWORD)
    personas.nurse.save()
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    location = Location.objects.get(pk=chairside.chair.location_id)
    yesterday = timezone.localdate(timezone.now(), location.zone) - dt.timedelta(days=1)
    Location.objects.filter(pk=location.pk).update(dea_expires_on=yesterday)
    page.set_viewport_size(TABLET)
    steps.sign_in(page, personas.nurse.username, PASSWORD)
    page.goto(reverse("session_record", args=[session.pk]))
    message = (
        f"Dosing is blocked at {location.name}: its DEA registration {location.dea_number} "
        f"expired on {yesterday:%-d %B %Y}."
    )
    expect(page.get_by_text(message).first).to_be_visible()
    page.get_by_text(message).first.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "session-dea-blocked-820.png", full_page=True)


def test_a_nurse_switches_location_on_the_board_at_820_px(
    page: Page, live_server, transactional_db, chairside, personas, settings, screenshot_dir
) -> None:
    """A nurse at two locations sees the first one's board, opens the location menu in the
    header, picks Harbor Point: its session shows and Riverside's does not; the choice is
    still there on the next page."""
    from tests.factories import ChairFactory, LocationFactory, PatientFactory
    from tests.factories import TreatmentSessionFactory as Session

    settings.CLINIC_REQUIRE_MFA = False
    personas.nurse.set_password(PASSWORD)
    personas.nurse.save()
    first = Location.objects.get(pk=chairside.chair.location_id)
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    personas.nurse.locations.add(first, harbor)
    chairside.open(personas.nurse)  # patient_a at the first location's chair
    Session(
        appointment__chair=ChairFactory(location=harbor, name="Harbor 1"),
        patient=PatientFactory(legal_first_name="Hal", legal_last_name="Harbors"),
    )
    page.set_viewport_size(TABLET)
    steps.sign_in(page, personas.nurse.username, PASSWORD)
    page.goto(reverse("nurse_board"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"Nurse board · {first.name}")
    expect(page.get_by_text("Harbor 1 · HH")).to_have_count(0)
    # At 820 px the bar is expanded (navbar-expand-md): the picker is on it.
    picker = page.get_by_role("button", name=f"At {first.name} (change location)")
    expect(picker).to_be_visible()
    picker.click()
    expect(page.get_by_role("button", name="Harbor Point")).to_be_visible()
    steps.assert_accessible(page)
    page.screenshot(path=screenshot_dir / "board-location-picker-820.png", full_page=True)
    page.get_by_role("button", name="Harbor Point").click()
    expect(page.get_by_text("Showing Harbor Point.")).to_be_visible()
    expect(heading).to_contain_text("Nurse board · Harbor Point")
    expect(page.get_by_text("Harbor 1 · HH")).to_be_visible()
    expect(page.get_by_text(f"{chairside.chair.name} · AQ")).to_have_count(0)
    steps.assert_accessible(page)
    page.screenshot(path=screenshot_dir / "board-harbor-point-820.png", full_page=True)
    page.goto(reverse("calendar_day"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("· Harbor Point")
    expect(page.get_by_role("heading", name="Harbor 1")).to_be_visible()
    steps.assert_accessible(page)
