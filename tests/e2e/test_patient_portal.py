"""On a phone: a patient changes their reminder preferences and sees them saved; a
declined patient reads the letter their psychiatrist signed and downloads it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clinic.models import Patient
from tests.e2e.steps import assert_accessible, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def open_menu(page: Page, name: str) -> None:
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_a_patient_changes_reminder_preferences_on_a_phone(
    page: Page, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    page.set_viewport_size(PHONE)
    sign_in(page, "patient", "demo-patient-2026")
    expect(page.get_by_text("Your next session is on")).to_be_visible()
    open_menu(page, "Reminders")
    expect(page.get_by_role("heading", name="Reminder preferences")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Text message (SMS)").check()
    page.get_by_label("From", exact=True).fill("22:00")
    page.get_by_role("button", name="Save reminder preferences").click()
    expect(page.get_by_text("Enter when the quiet hours end, or clear both times.")).to_be_visible()
    expect(page.get_by_label("Text message (SMS)")).to_be_checked()  # nothing lost
    expect(page.get_by_label("From", exact=True)).to_have_value("22:00")
    assert_accessible(page)

    page.get_by_label("Until", exact=True).fill("07:00")
    page.get_by_role("button", name="Save reminder preferences").click()
    expect(page.get_by_role("status")).to_contain_text("Your reminder preferences are saved.")
    expect(page.get_by_text("10:00 PM to 7:00 AM (yours)")).to_be_visible()
    expect(page.get_by_label("Text message (SMS)")).to_be_checked()
    page.screenshot(path=screenshot_dir / "portal-reminder-preferences.png", full_page=True)
    patient = Patient.objects.get(user__username="patient")
    assert patient.reminder_channel == "sms"

    page.get_by_label("No reminders").check()
    page.get_by_role("button", name="Save reminder preferences").click()
    expect(page.get_by_role("definition").filter(has_text="No reminders")).to_be_visible()


def test_a_declined_patient_opens_the_signed_letter_on_a_phone(
    page: Page, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    page.set_viewport_size(PHONE)
    sign_in(page, "patient3", "demo-patient-2026")
    expect(page.get_by_text("Your psychiatrist has written you a letter")).to_be_visible()
    letter = page.get_by_role("region", name="Your psychiatrist's letter")
    expect(letter).to_contain_text("Signed by Dr. Thomas Berg")
    expect(letter).to_contain_text("not the right choice for you at this time")
    expect(letter).not_to_contain_text("addiction services")  # the staff reason
    assert_accessible(page)
    page.screenshot(path=screenshot_dir / "portal-declined-letter.png", full_page=True)
    with page.expect_download() as download:
        letter.get_by_role("link", name="Download PDF").click()
    saved = download.value.path()
    with open(saved, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    open_menu(page, "My documents")
    kept = page.get_by_role("listitem").filter(
        has_text="Eligibility decision letter (patient version)"
    )
    expect(kept).to_contain_text("Download PDF")
