"""A patient's record: creating it, their details, reminder preferences, care team
and journey state.

Each service runs in one transaction and writes its audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import clock, permissions, preferences
from clinic.audit import audit_record
from clinic.choices import (
    JOURNEY_STATES_WITH_REASON,
    AuditAction,
    JourneyState,
    ReminderChannel,
    Role,
)
from clinic.models import Patient, User
from clinic.policy import require
from clinic.selectors import clinic_settings


def _next_mrn() -> str:
    last = Patient.objects.order_by("-id").values_list("id", flat=True).first() or 0
    candidate = last + 1
    while Patient.objects.filter(mrn=f"KC-{candidate:06d}").exists():
        candidate += 1
    return f"KC-{candidate:06d}"


def patient_create(
    *,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date | None,
    actor: User | None = None,
    **details: Any,
) -> Patient:
    """Create a patient record (invitations and the demo seeder use this)."""
    with transaction.atomic():
        patient = Patient(
            legal_first_name=legal_first_name,
            legal_last_name=legal_last_name,
            date_of_birth=date_of_birth,
            mrn=_next_mrn(),
            **details,
        )
        patient.full_clean(exclude=["mrn", "user"])
        patient.save()
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=patient)
    return patient


def patient_update_details(*, patient: Patient, actor: User, changes: dict[str, Any]) -> Patient:
    """Change demographics or contact details; only fields that changed are written."""
    require(
        actor,
        permissions.EDIT_PATIENT_DETAILS,
        patient=patient,
        message="Only coordinators edit patient details.",
    )
    with transaction.atomic():
        # Compare with the stored row (a bound ModelForm has already copied the new
        # values onto the instance it was given), locked against a concurrent edit.
        stored = Patient.objects.select_for_update().get(pk=patient.pk)
        changed = [field for field, value in changes.items() if getattr(stored, field) != value]
        if not changed:
            return stored
        for field in changed:
            setattr(stored, field, changes[field])
        stored.save(update_fields=[*changed, "updated_at"])
        audit_record(action=AuditAction.UPDATE, user=actor, patient=stored, obj=stored)
        if set(changed) & REACHED_BY:
            from clinic.notifications import reminders

            reminders.replan_for_patient(stored, clinic=clinic_settings())
    return stored


# Contact details and choices that decide how a reminder reaches the patient.
REACHED_BY = frozenset({"reminder_channel", "email", "phone", "sms_quiet_start", "sms_quiet_end"})


def patient_set_reminder_preferences(
    *,
    patient: Patient,
    actor: User,
    channel: str,
    sms_quiet_start: dt.time | None,
    sms_quiet_end: dt.time | None,
) -> Patient:
    """The patient (or a coordinator) sets how reminders reach them and their quiet hours
    for text messages; reminders not yet sent follow the new choice at once."""
    from clinic.notifications import reminders

    require(
        actor,
        permissions.SET_REMINDER_PREFERENCES,
        patient=patient,
        message="Only the patient or a coordinator sets reminder preferences.",
    )
    if channel not in ReminderChannel.values:
        raise ValidationError({"reminder_channel": "Choose how reminders should reach you."})
    with transaction.atomic():
        stored = Patient.objects.select_for_update().get(pk=patient.pk)
        errors = preferences.quiet_hours_errors(sms_quiet_start, sms_quiet_end)
        missing = preferences.missing_contacts(channel, email=stored.email, phone=stored.phone)
        if missing:
            errors["reminder_channel"] = " ".join(missing.values())
        if errors:
            raise ValidationError(errors)
        changes = {
            "reminder_channel": channel,
            "sms_quiet_start": sms_quiet_start,
            "sms_quiet_end": sms_quiet_end,
        }
        changed = [field for field, value in changes.items() if getattr(stored, field) != value]
        if not changed:
            return stored
        for field in changed:
            setattr(stored, field, changes[field])
        stored.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=stored,
            object_type="clinic.reminder_preferences",
            object_id=stored.pk,
        )
        reminders.replan_for_patient(stored, clinic=clinic_settings())
    return stored


def patient_set_care_team(
    *,
    patient: Patient,
    actor: User,
    psychiatrist: User | None,
    therapist: User | None,
) -> Patient:
    """Assign the patient's psychiatrist and integration therapist."""
    require(
        actor,
        permissions.CHANGE_CARE_TEAM,
        patient=patient,
        message="Only coordinators and psychiatrists change the care team.",
    )
    if psychiatrist is not None and not psychiatrist.has_role(Role.PSYCHIATRIST):
        raise ValidationError({"psychiatrist": "This person is not a psychiatrist."})
    if therapist is not None and not therapist.has_role(Role.THERAPIST):
        raise ValidationError({"therapist": "This person is not a therapist."})
    with transaction.atomic():
        patient.psychiatrist = psychiatrist
        patient.therapist = therapist
        patient.save(update_fields=["psychiatrist", "therapist", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=patient,
            object_type="clinic.careteam",
            object_id=patient.pk,
        )
    return patient


def patient_move_journey(
    *,
    patient: Patient,
    to_state: str,
    actor: User | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Patient:
    """Move a patient to another journey state (feature services call this)."""
    if to_state not in JourneyState.values:
        raise ValueError(f"Unknown journey state {to_state!r}")
    if to_state in JOURNEY_STATES_WITH_REASON and not reason.strip():
        raise ValidationError({"reason": "Give a reason for pausing or discharging."})
    with transaction.atomic():
        patient.journey_state = to_state
        patient.journey_state_since = at or clock.now()
        patient.journey_reason = reason.strip()
        patient.save(
            update_fields=["journey_state", "journey_state_since", "journey_reason", "updated_at"]
        )
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=patient,
            object_type="clinic.journey",
            object_id=patient.pk,
        )
    return patient
