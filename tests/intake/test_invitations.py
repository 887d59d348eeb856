"""Coordinators invite patients; the single-use link creates the patient's login."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, ClinicSettings, Patient
from intake.models import Intake, Invitation
from tests.factories import InvitationFactory, PatientFactory


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invitation form and run what is queued after commit (the email task)."""

    def _invite(client, **data: str):
        payload = {
            "first_name": "Robin",
            "last_name": "Hale",
            "email": "robin@example.com",
            "mobile": "",
            "date_of_birth": "",
        } | data
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("invitation_create"), payload)

    return _invite


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/welcome/\S+/)", message.body).group(1)


@pytest.fixture
def coordinator(login, personas):
    return login(personas.coordinator)


def test_a_coordinator_invites_a_patient_who_gets_a_link_by_email(
    coordinator, personas, invite
) -> None:
    response = invite(coordinator)
    assert response["Location"] == reverse("invitation_list")
    patient = Patient.objects.get(legal_last_name="Hale")
    assert patient.journey_state == "invited"
    assert patient.date_of_birth is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["robin@example.com"]
    assert message.from_email.split(" <")[0] == ClinicSettings.objects.get().name
    assert "Hello Robin" in message.body
    assert "/welcome/" in message.body
    invitation = Invitation.objects.get()
    assert invitation.send_count == 1 and invitation.last_sent_at is not None
    listing = coordinator.get(reverse("invitation_list")).content.decode()
    assert "Hale, Robin" in listing and "Sent, not yet opened" in listing


def test_an_invitation_needs_an_email_or_a_mobile_and_keeps_what_was_typed(
    coordinator, invite
) -> None:
    response = invite(coordinator, email="", first_name="Rowan")
    body = response.content.decode()
    assert "Give an email address or a mobile number (or both)." in body
    assert 'value="Rowan"' in body
    assert not Patient.objects.filter(legal_first_name="Rowan").exists()


def test_a_mobile_only_invitation_goes_by_text_message(
    coordinator, settings, tmp_path, invite
) -> None:
    settings.SMS_FILE_PATH = tmp_path
    invite(coordinator, email="", mobile="(617) 555-0150")
    sms = "".join(path.read_text() for path in tmp_path.glob("*.json"))
    assert '"to": "+16175550150"' in sms and "/welcome/" in sms
    assert mail.outbox == []


def test_the_link_creates_a_login_signs_the_patient_in_and_opens_the_intake(
    client, coordinator, invite
):
    invite(coordinator)
    coordinator.logout()
    url = link_in(mail.outbox[0])
    page = client.get(url)
    assert "Welcome, Robin" in page.content.decode()
    assert page.context["username"] == "robin@example.com"
    response = client.post(url, {"password1": "harbor-lights-42", "password2": "harbor-lights-42"})
    assert response["Location"] == reverse("intake_home")
    patient = Patient.objects.get(legal_last_name="Hale")
    assert patient.user.username == "robin@example.com"
    assert patient.user.is_patient_account
    assert patient.journey_state == "intake_in_progress"
    assert Intake.objects.filter(patient=patient).exists()
    assert client.get(reverse("intake_home"))["Location"].endswith("/intake/about-you/")
    assert Invitation.objects.get().status == "accepted"


def test_a_used_link_gets_a_clear_page(client, coordinator, invite) -> None:
    invite(coordinator)
    url = link_in(mail.outbox[0])
    coordinator.logout()
    client.post(url, {"password1": "harbor-lights-42", "password2": "harbor-lights-42"})
    client.logout()
    again = client.get(url)
    assert again.status_code == 410
    assert "This invitation was already used" in again.content.decode()


def test_an_expired_link_gets_a_clear_page(client, coordinator, invite) -> None:
    invite(coordinator)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    listing = coordinator.get(reverse("invitation_list")).content.decode()
    assert "Expired" in listing


@pytest.mark.parametrize("mangle", [lambda url: url[:-6] + "xxxxx/", lambda url: "/welcome/abc/"])
def test_a_tampered_link_gets_a_clear_page(client, coordinator, mangle, invite) -> None:
    invite(coordinator)
    response = client.get(mangle(link_in(mail.outbox[0])))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_resending_makes_a_new_link_and_the_old_one_stops_working(
    client, coordinator, invite, django_capture_on_commit_callbacks
) -> None:
    invite(coordinator)
    old = link_in(mail.outbox[0])
    invitation = Invitation.objects.get()
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)
    assert "A new link was sent" in response.content.decode()
    new = link_in(mail.outbox[1])
    assert new != old
    assert "A newer invitation replaced this one" in client.get(old).content.decode()
    assert client.get(new).status_code == 200
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=6)


def test_password_rules_apply_when_the_patient_creates_their_login(
    client, coordinator, invite
) -> None:
    invite(coordinator)
    url = link_in(mail.outbox[0])
    response = client.post(url, {"password1": "12345678", "password2": "12345678"})
    body = response.content.decode()
    assert "This password is too common." in body or "entirely numeric" in body
    mismatch = client.post(url, {"password1": "harbor-lights-42", "password2": "harbor-lights-43"})
    assert "The two passwords are not the same." in mismatch.content.decode()


def test_the_welcome_page_never_tells_whether_someone_elses_username_exists(
    client, coordinator, personas, invite
) -> None:
    """The clinic assigns the username: a name typed into the page is ignored, so the page
    answers the same whether "alice" (a patient's login) exists or not."""
    invite(coordinator)
    url = link_in(mail.outbox[0])
    answers = [
        client.post(
            url,
            {"username": name, "password1": "harbor-lights-42", "password2": "harbor-lights-4"},
        )
        for name in ("alice", "ALICE", "nobody-by-this-name")
    ]
    assert all("taken" not in answer.content.decode() for answer in answers)
    assert all(
        answer.context["form"].errors == answers[0].context["form"].errors for answer in answers
    )
    client.post(
        url, {"username": "alice", "password1": "harbor-lights-42", "password2": "harbor-lights-42"}
    )
    assert Patient.objects.get(legal_last_name="Hale").user.username == "robin@example.com"


def test_an_invited_address_already_in_use_gets_the_record_number_as_username(
    client, coordinator, personas, invite
) -> None:
    personas.patient_b.user.username = "robin@example.com"
    personas.patient_b.user.save(update_fields=["username"])
    invite(coordinator)
    url = link_in(mail.outbox[0])
    patient = Patient.objects.get(legal_last_name="Hale")
    assert client.get(url).context["username"] == patient.mrn.lower()
    response = client.post(
        url, {"password1": "harbor-lights-42", "password2": "harbor-lights-42"}, follow=True
    )
    assert f"sign in with the username {patient.mrn.lower()}" in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).user.username == patient.mrn.lower()


def test_invitations_are_audited(coordinator, personas, invite) -> None:
    invite(coordinator)
    patient = Patient.objects.get(legal_last_name="Hale")
    assert AuditEvent.objects.filter(
        patient=patient, action="create", object_type="intake.invitation"
    ).exists()


@pytest.mark.parametrize("rows", [1, 50])
def test_invitation_list_query_budget(
    rows, coordinator, personas, django_assert_max_num_queries
) -> None:
    for patient in PatientFactory.create_batch(rows, journey_state="invited"):
        InvitationFactory(
            patient=patient,
            email="x@example.com",
            created_by=personas.coordinator,
            expires_at=timezone.now() + dt.timedelta(days=7),
        )
    coordinator.get(reverse("invitation_list"))
    with django_assert_max_num_queries(13):
        assert coordinator.get(reverse("invitation_list")).status_code == 200
