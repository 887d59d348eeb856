"""Sign-in, lockout, second factor, timeouts and password reset (security.md §2)."""

from __future__ import annotations

import datetime as dt
import re
import time
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.auth import SIGN_IN_FAILED
from clinic.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from clinic.models import AuditEvent
from tests.factories import PASSWORD, TOTPDeviceFactory


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def code_for_secret(setup_page) -> str:
    """The current code of the secret a set-up page showed (as an app would compute it)."""
    import base64

    secret = setup_page.context["secret"].replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def post_login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def no_mfa(settings) -> None:
    settings.CLINIC_REQUIRE_MFA = False


def test_patient_signs_in_and_lands_on_their_portal(client, personas) -> None:
    response = post_login(client, "alice", PASSWORD)
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert "Hello, Alice" in home.content.decode()


def test_signing_in_gives_a_new_session_id(client, personas) -> None:
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    post_login(client, "alice", PASSWORD)
    assert client.session.session_key != before


def test_wrong_password_shows_the_one_generic_message(client, personas) -> None:
    response = post_login(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert SIGN_IN_FAILED in response.content.decode()


def test_unknown_account_gets_the_same_message_as_a_wrong_password(client, personas) -> None:
    unknown = post_login(client, "nobody-here", "whatever-password")
    wrong = post_login(client, "alice", "whatever-password")
    assert unknown.status_code == wrong.status_code == 200
    assert SIGN_IN_FAILED in unknown.content.decode()
    assert SIGN_IN_FAILED in wrong.content.decode()


def test_five_failures_lock_the_account_from_any_address(client, personas) -> None:
    for attempt in range(5):
        post_login(client, "alice", "wrong-password", ip=f"10.0.0.{attempt + 1}")
    # The right password from a new address is refused, with the same message and status.
    locked = post_login(client, "alice", PASSWORD, ip="192.0.2.77")
    assert locked.status_code == 200
    assert SIGN_IN_FAILED in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    assert post_login(client, "bruno", PASSWORD).status_code == 302


def test_the_lock_lifts_after_fifteen_minutes(client, personas) -> None:
    for _ in range(5):
        post_login(client, "alice", "wrong-password")
    assert post_login(client, "alice", PASSWORD).status_code == 200
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert post_login(client, "alice", PASSWORD).status_code == 302


def test_failed_sign_ins_are_audited_without_the_password(client, personas) -> None:
    post_login(client, "alice", "secret-guess-123")
    row = AuditEvent.objects.filter(action="denied", object_type="login").get()
    assert row.object_id == "alice"
    assert "secret-guess" not in str(row.__dict__)


def test_staff_without_an_authenticator_must_enroll_before_any_page(
    client, personas, django_capture_on_commit_callbacks
) -> None:
    response = post_login(client, "james", PASSWORD)
    page = client.get(response["Location"])
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("mfa_setup"))
    assert client.get(reverse("patient_list")).status_code == 302

    setup = client.get(reverse("mfa_setup"))
    assert "E-mail me a set-up link" in setup.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        client.post(reverse("mfa_link_request"))
    link = re.search(r"https?://\S+/enroll/\S+/", mail.outbox[-1].body).group(0)
    client.post(urlsplit(link).path)
    shown = client.get(reverse("mfa_setup"))
    confirmed = client.post(reverse("mfa_setup"), {"token": code_for_secret(shown)})
    assert confirmed.status_code == 302
    assert client.get(reverse("patient_list")).status_code == 200


def test_enrolled_staff_enter_a_code_after_the_password(client, personas) -> None:
    device = TOTPDeviceFactory(user=personas.nurse)
    response = post_login(client, "james", PASSWORD)
    assert client.get(response["Location"])["Location"].startswith(reverse("mfa_verify"))
    wrong = client.post(reverse("mfa_verify"), {"token": "000000"})
    assert "That code did not match" in wrong.content.decode()
    _after_the_wait(device)
    right = client.post(
        reverse("mfa_verify"), {"token": current_code(device), "next": "/patients/"}
    )
    assert right["Location"] == "/patients/"
    assert client.get(reverse("patient_list")).status_code == 200


def test_a_code_works_only_once(client, personas) -> None:
    device = TOTPDeviceFactory(user=personas.nurse)
    code = current_code(device)
    post_login(client, "james", PASSWORD)
    assert client.post(reverse("mfa_verify"), {"token": code}).status_code == 302
    client.post(reverse("logout"))
    post_login(client, "james", PASSWORD)
    replay = client.post(reverse("mfa_verify"), {"token": code})
    assert replay.status_code == 200
    assert "That code did not match" in replay.content.decode()


def _after_the_wait(device: TOTPDevice) -> None:
    """django-otp's delay after a wrong code (1 s, doubling) has passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=1)
    )


def test_wrong_codes_count_toward_the_lockout(client, personas) -> None:
    device = TOTPDeviceFactory(user=personas.nurse)
    post_login(client, "james", PASSWORD)
    for _ in range(4):
        client.post(reverse("mfa_verify"), {"token": "000000"})
        _after_the_wait(device)
    final = client.post(reverse("mfa_verify"), {"token": "000001"})
    assert SIGN_IN_FAILED in final.content.decode()
    assert "_auth_user_id" not in client.session
    assert post_login(client, "james", PASSWORD).status_code == 200


def test_with_mfa_off_staff_go_straight_in_and_every_page_says_so(client, personas, no_mfa):
    response = post_login(client, "james", PASSWORD)
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert "Demo mode: the second sign-in factor" in home.content.decode()


def test_patients_never_need_a_second_factor(client, personas) -> None:
    post_login(client, "alice", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def _age_session(client, *, idle_minutes: float = 0, started_hours: float = 0) -> None:
    session = client.session
    now = time.time()
    session[SESSION_LAST_SEEN] = now - idle_minutes * 60
    session[SESSION_STARTED] = now - started_hours * 3600
    session.save()


def test_staff_are_signed_out_after_fifteen_idle_minutes(login, personas) -> None:
    client = login(personas.nurse)
    _age_session(client, idle_minutes=14)
    assert client.get(reverse("patient_list")).status_code == 200
    _age_session(client, idle_minutes=16)
    response = client.get(reverse("patient_list"))
    assert response["Location"] == reverse("login") + "?signed_out=idle"
    assert "_auth_user_id" not in client.session
    notice = client.get(response["Location"])
    assert "signed out after a period of inactivity" in notice.content.decode()


def test_patients_get_thirty_idle_minutes(login, personas) -> None:
    client = login(personas.patient_a.user)
    _age_session(client, idle_minutes=29)
    assert client.get(reverse("home")).status_code == 200
    _age_session(client, idle_minutes=31)
    assert client.get(reverse("home"))["Location"].endswith("signed_out=idle")


def test_no_session_lasts_longer_than_twelve_hours(login, personas) -> None:
    client = login(personas.nurse)
    _age_session(client, idle_minutes=1, started_hours=12.1)
    assert client.get(reverse("home"))["Location"].endswith("signed_out=expired")


def test_sign_out_ends_the_session_on_the_server(login, personas) -> None:
    client = login(personas.nurse)
    key = client.session.session_key
    confirm = client.get(reverse("logout"))
    assert "Sign out?" in confirm.content.decode()
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


def test_disabling_a_user_ends_their_sessions(login, personas) -> None:
    client = login(personas.nurse)
    personas.nurse.is_active = False
    personas.nurse.save(update_fields=["is_active"])
    response = client.get(reverse("patient_list"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_password_reset_by_email_sets_a_new_password(client, personas) -> None:
    response = client.post(reverse("password_reset"), {"email": personas.patient_a.user.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [personas.patient_a.user.email]
    assert message.subject == "Reset your password for Test Clinic"
    assert message.from_email.startswith("Test Clinic <")  # the clinic's own name
    assert message.alternatives  # an HTML part beside the text
    link = re.search(r"https?://[^/]+(/password-reset/[^\s]+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-secret-77", "new_password2": "a-brand-new-secret-77"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert post_login(client, "alice", "a-brand-new-secret-77").status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same(client, personas) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_staff_passwords_need_twelve_characters(client, personas) -> None:
    client.post(reverse("password_reset"), {"email": personas.nurse.email})
    link = re.search(r"https?://[^/]+(/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    short = client.post(form_url, {"new_password1": "Tr1cky-pass", "new_password2": "Tr1cky-pass"})
    assert "Staff passwords must be at least 12 characters" in short.content.decode()


def test_password_reset_sends_a_few_links_per_address_per_hour(client, personas) -> None:
    address = personas.patient_a.user.email
    for _ in range(6):
        response = client.post(reverse("password_reset"), {"email": address})
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 3
    # The worker forgets the address once the message is out.
    from clinic.models import PasswordResetRequest

    assert not PasswordResetRequest.objects.exclude(email="").exists()


def test_password_reset_hands_the_work_to_a_worker(client, personas) -> None:
    """The page answers without looking the address up: the task does (same time either
    way); only an id crosses the broker, never the address."""
    from unittest import mock

    with mock.patch("clinic.tasks.password_reset_send.delay") as delay:
        known = client.post(reverse("password_reset"), {"email": personas.patient_a.user.email})
        unknown = client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert delay.call_count == 2
    assert all(isinstance(call.args[0], int) for call in delay.call_args_list)
    assert mail.outbox == []


def test_a_locked_account_costs_a_password_hash_like_any_other(client, personas) -> None:
    from unittest import mock

    for _ in range(5):
        post_login(client, "alice", "wrong-password")
    with mock.patch(
        "clinic.auth.check_password", wraps=__import__("clinic.auth").auth.check_password
    ) as hashed:
        refused = post_login(client, "alice", PASSWORD)
    assert SIGN_IN_FAILED in refused.content.decode()
    assert hashed.called


def test_the_hourly_limit_counts_every_spelling_of_an_address(client, personas) -> None:
    address = personas.patient_a.user.email
    for variant in (address, address.upper(), f"  {address}  ", address.title()):
        client.post(reverse("password_reset"), {"email": variant})
    assert len(mail.outbox) == 3
