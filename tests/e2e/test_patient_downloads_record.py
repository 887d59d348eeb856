"""On a phone: a patient reads what the record file is and downloads it from the portal's
home page; the file is their FHIR Bundle."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clinic.models import Patient
from tests.e2e.steps import assert_accessible, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def test_a_patient_downloads_their_record_on_a_phone(
    page: Page, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    page.set_viewport_size(PHONE)
    sign_in(page, "patient", "demo-patient-2026")

    panel = page.get_by_role("region", name="Your record as a file")
    expect(panel).to_contain_text("the standard format health records use")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "portal-record-download.png", full_page=True)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    with page.expect_download() as started:
        panel.get_by_role("link", name="Download my record (FHIR)").click()
    download = started.value
    assert download.suggested_filename.startswith("my-health-record-")
    bundle = json.loads(download.path().read_text(encoding="utf-8"))
    patient = Patient.objects.get(user__username="patient")
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["id"] == str(patient.pk)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} >= {"Patient", "Appointment"}
