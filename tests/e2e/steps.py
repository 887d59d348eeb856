"""Steps the browser journeys share, as a person does them: by visible labels and roles.
Each step waits for what the page shows after it, so the next step never races an htmx
swap."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

FAILING_IMPACTS = ("critical", "serious", "moderate")
# axe-core from npm, vendored for the tests only (tests/e2e/vendor/axe-core/VERSION.md).
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(
    encoding="utf-8"
)


def assert_accessible(page: Page) -> None:
    """axe-core finds no critical, serious or moderate violation on the page as it is now
    (every rule axe runs by default: WCAG 2.x A and AA and its best practices). The script
    is evaluated by Playwright, past the app's CSP, which allows no inline or foreign script."""
    # The page at rest: no htmx request in flight, no swap still settling.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        "async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations"
    )
    failing = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + " | ".join(f"{n['target']} {n['failureSummary']!r}" for n in v["nodes"][:3])
        for v in violations
        if v["impact"] in FAILING_IMPACTS
    ]
    assert not failing, f"{page.url}:\n" + "\n".join(failing)


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def go_to(page: Page, label: str, *, group: str = "") -> None:
    """Follow the main menu to a page: the menu button first on a phone, then the group's
    drop-down when the user's roles give the group more than one page."""
    nav = page.get_by_role("navigation", name="Main")
    menu_button = nav.get_by_role("button", name="Menu")
    if menu_button.is_visible():
        menu_button.click()
    drop_down = nav.get_by_role("button", name=group, exact=True)
    if group and drop_down.count():
        drop_down.click()
        expect(drop_down).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name=label, exact=True).click()


# --- The patient's intake --------------------------------------------------------------


def answer(page: Page, question: str, choice: str) -> None:
    group = page.locator(".mb-3", has=page.get_by_text(question, exact=False)).first
    group.get_by_label(choice, exact=True).check()


def intake_no_psychiatric_history(page: Page) -> None:
    """No psychotic disorder or symptoms (now or in the past year), no family history, no
    bipolar disorder (the mood-stabilizer question stays hidden), no mania. The suicide
    attempt questions are left to the caller."""
    expect(page.get_by_role("heading", name="Mental health history")).to_be_visible()
    expect(page.locator("body[data-conditions-ready]")).to_have_count(1)
    for question in (
        "schizophrenia, schizoaffective",
        "Right now, or at any time in the past month, have you heard or seen things",
        "At any time in the past 12 months, have you heard or seen things",
        "a parent, brother",
        "unusually high energy",
    ):
        answer(page, question, "No")
    page.locator("input[name=bipolar_dx][value=none]").check()
    expect(page.get_by_text("as a mood stabilizer")).to_be_hidden()


def intake_no_substance_use(page: Page, *, drinks: str) -> None:
    expect(page.get_by_role("heading", name="Alcohol and drug use")).to_be_visible()
    page.get_by_label("No, never").first.check()
    page.locator("input[name=ketamine_misuse][value=never]").check()
    page.get_by_label("About how many alcoholic drinks").fill(drinks)
    page.get_by_role("button", name="Next").click()


def intake_pregnancy_to_getting_home(
    page: Page, *, medicines: str, allergies: tuple[tuple[str, str], ...] = ()
) -> None:
    """Not pregnant, not breastfeeding; the medicines typed, no interacting ones; the
    allergies listed (none: "No known allergies"); an adult takes the patient home."""
    expect(page.get_by_role("heading", name="Pregnancy")).to_be_visible()
    page.locator("input[name=pregnancy_status][value=not_pregnant]").check()
    answer(page, "breastfeeding", "No")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Medicines")).to_be_visible()
    expect(page.locator("body[data-conditions-ready]")).to_have_count(1)
    page.get_by_label("Your current medicines").fill(medicines)
    for radio in page.locator("input[type=radio][value=no]:visible").all():
        radio.check()
    if allergies:
        page.get_by_label("Yes, I have allergies").check()
        for number, (substance, reaction) in enumerate(allergies):
            if page.get_by_label("Allergic to").count() <= number:
                page.get_by_role("button", name="Add another allergy").click()
            page.get_by_label("Allergic to").nth(number).fill(substance)
            page.get_by_label("What happens").nth(number).fill(reaction)
    else:
        page.get_by_label("No known allergies").check()
        expect(page.get_by_text("Your allergies")).to_be_hidden()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Getting home")).to_be_visible()
    answer(page, "can an adult take you home", "Yes")
    page.get_by_role("button", name="Next").click()


def intake_suicide_risk_screen_all_no(page: Page) -> None:
    """The ASQ answered "No" four times: question 5 is then never shown."""
    expect(page.get_by_role("heading", name="Your safety")).to_be_visible()
    expect(page.locator("body[data-conditions-ready]")).to_have_count(1)
    for item in range(1, 5):
        page.locator(f"input[name=q{item}][value='0']").check()
    expect(
        page.get_by_text("Are you having thoughts of killing yourself right now?")
    ).to_be_hidden()
    page.get_by_role("button", name="Next").click()


# --- At the chair ----------------------------------------------------------------------


def clock(minutes_ago: int) -> str:
    """The clinic-time "HH:MM" of a moment some minutes ago."""
    from clinic.selectors import clinic_settings

    moment = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return timezone.localtime(moment, clinic_settings().zone).strftime("%H:%M")


def confirm_checkin(page: Page, *, weight: str, nurse: str) -> None:
    """The checklist, today's weight, pregnancy ruled out and medication changes."""
    for item in (
        "Identity confirmed",
        "Fasting as instructed",
        "Escort present or confirmed for pick-up",
        "Agrees not to drive until tomorrow",
    ):
        page.get_by_role("button", name=f"Confirm: {item}").click()
        expect(page.get_by_role("button", name=f"Confirm: {item}")).to_have_count(0)
    record_weight(page, weight=weight, nurse=nurse)
    page.get_by_label("Not pregnant", exact=True).check()
    page.get_by_role("button", name="Save: Pregnancy status re-confirmed").click()
    expect(page.locator("#checkin-pregnancy")).to_contain_text(f"— {nurse}")
    page.get_by_role("textbox", name="Medication changes since last visit").fill("None")
    page.get_by_role("button", name="Save: Medication changes since last visit").click()
    expect(page.locator("#checkin-medication_changes")).to_contain_text(f"— {nurse}")


def record_weight(page: Page, *, weight: str, nurse: str) -> None:
    """Today's weight in kg; a change of more than 10 % from the last recorded weight is
    refused until the nurse confirms it was re-measured."""
    row = page.locator("#checkin-weight_kg")
    row.get_by_role("spinbutton", name="Weight today (kg)").fill(weight)
    row.get_by_role("button", name="Save: Weight today (kg)").click()
    expect(row).to_contain_text(re.compile(rf"{re.escape(weight)} kg \(|differs from the last"))
    confirm = row.get_by_label("Re-measured: this weight is right, in kilograms")
    if confirm.count():
        confirm.check()
        row.get_by_role("button", name="Save: Weight today (kg)").click()
    expect(row).to_contain_text(f"{weight} kg (")
    expect(row).to_contain_text(f"— {nurse}")


def record_dose(page: Page, *, minutes_ago: int, lot: str, volume_ml: str) -> None:
    """The IV dose as ordered, drawn up from 10 mg/mL with nothing to waste. Where the
    location keeps its ketamine on the controlled-substance ledger (the demo does), the
    nurse picks a lot in stock; elsewhere they type its number and expiry."""
    dose = page.locator("#dose")
    dose.get_by_label("Infusion started at").fill(clock(minutes_ago))
    ledger_lot = dose.locator("select[name=lot]")
    if ledger_lot.count():
        ledger_lot.select_option(index=1)
    else:
        dose.get_by_label("Lot number").fill(lot)
        dose.get_by_label("Lot expiry").fill("2027-11-30")
    dose.get_by_label("Concentration (mg/mL)").fill("10")
    dose.get_by_label("Volume drawn up (mL)").fill(volume_ml)
    dose.get_by_role("button", name="Record the dose given").click()
    expect(page.locator("#status")).to_contain_text("Dosing")


def checkin_phq9(page: Page, *, several_days: int) -> None:
    """PHQ-9 at check-in: "Several days" for the first questions, "Not at all" after."""
    phq9 = page.locator("#phq9")
    for question in range(1, 10):
        answer_text = "Several days" if question <= several_days else "Not at all"
        phq9.locator(f"#div_id_q{question}").get_by_label(answer_text).check()
    phq9.get_by_role("button", name="Save PHQ-9").click()
    expect(page.locator("#phq9")).to_contain_text(f"Total {several_days}")


def checkin_asq_all_no(page: Page) -> None:
    """The pre-session ASQ read aloud: no to the four questions (question 5 not asked)."""
    asq = page.locator("#asq")
    for question in range(1, 5):
        asq.locator(f"#div_id_asq-q{question}").get_by_label("No", exact=True).check()
    asq.get_by_role("button", name="Save ASQ").click()
    expect(page.locator("#asq")).to_contain_text("Negative")


def record_vitals(
    page: Page, minutes_ago: int, sys: int, dia: int, moaas: str = "", dissociation: str = ""
) -> None:
    form = page.locator("#vitals-form")
    form.get_by_label("Systolic").fill(str(sys))
    form.get_by_label("Diastolic").fill(str(dia))
    form.get_by_label("HR (bpm)").fill("78")
    form.get_by_label("SpO2").fill("98")
    form.get_by_label("RR (/min)").fill("14")
    if moaas:
        form.get_by_label("MOAA/S").select_option(moaas)
    if dissociation:
        form.get_by_label("Dissociation (clinician 0–4)").select_option(dissociation)
    form.get_by_label("Time taken").fill(clock(minutes_ago))
    form.get_by_role("button", name="Save vitals").click()
    expect(page.locator("#vitals-log")).to_contain_text(f"{sys}/{dia}")
    expect(page.locator("#vitals-form").get_by_label("Systolic")).to_have_value("")


def acknowledge_alerts(page: Page, action: str) -> None:
    alerts = page.locator("#alerts")
    buttons = alerts.get_by_role("button", name="Acknowledge")
    # One at a time, each swap awaited: a fixed pause let a slow swap leave the next
    # click on the alert just acknowledged.
    for remaining in range(buttons.count() - 1, -1, -1):
        alerts.get_by_label("Action taken").first.fill(action)
        buttons.first.click()
        expect(buttons).to_have_count(remaining)


def confirm_discharge_criteria(page: Page) -> None:
    discharge = page.locator("#discharge")
    for item in (
        "Oriented to time, place and person",
        "Walks steadily",
        "Nausea controlled",
        "Escort present to take the patient home",
    ):
        discharge.get_by_role("button", name=f"Confirm: {item}").click()
        expect(discharge.get_by_role("button", name=f"Undo: {item}")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Ready to leave")


# --- Integration notes -----------------------------------------------------------------


def write_note(
    page: Page, *, account: str, themes: str, practice: str, intention: str = ""
) -> None:
    """A new integration note linked to the first session listed, autosaved as a draft."""
    page.get_by_role("button", name="New integration note").click()
    expect(page.get_by_text("saves itself as you type")).to_be_visible()
    page.get_by_label("Minutes").fill("50")
    page.locator("#div_id_sessions").get_by_role("checkbox").first.check()
    page.get_by_label("Patient's account of the experience").fill(account)
    page.get_by_label("Themes and insights").fill(themes)
    page.get_by_role("group", name="Risk check: suicidal thoughts?").get_by_label(
        "No", exact=True
    ).check()
    if intention:
        page.get_by_label("Intentions and goals").fill(intention)
    page.get_by_label("Practices / homework").fill(practice)
    page.get_by_label("Share practices with the patient").check()
    expect(page.locator("#save-status")).to_contain_text("Draft saved", timeout=10_000)
