"""The controlled-substance record walked in a browser (issue 17): a manager records a
receipt (a mistyped DEA number first), a nurse doses from the lot with witnessed waste,
the manager counts blind and finds a vial missing, the psychiatrist resolves it, and the
manager takes the inventories and downloads the PDF an inspector reads."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic.choices import Role
from controlled.models import Discrepancy, Lot, StockCount
from sessions.services import records as session_services
from tests.e2e import steps
from tests.e2e.steps import clock
from tests.factories import ChairFactory, StaffFactory
from tests.factories.clinic import PASSWORD
from tests.factories.controlled import ProductFactory
from tests.sessions.conftest import book_now, make_plan
from tests.sessions.test_session_record import ready_to_dose

pytestmark = pytest.mark.e2e
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
GOOD_DEA = "RC0314156"
BAD_DEA = "RC0314157"  # the check digit is 6


def _dose_in_browser(page: Page, session, *, volume_ml: str, witness: str) -> None:
    """The nurse's dose from the ledger lot, 5 mL drawn up at 10 mg/mL: the rest of the
    dose ordered is waste, witnessed by a colleague typing their own password."""
    page.goto(f"/sessions/{session.pk}/")
    dose = page.locator("#dose")
    dose.get_by_label("Infusion started at").fill(clock(2))
    lot = dose.locator("select[name=lot]")
    expect(lot).to_contain_text("KX-2611")
    lot.select_option(index=1)
    dose.get_by_label("Concentration (mg/mL)").fill("10")
    dose.get_by_label("Volume drawn up (mL)").fill(volume_ml)
    dose.get_by_label("Waste witnessed by").select_option(label=witness)
    dose.get_by_label("Witness's password").fill(PASSWORD)
    dose.get_by_role("button", name="Record the dose given").click()
    expect(page.locator("#status")).to_contain_text("Dosing")
    expect(page.locator("#dose")).to_contain_text(f"witnessed by {witness}")


def test_receipt_doses_blind_count_discrepancy_and_inventory(
    page: Page,
    new_tab,
    console_problems,
    live_server,
    transactional_db,
    chairside,
    personas,
    settings,
    screenshot_dir,
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    # A refused count or decision shows the form again with its messages (200, like every
    # form of the app): the browser console stays clean.
    manager = StaffFactory(
        username="morgan",
        first_name="Morgan",
        last_name="Lee",
        roles=[Role.CONTROLLED_SUBSTANCE_MANAGER],
    )
    ProductFactory(
        name="Ketamine 10 mg/mL, 10 mL vial",
        strength_mg=Decimal(10),
        container_units=Decimal(10),
    )
    location = chairside.chair.location

    # 1. The receipt, on a laptop: a wrong check digit is shown next to the field.
    page.set_viewport_size(LAPTOP)
    steps.sign_in(page, manager.username, PASSWORD)
    page.goto("/controlled/")
    expect(page.get_by_role("heading", name="Controlled substances")).to_be_visible()
    steps.assert_accessible(page)
    page.get_by_role("link", name="Record a receipt").click()
    expect(page.get_by_role("heading", name="Record a receipt")).to_be_visible()
    steps.assert_accessible(page)
    page.locator("#id_supplier_name").fill("Cardinal Health 110, LLC")
    page.get_by_label("Supplier's DEA number").fill(BAD_DEA)
    page.get_by_label("Supplier's address").fill("7000 Cardinal Place, Dublin, OH 43017")
    page.get_by_label("Invoice or order number").fill("INV-88120")
    line = page.get_by_role("group", name="Line 1")
    expect(line.get_by_label("Product")).to_contain_text("Ketamine 10 mg/mL, 10 mL vial")
    line.get_by_label("Product").select_option(index=1)
    line.get_by_label("Lot").fill("KX-2611")
    expiry = timezone.localdate() + dt.timedelta(days=400)
    line.get_by_label("Expiry").fill(expiry.isoformat())
    line.get_by_label("Containers").fill("3")
    page.get_by_role("button", name="Record the receipt").click()

    dea = page.get_by_label("Supplier's DEA number")
    expect(dea).to_have_attribute("aria-invalid", "true")
    dea_field = page.locator("#div_id_supplier_dea")
    expect(dea_field.locator(".invalid-feedback")).to_contain_text("check digit")
    expect(dea).to_have_value(BAD_DEA)
    expect(page.locator("#id_supplier_name")).to_have_value("Cardinal Health 110, LLC")
    expect(page.get_by_label("Invoice or order number")).to_have_value("INV-88120")
    expect(line.get_by_label("Lot")).to_have_value("KX-2611")
    expect(line.get_by_label("Containers")).to_have_value("3")
    assert not Lot.objects.exists()
    steps.assert_accessible(page)
    page.screenshot(path=screenshot_dir / "controlled-receipt-bad-dea.png", full_page=True)

    dea.fill(GOOD_DEA)
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.get_by_role("status").or_(page.locator(".alert-success")).first).to_contain_text(
        "Receipt INV-88120 recorded: 1 line added"
    )
    stock_row = page.locator("tr", has=page.get_by_role("link", name="KX-2611"))
    expect(stock_row).to_contain_text("30 mL")
    expect(stock_row).to_contain_text("300")
    steps.assert_accessible(page)
    page.screenshot(path=screenshot_dir / "controlled-stock.png", full_page=True)
    lot = Lot.objects.get(lot_number="KX-2611")

    # 2. Two doses on a tablet, each with 13.8 mg wasted and witnessed.
    nurse = new_tab(viewport=TABLET)
    first = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=2)
    patient_b = personas.patient_b
    patient_b.psychiatrist = personas.psychiatrist
    patient_b.journey_state = "induction"
    patient_b.sex_at_birth = "male"
    patient_b.save(update_fields=["psychiatrist", "journey_state", "sex_at_birth"])
    plan_b = make_plan(patient_b, personas.psychiatrist)
    chair_2 = ChairFactory(name="Chair 2", display_order=2, location=location)
    appointment_b = book_now(patient_b, plan_b, chair_2, personas.coordinator)
    second = ready_to_dose(
        session_services.session_open(appointment=appointment_b, actor=personas.nurse),
        personas.nurse,
        dose_minutes_ago=2,
    )
    steps.sign_in(nurse, personas.nurse.username, PASSWORD)
    expect(nurse.get_by_role("navigation", name="Main")).to_be_visible()
    _dose_in_browser(nurse, first, volume_ml="5", witness=personas.psychiatrist.display_name)
    assert nurse.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    steps.assert_accessible(nurse)
    nurse.locator("#dose").screenshot(path=screenshot_dir / "controlled-dose-waste.png")
    _dose_in_browser(nurse, second, volume_ml="5", witness=personas.psychiatrist.display_name)
    nurse.close()

    page.goto(f"/controlled/lots/{lot.pk}/")
    ledger = page.locator("table tbody")
    expect(ledger.locator("tr")).to_have_count(5)  # receipt, then two doses and two wastes
    rows = ledger.locator("tr")
    expect(rows.nth(0)).to_contain_text("Receipt")
    expect(rows.nth(1)).to_contain_text("Administration")
    expect(rows.nth(1)).to_contain_text("-36.2 mg")
    expect(rows.nth(1)).to_contain_text("263.8 mg")
    expect(rows.nth(2)).to_contain_text("Waste")
    expect(rows.nth(2)).to_contain_text("-13.8 mg")
    expect(rows.nth(2)).to_contain_text(f"witness {personas.psychiatrist.display_name}")
    expect(rows.nth(2)).to_contain_text("250.0 mg")
    expect(rows.nth(4)).to_contain_text("200.0 mg")
    expect(page.get_by_text("Balance 20 mL (200.0 mg)")).to_be_visible()
    steps.assert_accessible(page)
    page.screenshot(path=screenshot_dir / "controlled-lot-ledger.png", full_page=True)

    # 3. A blind count: one vial fewer than the records hold (2 vials are left, 1 counted).
    page.goto("/controlled/counts/")
    expect(page.get_by_role("heading", name="Counts and inventories")).to_be_visible()
    steps.assert_accessible(page)
    page.get_by_role("link", name="Count stock").click()
    expect(page.get_by_role("heading", name=f"Stock count — {location.name}")).to_be_visible()
    main = page.locator("main")
    for shown in ("20 mL", "200 mg", "200.0", "20.00"):
        expect(main).not_to_contain_text(shown)
    expect(page.locator("input[type=hidden][value='20'], input[value='200']")).to_have_count(0)
    steps.assert_accessible(page)
    page.get_by_label("Full containers of lot KX-2611").fill("1")
    page.get_by_label("Opened (mL, estimated) of lot KX-2611").fill("0")
    page.get_by_label("Your password (signs the count)").fill("not-my-password")
    page.screenshot(path=screenshot_dir / "controlled-count-form.png", full_page=True)
    page.get_by_role("button", name="Sign and submit the stock count").click()
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.get_by_label("Full containers of lot KX-2611")).to_have_value("1")
    assert not StockCount.objects.exists()
    page.get_by_label("Your password (signs the count)").fill(PASSWORD)
    page.get_by_role("button", name="Sign and submit the stock count").click()
    expect(page.get_by_role("status")).to_contain_text("1 lot differs from the records")
    result = page.locator("tr", has_text="KX-2611")
    expect(result).to_contain_text("-10 mL")
    expect(result).to_contain_text("open")
    steps.assert_accessible(page)
    page.screenshot(path=screenshot_dir / "controlled-count-result.png", full_page=True)

    # The psychiatrist resolves it with an explanation.
    doctor = new_tab(viewport=LAPTOP)
    steps.sign_in(doctor, personas.psychiatrist.username, PASSWORD)
    expect(doctor.get_by_role("navigation", name="Main")).to_be_visible()
    doctor.goto("/controlled/discrepancies/")
    steps.assert_accessible(doctor)
    discrepancy = Discrepancy.objects.get()
    doctor.goto(f"/controlled/discrepancies/{discrepancy.pk}/")
    expect(doctor.get_by_role("heading", name="Count discrepancy")).to_be_visible()
    steps.assert_accessible(doctor)
    doctor.get_by_role("button", name="Resolve with this explanation").click()
    expect(doctor.get_by_text("Explain the difference before deciding.")).to_be_visible()
    doctor.get_by_label("Explanation").fill(
        "Vial broken while restocking on Tuesday; the pieces were in the sharps bin."
    )
    doctor.get_by_role("button", name="Resolve with this explanation").click()
    expect(doctor.locator("main")).to_contain_text("Vial broken while restocking")
    expect(doctor.locator("main")).to_contain_text(
        f"Resolved with an adjustment by {personas.psychiatrist.display_name}"
    )
    expect(doctor.get_by_role("button", name="Resolve with this explanation")).to_have_count(0)
    steps.assert_accessible(doctor)
    doctor.screenshot(path=screenshot_dir / "controlled-discrepancy-resolved.png", full_page=True)
    doctor.close()

    page.goto(f"/controlled/lots/{lot.pk}/")
    adjustment = page.locator("table tbody tr").last
    expect(adjustment).to_contain_text("Adjustment")
    expect(adjustment).to_contain_text("-100.0 mg")
    expect(adjustment).to_contain_text("100.0 mg")
    expect(page.get_by_text("Balance 10 mL (100.0 mg)")).to_be_visible()

    # 4. The initial inventory at the opening of business, then the biennial one at the close.
    for purpose, link, business in (
        ("Initial inventory", "Take the initial inventory", "At the opening of business"),
        ("Biennial inventory", "Take the biennial inventory", "At the close of business"),
    ):
        page.goto("/controlled/counts/")
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=f"{purpose} — {location.name}")).to_be_visible()
        steps.assert_accessible(page)
        page.get_by_label("Full containers of lot KX-2611").fill("1")
        page.get_by_label("Opened (mL, estimated) of lot KX-2611").fill("0")
        page.get_by_label(business).check()
        page.get_by_label("Your password (signs the count)").fill(PASSWORD)
        page.get_by_role("button", name=f"Sign and submit the {purpose.lower()}").click()
        expect(page.get_by_role("status")).to_contain_text("Every lot matches the records")
        expect(page.locator("main")).to_contain_text(business.lower().removeprefix("at the "))
        steps.assert_accessible(page)

    # The inventory PDF (opened in the browser's viewer: fetched with the manager's session).
    link = page.get_by_role("link", name="Biennial inventory (PDF)")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = screenshot_dir / "controlled-biennial-inventory.pdf"
    pdf.write_bytes(response.body())
    for old in screenshot_dir.glob("controlled-biennial-inventory-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(screenshot_dir / pdf.stem)], check=True
    )
    pages = sorted(screenshot_dir.glob("controlled-biennial-inventory-*.png"))
    assert pages and pages[0].stat().st_size > 0
    text = _pdf_text(pdf)
    assert location.dea_number in text
    assert "close of business" in text.lower()
    assert "KX-2611" in text

    initial = StockCount.objects.get(purpose="initial")
    response = page.request.get(f"/controlled/inventories/{initial.pk}/inventory.pdf")
    assert response.ok
    initial_pdf = screenshot_dir / "controlled-initial-inventory.pdf"
    initial_pdf.write_bytes(response.body())
    text = _pdf_text(initial_pdf)
    assert location.dea_number in text and "opening of business" in text.lower()


def _pdf_text(pdf) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
