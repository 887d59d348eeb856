"""A psychiatrist generates a treatment course summary from the patient chart and
downloads the PDF."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from clinic.models import AuditEvent
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.e2e


def test_a_psychiatrist_generates_and_downloads_a_course_summary(
    page: Page, live_server, transactional_db, personas, settings, screenshot_dir, tmp_path
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    personas.psychiatrist.set_password("a-long-test-password")
    personas.psychiatrist.save()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, personas.psychiatrist.username, "a-long-test-password")
    page.goto(f"/patients/{personas.patient_a.pk}/")
    page.get_by_role("link", name="Documents").click()
    page.get_by_role("button", name="Generate Treatment course summary", exact=True).click()
    download_link = page.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible()
    page.screenshot(path=screenshot_dir / "documents.png", full_page=True)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "summary.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert info.value.suggested_filename.startswith("course_summary-")
    assert AuditEvent.objects.filter(action="download", user=personas.psychiatrist).exists()
