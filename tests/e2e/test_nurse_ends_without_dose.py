"""On the nurse's tablet (820 px), the gate holds the dose (BP 172/104 on re-measure): the
nurse ends the session without a dose, with a reason, and it leaves the nurse board."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e import steps
from tests.sessions.test_no_dose import REASON, held

pytestmark = pytest.mark.e2e
TABLET = {"width": 820, "height": 1180}


def test_a_nurse_ends_a_held_session_without_a_dose(
    page: Page, live_server, transactional_db, chairside, personas, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    personas.nurse.set_password("a-long-test-password")
    personas.nurse.save()
    session = held(chairside, personas)
    page.set_viewport_size(TABLET)
    steps.sign_in(page, personas.nurse.username, "a-long-test-password")
    page.goto(reverse("session_record", args=[session.pk]))

    page.get_by_text("End without a dose", exact=True).click()
    reason = page.get_by_label("Why the dose is not given")
    expect(reason).to_be_visible()
    reason.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "no-dose-form-820.png", full_page=True)

    reason.fill("Declined.")
    page.get_by_role("button", name="End the session without a dose").click()
    expect(page.get_by_text("Write the reason (at least 20 characters).")).to_be_visible()
    expect(page.get_by_label("Why the dose is not given")).to_have_value("Declined.")
    page.screenshot(path=screenshot_dir / "no-dose-error-820.png", full_page=True)

    page.get_by_label("Why the dose is not given").fill(REASON)
    page.get_by_role("button", name="End the session without a dose").click()
    expect(page.locator("#ended-without-dose")).to_contain_text("Ended without a dose at")
    expect(page.get_by_role("button", name="Sign the session record")).to_be_visible()
    page.screenshot(path=screenshot_dir / "no-dose-ended-820.png", full_page=True)

    page.goto(reverse("nurse_board"))
    expect(page.locator(f'a[href="{reverse("session_record", args=[session.pk])}"]')).to_have_count(
        0
    )
