"""Every model of the clinic's apps has a factory, and each factory makes valid rows.

"Valid": the row passes `full_clean()` (fields, model rules, constraints, the exclusion
constraints on PostgreSQL) and the database stored it (triggers, check constraints).
Each factory runs twice in one test: its defaults never clash with a row it made before.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django_otp.oath import totp

from clinic import clock
from clinic.audit import verify_chain
from clinic.choices import Role
from clinic.models import AuditEvent
from intake.models import Intake
from tests.factories import (
    FACTORIES,
    AppointmentFactory,
    ExportJobFactory,
    IntakeFactory,
    IntegrationNoteFactory,
    PatientFactory,
    StaffFactory,
    TOTPDeviceFactory,
    TreatmentSessionFactory,
    approve,
)

APP_LABELS = ("clinic", "intake", "treatment_sessions", "integration", "controlled", "fhir")


def _concrete_models() -> list[type[models.Model]]:
    found = []
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            # simple_history's Historical* models are written by the history itself.
            if model._meta.abstract or model.__name__.startswith("Historical"):
                continue
            found.append(model)
    return found


def test_every_concrete_model_has_a_factory() -> None:
    missing = [model._meta.label for model in _concrete_models() if model not in FACTORIES]
    assert missing == []


def test_every_factory_is_of_a_model_of_these_apps() -> None:
    assert set(FACTORIES) == set(_concrete_models())


@pytest.mark.parametrize(
    "model", _concrete_models(), ids=lambda model: model._meta.label_lower.split(".")[1]
)
def test_factory_makes_valid_rows_twice(db: None, model: type[models.Model]) -> None:
    factory_class = FACTORIES[model]
    first = factory_class()
    second = factory_class()
    for row in (first, second):
        assert isinstance(row, model)
        assert row.pk is not None
        stored = model._default_manager.get(pk=row.pk)
        stored.full_clean()


def test_audit_rows_stay_in_one_chain(db: None) -> None:
    FACTORIES[AuditEvent]()
    FACTORIES[AuditEvent]()
    assert verify_chain(AuditEvent.objects.order_by("id")).ok


def test_a_session_belongs_to_one_patient(db: None) -> None:
    session = TreatmentSessionFactory()
    assert session.appointment.patient == session.patient == session.plan.patient
    assert session.route == session.plan.route
    other = AppointmentFactory()
    with pytest.raises(ValueError, match="belongs to patient"):
        TreatmentSessionFactory(appointment=other)


def test_an_esketamine_session_is_on_the_esketamine_plan(db: None) -> None:
    session = TreatmentSessionFactory(esketamine=True)
    assert session.route == "intranasal_esketamine"
    assert session.plan.esketamine_devices == 2


def test_appointments_of_one_patient_and_chair_never_overlap(db: None) -> None:
    first = AppointmentFactory()
    again = AppointmentFactory(patient=first.patient, chair=first.chair)
    assert again.plan.version == first.plan.version + 1
    assert again.series_number == first.series_number + 1
    assert again.start >= first.end or again.end <= first.start


def test_a_signed_note_verifies(db: None) -> None:
    note = IntegrationNoteFactory(signed=True)
    assert note.verify()


def test_approve_signs_an_approval(db: None) -> None:
    patient = PatientFactory()
    psychiatrist = StaffFactory(roles=[Role.PSYCHIATRIST])
    first = approve(patient, psychiatrist, routes=["iv"])
    again = approve(patient, psychiatrist)
    assert first.decision == again.decision == "approved"
    assert first.intake == again.intake
    assert first.allowed_routes == ["iv"]
    assert first.signed_by == first.screening.created_by == psychiatrist


def test_an_opened_intake_has_the_models_defaults(db: None) -> None:
    """What a new `Intake(patient=...)` row stores (the model's defaults): tests that
    start from an intake just opened rely on exactly these values."""
    opened = IntakeFactory(opened=True)
    bare = Intake(patient=PatientFactory())
    fields = [
        "status", "answers", "completed_steps", "drafts", "reopened_steps", "submitted_at",
        "submitted_by", "entered_by_staff", "consent_name", "consent_signed_at",
        "consent_ip", "consent_version", "submission_count",
    ]  # fmt: skip
    assert {f: getattr(opened, f) for f in fields} == {f: getattr(bare, f) for f in fields}
    assert abs(opened.started_at - clock.now()) < dt.timedelta(minutes=1)
    opened.full_clean()
    assert IntakeFactory(opened=True).answers is not opened.answers  # not one shared dict


def test_an_authenticator_is_confirmed_and_its_codes_verify(db: None) -> None:
    device = TOTPDeviceFactory()
    again = TOTPDeviceFactory()
    assert device.confirmed and not device.user.is_patient_account
    assert device.key != again.key
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert device.verify_token(f"{code:06d}")


def test_a_staff_export_has_a_user_and_no_client(db: None) -> None:
    job = ExportJobFactory(by_staff=True)
    assert job.client is None and job.user is not None and job.scopes == ""
    job.full_clean()
