"""A therapist writes an integration note linked to a session (autosaved as a draft),
signs it and adds an addendum; the patient sees only the shared practice."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from integration.models import IntegrationNote
from tests.e2e import steps
from tests.e2e.steps import write_note

pytestmark = pytest.mark.e2e


def sign_in(page: Page, username: str) -> None:
    steps.sign_in(page, username, "a-long-test-password")


def test_a_therapist_writes_signs_and_amends_a_note(
    page: Page,
    live_server,
    transactional_db,
    chairside,
    personas,
    settings,
    screenshot_dir,
    new_tab,
) -> None:
    settings.CLINIC_REQUIRE_MFA = False
    for user in (personas.therapist, personas.patient_a.user):
        user.set_password("a-long-test-password")
        user.save()
    chairside.open(personas.nurse)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, personas.therapist.username)

    steps.go_to(page, "Caseload", group="Patients")
    page.get_by_role("link", name="Quillfeather, Alice").click()
    write_note(
        page,
        account="Described floating above the city; a sense of relief about work.",
        themes="Permission to rest.",
        intention="Leave work by six twice a week.",
        practice="Five slow breaths before each meeting.",
    )
    note = IntegrationNote.objects.get(patient=personas.patient_a)
    assert note.status == "draft" and note.themes == "Permission to rest."
    page.screenshot(path=screenshot_dir / "note-draft.png", full_page=True)

    page.get_by_role("button", name="Sign the note").click()
    expect(page.get_by_role("status").first).to_contain_text("Note signed")
    expect(page.get_by_text("shared with patient")).to_be_visible()
    page.get_by_text("Add an addendum", exact=True).click()
    page.get_by_label("Reason").fill("Late entry")
    page.get_by_label("Addendum").fill("Patient called: the breathing practice helped.")
    page.get_by_role("button", name="Add the addendum").click()
    expect(page.get_by_text("Patient called: the breathing practice helped.")).to_be_visible()
    page.screenshot(path=screenshot_dir / "note-signed.png", full_page=True)
    note.refresh_from_db()
    assert note.verify() and note.sessions.count() == 1

    portal = new_tab(viewport={"width": 390, "height": 844})
    sign_in(portal, personas.patient_a.user.username)
    portal.goto("/my/practices/")
    expect(portal.get_by_text("Five slow breaths before each meeting.")).to_be_visible()
    expect(portal.get_by_text("Leave work by six")).to_have_count(0)
    expect(portal.get_by_text("floating above the city")).to_have_count(0)
    portal.screenshot(path=screenshot_dir / "portal-practices.png", full_page=True)
