"""Two admins give a staff member a clinical role: one asks, the other approves; the
one who asked cannot approve, and the audit log names the role and the person."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clinic.models import StaffRole
from tests.e2e import steps

pytestmark = pytest.mark.e2e

STAFF_PASSWORD = "demo-clinic-2026"


def test_a_role_needs_a_second_admin(
    page: Page, new_tab, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    page.set_viewport_size({"width": 1280, "height": 900})

    steps.sign_in(page, "admin", STAFF_PASSWORD)
    page.goto("/clinic-admin/clinic/rolerequest/add/")
    page.get_by_label("Staff member").select_option(label="Lena Moreau, LCSW")
    page.get_by_label("Role").select_option(label="Psychiatrist")
    page.get_by_label("Reason").fill("Cover for Dr. Raman's leave")
    page.get_by_role("button", name="Save", exact=True).click()
    row = page.get_by_role("row", name="Lena Moreau")
    expect(row).to_contain_text("Waiting for a second admin")

    # The admin who asked cannot approve their own request.
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Approve (the role is given)")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("A second admin decides")).to_be_visible()
    assert not StaffRole.objects.filter(user__username="therapist2", role="psychiatrist").exists()

    second = new_tab(viewport={"width": 1280, "height": 900})
    steps.sign_in(second, "admin2", STAFF_PASSWORD)
    second.goto("/clinic-admin/clinic/rolerequest/")
    second.get_by_role("row", name="Lena Moreau").get_by_role("checkbox").check()
    second.locator("select[name=action]").select_option(label="Approve (the role is given)")
    second.get_by_role("button", name="Go").click()
    expect(second.get_by_text("Psychiatrist for Lena Moreau, LCSW: approved.")).to_be_visible()
    second.screenshot(path=screenshot_dir / "admin-role-approved.png", full_page=True)
    assert StaffRole.objects.filter(user__username="therapist2", role="psychiatrist").exists()

    second.goto("/audit/")
    expect(second.get_by_role("row", name="Role granted")).to_contain_text(
        "clinic.staffrole:psychiatrist"
    )
    steps.assert_accessible(second)
