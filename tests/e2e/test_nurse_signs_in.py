"""A nurse signs in with password and authenticator code and sees their home page."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.e2e import steps

pytestmark = pytest.mark.e2e


def test_a_nurse_signs_in_enrolls_an_authenticator_and_sees_patients_in_treatment(
    page: Page, live_server, transactional_db, screenshot_dir
) -> None:
    call_command("seed_demo", verbosity=0)
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet at the chair

    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill("wrong-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not sign you in")

    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill("demo-clinic-2026")
    page.get_by_role("button", name="Sign in").click()

    # A password alone does not set up the authenticator: a one-time link goes to the
    # nurse's own e-mail address first.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_have_count(0)
    steps.assert_accessible(page)
    page.get_by_role("button", name="E-mail me a set-up link").click()
    expect(page.get_by_text("We e-mailed a set-up link")).to_be_visible()
    link = re.search(r"https?://\S+/enroll/\S+/", mail.outbox[-1].body).group(0)
    page.goto(urlsplit(link).path)
    page.get_by_role("button", name="Continue to set-up").click()

    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    steps.assert_accessible(page)
    secret = page.locator(".secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("6-digit code from your authenticator app").fill(
        f"{totp(key, step=30, t0=0, digits=6):06d}"
    )
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", name="Good", exact=False)).to_contain_text("James")
    treatment = page.get_by_role("region", name="Patients in treatment")
    expect(treatment).to_contain_text("Morgan, Alex")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Nurse")
    page.screenshot(path=screenshot_dir / "nurse-home.png", full_page=True)

    steps.go_to(page, "Patient list", group="Patients")
    page.get_by_label("Name or record number").fill("morgan")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Morgan, Alex").click()
    expect(page.get_by_role("heading", name="Alex Morgan")).to_be_visible()
    expect(page.get_by_text("Who owns it:")).to_be_visible()
    page.screenshot(path=screenshot_dir / "nurse-patient-chart.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
