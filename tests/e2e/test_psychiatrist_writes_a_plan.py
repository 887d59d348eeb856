"""A psychiatrist writes the first plan for a patient approved for IV and esketamine: picking
esketamine fills in the label's start and shows only the fields that route uses."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clinic.models import Patient
from sessions.models import Protocol
from tests.e2e.steps import assert_accessible, sign_in

pytestmark = pytest.mark.e2e


def test_picking_esketamine_fills_in_its_start_and_hides_the_mg_per_kg_dose(
    page: Page, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    call_command("seed_demo", verbosity=0)
    grace = Patient.objects.get(legal_first_name="Grace", legal_last_name="Okonkwo")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "psychiatrist", "demo-clinic-2026")
    page.goto(f"/patients/{grace.pk}/plan/")
    expect(page.get_by_role("heading", name="Write the plan")).to_be_visible()
    expect(page).to_have_title("Treatment plan — Grace Okonkwo · Riverside Ketamine Clinic")

    page.get_by_label("IV infusion (racemic ketamine)").check()
    expect(page.get_by_label("Dose (mg per kg)")).to_have_value("0.5")
    expect(page.get_by_label("Infusion time (minutes, IV)")).to_have_value("40")
    expect(page.get_by_label("Esketamine devices")).to_be_hidden()

    page.get_by_label("Esketamine nasal spray (Spravato)").check()
    expect(page.get_by_role("status").filter(has_text="Filled in the usual start")).to_contain_text(
        "56 mg by two devices (the label's first dose), maintenance every 2 weeks"
    )
    expect(page.get_by_label("Dose (mg per kg)")).to_be_hidden()
    expect(page.get_by_label("Infusion time (minutes, IV)")).to_be_hidden()
    expect(page.get_by_label("Esketamine devices")).to_have_value("2")
    expect(page.get_by_label("Maintenance interval (weeks)")).to_have_value("2")
    expect(page.get_by_label("Sessions in the induction series")).to_have_value("8")
    esketamine_induction = Protocol.objects.get(code="esketamine-induction")
    expect(page.get_by_label("Protocol")).to_have_value(str(esketamine_induction.pk))
    expect(page.get_by_label("Patient REMS enrollment id (esketamine)")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshot_dir / "plan-esketamine-start.png", full_page=True)

    page.get_by_label("Patient REMS enrollment id (esketamine)").fill("RP-22001")
    page.get_by_label("REMS enrollment date").fill("2026-11-02")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_role("status").first).to_contain_text("Treatment plan version 1 saved.")
    expect(page.get_by_role("definition").filter(has_text="2 devices (56 mg)")).to_be_visible()
