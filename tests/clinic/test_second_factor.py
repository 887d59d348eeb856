"""The second factor cannot be taken over or guessed (security.md §2; issue 14, 1–3).

- a password alone never shows an authenticator secret: set-up starts from a one-time
  link sent to the staff member's own address, and each set-up page view has a new
  secret that lives only in that browser session;
- wrong codes lock the account across sign-ins (a right password does not wipe them)
  and django-otp's doubling delay is on;
- replacing an authenticator needs the password and a current code again;
- every step writes an audit row.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.auth import SIGN_IN_FAILED
from clinic.models import AuditEvent, AuthenticatorEnrollment
from tests.conftest import sign_in
from tests.factories import PASSWORD, TOTPDeviceFactory


def code_of_device(device: TOTPDevice, offset_steps: int = 0) -> str:
    return f"{totp(device.bin_key, step=30, t0=-30 * offset_steps, digits=6):06d}"


def code_of_page(page) -> str:
    secret = page.context["secret"].replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def password_sign_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password step should pass"


def emailed_link_path() -> str:
    link = re.search(r"https?://\S+/enroll/\S+/", mail.outbox[-1].body).group(0)
    return urlsplit(link).path


def test_a_password_alone_never_shows_a_secret_or_makes_a_device(client, personas) -> None:
    password_sign_in(client, "james")
    page = client.get(reverse("mfa_setup"))
    html = page.content.decode()
    assert "E-mail me a set-up link" in html
    assert "QR code" not in html
    assert "secret" not in page.context or page.context.get("secret") is None
    assert not TOTPDevice.objects.filter(user=personas.nurse).exists()
    # A confirmation attempt without a link gets nowhere either.
    client.post(reverse("mfa_setup"), {"token": "123456"})
    assert not TOTPDevice.objects.filter(user=personas.nurse).exists()


def test_the_emailed_link_sets_up_the_authenticator_once(
    client, personas, django_capture_on_commit_callbacks
) -> None:
    password_sign_in(client, "james")
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        client.post(reverse("mfa_link_request"))
    message = mail.outbox[-1]
    assert message.to == [personas.nurse.email]
    path = emailed_link_path()

    # A GET only shows the link (mail scanners open links); the button binds it.
    assert "Continue to set-up" in client.get(path).content.decode()
    assert client.post(path)["Location"] == reverse("mfa_setup")
    page = client.get(reverse("mfa_setup"))
    assert "Set up your authenticator app" in page.content.decode()
    response = client.post(reverse("mfa_setup"), {"token": code_of_page(page)})
    assert response.status_code == 302
    assert client.get(reverse("patient_list")).status_code == 200
    assert TOTPDevice.objects.filter(user=personas.nurse, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="mfa_enrolled", user=personas.nurse).exists()
    assert AuditEvent.objects.filter(action="mfa_link_sent", object_id=personas.nurse.pk).exists()

    # The link is used up.
    again = client.get(path)
    assert again.status_code == 404
    assert "This set-up link does not work" in again.content.decode()


def test_each_view_of_the_setup_page_has_a_new_secret(
    client, personas, django_capture_on_commit_callbacks
) -> None:
    password_sign_in(client, "james")
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        client.post(reverse("mfa_link_request"))
    client.post(emailed_link_path())
    first = client.get(reverse("mfa_setup"))
    second = client.get(reverse("mfa_setup"))
    assert first.context["secret"] != second.context["secret"]
    # A code from the secret shown first no longer works: only the last view counts.
    stale = client.post(reverse("mfa_setup"), {"token": code_of_page(first)})
    assert "That code did not match" in stale.content.decode()
    assert not TOTPDevice.objects.filter(user=personas.nurse).exists()


def test_the_link_works_only_for_the_account_it_was_sent_to(
    client, personas, django_capture_on_commit_callbacks
) -> None:
    password_sign_in(client, "james")
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        client.post(reverse("mfa_link_request"))
    path = emailed_link_path()

    intruder = Client()
    password_sign_in(intruder, "maria")  # another staff member, not yet enrolled
    assert intruder.get(path).status_code == 404
    intruder.post(path)
    assert "E-mail me a set-up link" in intruder.get(reverse("mfa_setup")).content.decode()
    assert AuditEvent.objects.filter(action="denied", object_type="otp.setup_link").exists()


def test_an_expired_link_does_not_work(
    client, personas, django_capture_on_commit_callbacks
) -> None:
    password_sign_in(client, "james")
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        client.post(reverse("mfa_link_request"))
    AuthenticatorEnrollment.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(emailed_link_path()).status_code == 404


def wrong_code(client: Client, device: TOTPDevice):
    """One wrong code, typed after django-otp's delay from the previous one has passed
    (so it is tried and counted)."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=1)
    )
    return client.post(reverse("mfa_verify"), {"token": "000000"})


def test_a_right_password_does_not_wipe_wrong_codes(client, personas) -> None:
    device = TOTPDeviceFactory(user=personas.nurse)
    for _ in range(2):
        password_sign_in(client, "james")
        for _ in range(2):
            assert "That code did not match" in wrong_code(client, device).content.decode()
        client.post(reverse("logout"))
    # Four wrong codes over two sign-ins; the password still works, one more wrong
    # code locks the account.
    password_sign_in(client, "james")
    final = wrong_code(client, device)
    assert SIGN_IN_FAILED in final.content.decode()
    assert "_auth_user_id" not in client.session
    # Locked: even the right password gets nowhere now.
    refused = client.post(reverse("login"), {"username": "james", "password": PASSWORD})
    assert refused.status_code == 200
    assert SIGN_IN_FAILED in refused.content.decode()
    assert AuditEvent.objects.filter(action="mfa_failed", user=personas.nurse).count() == 5


def test_five_wrong_codes_lock_even_when_spread_beyond_the_password_count(client, personas) -> None:
    """The count of wrong codes lives on the authenticator: clearing the sign-in
    attempts (as their cool-off would) does not give more guesses."""
    from axes.models import AccessAttempt

    device = TOTPDeviceFactory(user=personas.nurse)
    password_sign_in(client, "james")
    for _ in range(4):
        wrong_code(client, device)
    AccessAttempt.objects.all().delete()
    locked = wrong_code(client, device)
    assert SIGN_IN_FAILED in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_each_wrong_code_doubles_the_wait_before_the_next_try(client, personas) -> None:
    device = TOTPDeviceFactory(user=personas.nurse)
    password_sign_in(client, "james")
    client.post(reverse("mfa_verify"), {"token": "000000"})
    # Straight after a wrong code even the right one is not tried (django-otp's delay).
    waiting = client.post(reverse("mfa_verify"), {"token": code_of_device(device)})
    assert "before the next try" in waiting.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )
    passed = client.post(reverse("mfa_verify"), {"token": code_of_device(device)})
    assert passed.status_code == 302
    assert AuditEvent.objects.filter(action="mfa_passed", user=personas.nurse).exists()


def test_replacing_the_authenticator_needs_the_password_and_a_current_code(
    client, personas
) -> None:
    signed = sign_in(client, personas.nurse)  # verified with a confirmed device
    old = TOTPDevice.objects.get(user=personas.nurse)
    # The set-up page of a signed-in, verified user no longer hands out a new secret.
    assert signed.get(reverse("mfa_setup"))["Location"] == reverse("mfa_replace")

    wrong = signed.post(
        reverse("mfa_replace"), {"password": "not-it", "token": code_of_device(old)}
    )
    assert "The password or the code did not match." in wrong.content.decode()
    assert AuditEvent.objects.filter(action="mfa_failed", object_type="otp.replace").exists()
    assert signed.get(reverse("mfa_setup"))["Location"] == reverse("mfa_replace")

    right = signed.post(
        reverse("mfa_replace"), {"password": PASSWORD, "token": code_of_device(old, 1)}
    )
    assert right["Location"] == reverse("mfa_setup")
    page = signed.get(reverse("mfa_setup"))
    assert signed.post(reverse("mfa_setup"), {"token": code_of_page(page)}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.filter(user=personas.nurse, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="mfa_replaced", user=personas.nurse).exists()


def test_an_admin_reset_sends_a_setup_link_to_the_owner(
    client, personas, django_capture_on_commit_callbacks
) -> None:
    TOTPDeviceFactory(user=personas.nurse)
    admin = sign_in(Client(), personas.admin)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        response = admin.post(
            reverse("admin:clinic_user_changelist"),
            {"action": "reset_authenticator", "_selected_action": [personas.nurse.pk]},
            follow=True,
        )
    assert "Authenticator reset for 1 account(s)." in response.content.decode()
    assert mail.outbox[-1].to == [personas.nurse.email]
    assert AuditEvent.objects.filter(action="mfa_reset", object_id=personas.nurse.pk).exists()
    # Only the owner, signed in with their password, can use it.
    password_sign_in(client, "james")
    client.post(emailed_link_path())
    page = client.get(reverse("mfa_setup"))
    assert client.post(reverse("mfa_setup"), {"token": code_of_page(page)}).status_code == 302


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_an_overlong_username_is_a_form_error_not_a_server_error(client, db, length) -> None:
    response = client.post(reverse("login"), {"username": "u" * length, "password": "x"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()


def test_a_setup_link_never_replaces_a_working_authenticator(personas) -> None:
    from django.core.exceptions import ValidationError

    from clinic import second_factor

    TOTPDeviceFactory(user=personas.nurse)
    with pytest.raises(ValidationError, match="already has an authenticator"):
        second_factor.enrollment_link_send(user=personas.nurse, actor=personas.admin)
    assert mail.outbox == []


def test_a_form_kept_across_a_timeout_never_keeps_a_password(client, personas) -> None:
    import time

    from clinic.middleware import SESSION_LAST_SEEN, SESSION_PENDING_POST

    signed = sign_in(client, personas.nurse)
    session = signed.session
    session[SESSION_LAST_SEEN] = time.time() - 3600
    session.save()
    signed.post(reverse("mfa_replace"), {"password": PASSWORD, "token": "123456"})
    kept = signed.session.get(SESSION_PENDING_POST)
    assert kept is not None
    assert "password" not in kept["data"]
    assert kept["data"]["token"] == ["123456"]
