"""A psychiatrist works the review queue: urgent alert first, then approves an intake."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clinic.models import Patient
from intake.models import EligibilityDecision, UrgentAlert
from tests.e2e.steps import go_to, sign_in

pytestmark = pytest.mark.e2e


def test_psychiatrist_acknowledges_the_urgent_alert_and_approves_from_the_queue(
    page: Page, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    page.set_viewport_size({"width": 1366, "height": 900})

    sign_in(page, "psychiatrist", "demo-clinic-2026")

    banner = page.get_by_role("alert").filter(has_text="Urgent safety alert")
    expect(banner).to_contain_text("Tyler Brooks")
    banner.get_by_role("link", name="Tyler Brooks").click()
    expect(page.get_by_role("heading", name="Urgent safety alert: suicide risk")).to_be_visible()
    page.get_by_label("Action taken").fill(
        "Called Tyler; safety plan reviewed; seen tomorrow 9:00."
    )
    page.get_by_role("button", name="Acknowledge and record the action").click()
    expect(page.get_by_role("status")).to_contain_text("Alert acknowledged")
    expect(page.get_by_text("Urgent safety alert waiting")).to_have_count(0)

    go_to(page, "Review queue", group="Reviews")
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Brooks, Tyler")  # urgent first
    expect(rows.nth(2)).to_contain_text("Contraindicated")
    page.screenshot(path=screenshot_dir / "review-queue.png", full_page=True)

    page.get_by_role("link", name="Review Emily Chen").click()
    expect(page.get_by_role("heading", name="Eligibility review: Emily Chen")).to_be_visible()
    expect(page.get_by_text("126/80 mmHg")).to_be_visible()
    page.get_by_label("Approved").check()
    page.get_by_label("IV infusion (racemic ketamine)").check()
    page.screenshot(path=screenshot_dir / "review-page.png", full_page=True)
    page.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision signed: Approved.")
    expect(page.get_by_role("table")).not_to_contain_text("Chen, Emily")

    chen = Patient.objects.get(legal_last_name="Chen")
    assert chen.journey_state == "eligible"
    assert EligibilityDecision.objects.get(patient=chen).allowed_routes == ["iv"]
    assert not UrgentAlert.objects.filter(acknowledged_at=None).exists()

    # Approving over an absolute flag needs a justification, explained next to the field.
    page.get_by_role("link", name="Review Marcus Johnson").click()
    page.get_by_label("Systolic (mmHg)").fill("134")
    page.get_by_label("Diastolic (mmHg)").fill("86")
    page.get_by_role("button", name="Record and screen again").click()
    expect(page.get_by_role("status")).to_contain_text("Blood pressure recorded")
    page.get_by_label("Approved").check()
    page.get_by_label("IV infusion (racemic ketamine)").check()
    page.get_by_role("button", name="Sign decision").click()
    expect(
        page.get_by_text("needs a written justification of at least 20 characters")
    ).to_be_visible()
    expect(page.get_by_label("Approved")).to_be_checked()
    page.screenshot(path=screenshot_dir / "review-override-needed.png", full_page=True)
