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
