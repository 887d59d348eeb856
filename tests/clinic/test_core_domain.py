"""Core domain rules: journey steps, care team, roles, clinic settings, demo seed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic import roles, services
from clinic.choices import JourneyState, Role
from clinic.journey import NEXT_STEPS, next_step, progress_index
from clinic.models import Chair, ClinicSettings, Closure, Location, OpeningHours, Patient, User
from clinic.notifications.sms import FileSmsBackend, SmsError, SmsMessage, send_sms
from clinic.selectors import clinic_settings
from tests.factories import LocationFactory


def test_every_journey_state_says_what_is_next_for_staff_and_for_the_patient() -> None:
    assert set(NEXT_STEPS) == set(JourneyState.values)
    for state in JourneyState.values:
        step = next_step(state)
        assert step.staff_text and step.patient_text
    assert next_step(JourneyState.AWAITING_REVIEW).owner_role == Role.PSYCHIATRIST
    assert next_step(JourneyState.PLAN).owner_role == Role.COORDINATOR
    assert next_step(JourneyState.DISCHARGED).owner_role == ""
    with pytest.raises(ValueError, match="Unknown journey state"):
        next_step("teleported")


def test_side_states_sit_on_the_main_path_where_they_belong() -> None:
    assert progress_index(JourneyState.MORE_INFORMATION) == progress_index(
        JourneyState.AWAITING_REVIEW
    )
    assert progress_index(JourneyState.PAUSED) is None
    assert progress_index(JourneyState.INVITED) == 0


def test_pausing_or_discharging_needs_a_reason(personas) -> None:
    with pytest.raises(ValidationError, match="Give a reason"):
        services.patient_move_journey(
            patient=personas.patient_a, to_state=JourneyState.PAUSED, actor=personas.psychiatrist
        )
    services.patient_move_journey(
        patient=personas.patient_a,
        to_state=JourneyState.PAUSED,
        actor=personas.psychiatrist,
        reason="Surgery next month",
    )
    personas.patient_a.refresh_from_db()
    assert personas.patient_a.journey_state == JourneyState.PAUSED
    assert personas.patient_a.journey_reason == "Surgery next month"


def test_a_patient_login_never_holds_a_staff_role(personas) -> None:
    with pytest.raises(ValidationError, match="can never hold a staff role"):
        roles.role_grant_on_server(user=personas.patient_a.user, role=Role.NURSE)


def test_one_person_can_hold_several_roles(personas) -> None:
    roles.role_grant_on_server(user=personas.nurse, role=Role.COORDINATOR)
    nurse = User.objects.get(pk=personas.nurse.pk)
    assert nurse.role_codes == {Role.NURSE, Role.COORDINATOR}


def test_a_therapist_cannot_be_named_psychiatrist(personas) -> None:
    with pytest.raises(ValidationError):
        services.patient_set_care_team(
            patient=personas.patient_b,
            actor=personas.coordinator,
            psychiatrist=personas.therapist,
            therapist=None,
        )


def test_age_counts_whole_years_completed(personas) -> None:
    patient = Patient(date_of_birth=dt.date(1990, 6, 15))
    assert patient.age_on(dt.date(2026, 6, 14)) == 35
    assert patient.age_on(dt.date(2026, 6, 15)) == 36


def test_clinic_settings_refuse_an_unknown_time_zone(personas) -> None:
    # The vital-limit half of this check moved with the limits: tests/sessions/test_vital_limits.py
    clinic = ClinicSettings.objects.get(pk=1)
    clinic.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError) as error:
        clinic.full_clean()
    assert "time_zone" in error.value.message_dict


def test_an_admin_edits_clinic_settings_in_the_admin_and_it_is_audited(login, personas) -> None:
    client = login(personas.admin)
    url = reverse("admin:clinic_chair_add")
    location = LocationFactory()  # every chair belongs to a location
    response = client.post(
        url,
        {
            "name": "Chair 9",
            "location": location.pk,
            "room": "Suite C",
            "display_order": 9,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Chair.objects.filter(name="Chair 9").exists()
    from clinic.models import AuditEvent

    assert AuditEvent.objects.filter(
        user=personas.admin, object_type="admin", action="update"
    ).exists()


def test_staff_without_the_admin_role_get_a_403_from_the_admin(login, personas) -> None:
    client = login(personas.psychiatrist)
    response = client.get(reverse("admin:clinic_clinicsettings_changelist"))
    assert response.status_code == 403


def test_sms_file_backend_keeps_one_file_per_message_key(tmp_path, settings) -> None:
    settings.SMS_BACKEND = "clinic.notifications.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = tmp_path
    send_sms("+16175550134", "Riverside Ketamine Clinic: reminder for tomorrow 10:00.")
    (first,) = tmp_path.glob("*.json")
    assert '"to": "+16175550134"' in first.read_text()
    with pytest.raises(SmsError):
        send_sms("+16175550134", "x" * 700)
    for _ in range(3):  # the same key handed over again is kept once
        assert FileSmsBackend(tmp_path).send(SmsMessage("+1", "hi", key="k-1")) == "file:k-1"
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_seed_demo_builds_a_realistic_clinic_and_is_idempotent(db, capsys) -> None:
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "coordinator" in first and "demo-clinic-2026" in first
    call_command("seed_demo")
    assert "0 patients added" in capsys.readouterr().out

    assert Patient.objects.count() == 28
    # Two locations (controlled-substances.md §1): Riverside's four chairs, Harbor Point's two.
    riverside, harbor = Location.objects.order_by("pk")
    assert (riverside.name, harbor.name) == ("Riverside", "Harbor Point")
    assert Chair.objects.filter(is_active=True, location=riverside).count() == 4
    assert Chair.objects.filter(is_active=True, location=harbor).count() == 2
    assert riverside.dea_number != harbor.dea_number
    assert harbor.rems_certification_id and riverside.rems_certification_id
    for location in (riverside, harbor):
        location.full_clean()  # valid-format DEA numbers (check digit)
    assert set(User.objects.get(username="nurse2").locations.all()) == {riverside, harbor}
    assert not User.objects.filter(account_type="staff").exclude(locations=riverside).exists()
    # Harbor Point's own three patients are booked there; everyone else's stays at Riverside.
    from sessions.models import Appointment

    at_harbor = Patient.objects.exclude(home_location=riverside)
    assert {(p.legal_first_name, p.legal_last_name) for p in at_harbor} == {
        ("Hassan", "Haddad"),
        ("Lena", "Fischer"),
        ("Marco", "Bianchi"),
    }
    assert set(at_harbor.values_list("home_location", flat=True)) == {harbor.pk}
    booked_there = Appointment.objects.filter(chair__location=harbor)
    assert booked_there.exists()
    assert set(booked_there.values_list("patient", flat=True)) <= set(
        at_harbor.values_list("pk", flat=True)
    )
    assert not Appointment.objects.filter(chair__location=riverside, patient__in=at_harbor).exists()
    # Riverside: Monday to Saturday, and today whatever weekday it is (the demo's live
    # sessions are today). Harbor Point: never on Wednesdays or weekends, and a closure
    # of its own, so the two calendars differ.
    today = timezone.localdate(timezone=clinic_settings().zone)
    at_riverside = OpeningHours.objects.filter(location=riverside)
    assert at_riverside.count() == (6 if today.weekday() < 6 else 7)
    assert at_riverside.filter(weekday=today.weekday()).exists()
    harbor_days = set(
        OpeningHours.objects.filter(location=harbor).values_list("weekday", flat=True)
    )
    assert harbor_days == {0, 1, 3, 4}
    assert Closure.objects.filter(location=harbor).count() == 1
    assert not Closure.objects.filter(date=today, location=None).exists()
    assert Closure.objects.filter(location=None).exists()
    states = set(Patient.objects.values_list("journey_state", flat=True))
    assert states == set(JourneyState.values)
    for role in Role.values:
        assert User.objects.filter(staff_roles__role=role).exists()
    logins = Patient.objects.exclude(user=None)
    assert logins.count() == 3
    assert all(patient.user.check_password("demo-patient-2026") for patient in logins)
    assert User.objects.get(username="nurse").check_password("demo-clinic-2026")
    call_command("verify_audit")
    from django.db.models import F

    from sessions.models import DoseRecord

    # Every waste in the demo has a witness, and never the nurse who gave the dose.
    wasted = DoseRecord.objects.filter(waste_mg__gt=0)
    assert wasted.exists()
    assert not wasted.filter(waste_witness=None).exists()
    assert not wasted.filter(waste_witness=F("administered_by")).exists()

    from intake.models import EligibilityDecision, Intake, Invitation, ScreeningResult, UrgentAlert

    levels = set(ScreeningResult.objects.values_list("level", flat=True))
    assert levels == {"clear", "caution", "contraindicated"}
    assert ScreeningResult.objects.filter(urgent=True).exists()
    assert UrgentAlert.objects.filter(acknowledged_at=None).count() == 1
    assert set(Intake.objects.values_list("status", flat=True)) == {
        "in_progress",
        "submitted",
        "reopened",
    }
    assert set(EligibilityDecision.objects.values_list("decision", flat=True)) == {
        "approved",
        "declined",
        "more_information",
    }
    assert Invitation.objects.filter(status="pending").count() == 2


def test_an_admin_resets_a_lost_authenticator_and_the_owner_enrolls_again(
    login, personas, client
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import sign_in
    from tests.factories import PASSWORD

    nurse_client = sign_in(client, personas.nurse)  # signed in with a confirmed device
    assert TOTPDevice.objects.filter(user=personas.nurse, confirmed=True).exists()

    from django.test import Client

    admin_client = sign_in(Client(), personas.admin)
    response = admin_client.post(
        reverse("admin:clinic_user_changelist"),
        {"action": "reset_authenticator", "_selected_action": [personas.nurse.pk]},
        follow=True,
    )
    assert "Authenticator reset for 1 account(s)." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=personas.nurse).exists()
    # The nurse's open session ended; signing in again leads to enrollment.
    assert "/login/" in nurse_client.get(reverse("patient_list"))["Location"]
    nurse_client.post(reverse("login"), {"username": "james", "password": PASSWORD})
    assert nurse_client.get(reverse("home"))["Location"].startswith(reverse("mfa_setup"))


def test_an_admin_edits_a_protocol_in_the_admin(login, personas) -> None:
    from sessions.models import Protocol

    protocol = Protocol.objects.get(code="iv-rapid")
    client = login(personas.admin)
    url = reverse("admin:treatment_sessions_protocol_change", args=[protocol.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(chair_block_minutes=135, is_active="on")
    data = {key: value for key, value in data.items() if value is not None}
    assert client.post(url, data).status_code == 302
    protocol.refresh_from_db()
    assert protocol.chair_block_minutes == 135
    assert login(personas.coordinator).get(url).status_code == 403
