"""The intake questionnaire, step by step: opening the intake, saving a step's answers,
"Save and finish later" drafts, and the consent signature. The patient fills it in, or
clinical staff enter it with them (recorded as entered by staff).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic import clock
from clinic import services as clinic_services
from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.context import current as current_work
from clinic.models import Patient, User
from clinic.policy import require
from intake.measures import (
    ASQ,
    ASQ_ACUTE,
    ASQ_ACUTE_ITEM,
    ASQ_NON_ACUTE,
    ASQ_SCREEN_ITEMS,
    PHQ9,
    score,
)
from intake.models import Intake, IntakeStatus
from intake.permissions import ENTER_INTAKE_FOR_PATIENT, FILL_OWN_INTAKE
from intake.questionnaire import CONSENT_VERSION, Step, steps_for, tidy_answers
from intake.services.urgent_alerts import phq9_item9_alert, suicide_risk_screen_alert


def intake_open(*, patient: Patient, actor: User) -> Intake:
    """The patient's intake, started now if it does not exist yet (by the patient, or by
    clinical staff entering it with them; pages call this on a POST only)."""
    require_intake_author(actor, Intake(patient=patient))
    with transaction.atomic():
        intake, created = Intake.objects.get_or_create(patient=patient)
        if created and patient.journey_state == JourneyState.INVITED:
            clinic_services.patient_move_journey(
                patient=patient,
                to_state=JourneyState.INTAKE_IN_PROGRESS,
                actor=actor,
            )
    return intake


def lock_editable(
    intake: Intake,
    *,
    submitted: str = "This intake was submitted and can no longer be changed.",
) -> Intake:
    """The intake row, locked for this transaction and read afresh, if it may still be
    changed. The lock comes first: a state checked on an earlier read could change before
    the write (a step saved while another request submits)."""
    locked = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
    if not locked.is_editable_by_patient:
        raise PermissionDenied(submitted)
    return locked


def step_is_open(intake: Intake, slug: str) -> bool:
    """Whether a step may be changed now: any step while the intake is in progress; once
    reopened, the reopened steps, the consent, and any step never answered (one added to
    the questionnaire after the first submission, such as the ASQ)."""
    if intake.status == IntakeStatus.IN_PROGRESS:
        return True
    if intake.status == IntakeStatus.REOPENED:
        return (
            slug in intake.reopened_steps or slug == "consent" or slug not in intake.completed_steps
        )
    return False


def _lock_step(intake: Intake, step: Step, actor: User) -> Intake:
    """The intake locked for a write to one step; a patient only writes the open steps."""
    intake = lock_editable(intake)
    if actor.is_patient_account and not step_is_open(intake, step.slug):
        raise PermissionDenied("Only the reopened steps can be changed.")
    return intake


def _save_by(intake: Intake, actor: User, fields: list[str]) -> None:
    """Save the changed fields; staff entering for the patient are named on the intake."""
    if not actor.is_patient_account:
        intake.entered_by_staff = actor
        fields = [*fields, "entered_by_staff"]
    intake.save(update_fields=fields)


def intake_save_step(
    *,
    intake: Intake,
    step: Step,
    answers: Mapping[str, Any],
    actor: User,
) -> Intake:
    """Store one step's answers (the step is saved even if later steps are unanswered).

    `answers` are the step form's cleaned answers (None: not answered). Unanswered keys and
    follow-up questions that no longer apply are left out of the stored answers. Saving
    the ASQ scores it, stores its band as `suicide_risk_screen` and, when positive, raises
    the urgent alert; PHQ-9 question 9 at 1 or more raises it too."""
    with transaction.atomic():
        intake = _lock_step(intake, step, actor)
        stored = tidy_answers({**intake.answers, **answers})
        if step.slug == ASQ:
            stored["suicide_risk_screen"] = score(ASQ, stored["measures"][ASQ]).band
        intake.answers = stored
        if step.slug not in intake.completed_steps:
            intake.completed_steps = [*intake.completed_steps, step.slug]
        # The step is now answered in full: its draft ("Save and finish later") is replaced.
        intake.drafts = {slug: draft for slug, draft in intake.drafts.items() if slug != step.slug}
        _save_by(intake, actor, ["answers", "completed_steps", "drafts", "updated_at"])
        if step.slug == "about-you":
            _copy_about_you_to_patient(intake.patient, stored)
        if step.slug == PHQ9 and stored.get("phq9_item9", 0) >= 1:
            phq9_item9_alert(intake.patient, stored["phq9_item9"])
        if step.slug == ASQ:
            suicide_risk_screen_alert(intake.patient, stored["suicide_risk_screen"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=intake.patient,
            object_type="intake.step",
            object_id=step.slug,
        )
    return intake


def intake_save_draft(
    *,
    intake: Intake,
    step: Step,
    values: Mapping[str, Any],
    actor: User,
) -> Intake:
    """ "Save and finish later" on a step not fully answered: keep the answers given so far.

    `values` are the page's answers that are valid on their own, by field name, as the page
    shows them (`StepForm.draft`). They replace the step's earlier draft and are kept apart
    from the answers: the step stays unfinished (`missing_steps`), and screening, scores,
    the review page and the decision letter never read them. Safety answers act at once,
    exactly as on a finished step: PHQ-9 question 9 at 1 or more, or any yes on the ASQ
    (`draft_asq_band`), raises the urgent alert."""
    require_intake_author(actor, intake)
    if step.slug == "consent":
        raise ValidationError("The consent is recorded only when it is signed.")
    allowed = {*step.form_class.base_fields, *(["allergies"] if step.slug == "medicines" else [])}
    if set(values) - allowed:
        raise ValidationError("These answers do not belong to this step.")
    with transaction.atomic():
        intake = _lock_step(intake, step, actor)
        intake.drafts = {**intake.drafts, step.slug: dict(values)}
        _save_by(intake, actor, ["drafts", "updated_at"])
        item9 = draft_phq9_item9(step.slug, values)
        if item9:
            phq9_item9_alert(intake.patient, item9, unfinished=True)
        band = draft_asq_band(step.slug, values)
        if band:
            suicide_risk_screen_alert(intake.patient, band, unfinished=True)
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=intake.patient,
            object_type="intake.draft",
            object_id=step.slug,
        )
    return intake


def draft_phq9_item9(slug: str, values: Mapping[str, Any]) -> int | None:
    """PHQ-9 question 9 as answered on an unfinished PHQ-9 page (None: not answered)."""
    if slug != PHQ9 or values.get("q9") in (None, ""):
        return None
    return int(values["q9"])


def draft_asq_band(slug: str, values: Mapping[str, Any]) -> str | None:
    """The band an unfinished ASQ already shows; None when no question has a yes yet.

    Any yes among questions 1–4 is a positive screen, as on the finished step. Question 5
    ("thoughts of killing yourself right now?") decides acute or not; when it is still
    unanswered after a yes, the screen is taken as ACUTE, the clinically safer reading:
    imminent risk has not been ruled out, so the patient sees the crisis numbers at once
    and the on-call psychiatrist is alerted under the acute code until a clinician has
    asked."""
    if slug != ASQ or not any(str(values.get(item)) == "1" for item in ASQ_SCREEN_ITEMS):
        return None
    return ASQ_NON_ACUTE if str(values.get(ASQ_ACUTE_ITEM)) == "0" else ASQ_ACUTE


_ABOUT_YOU_PATIENT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "sex_at_birth",
    "pronouns",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "reminder_channel",
)


def _copy_about_you_to_patient(patient: Patient, answers: dict[str, Any]) -> None:
    changed = []
    for field in _ABOUT_YOU_PATIENT_FIELDS:
        value = answers.get(field) or ""
        if getattr(patient, field) != value:
            setattr(patient, field, value)
            changed.append(field)
    born = dt.date.fromisoformat(answers["date_of_birth"])
    if patient.date_of_birth != born:
        patient.date_of_birth = born
        changed.append("date_of_birth")
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])


def missing_steps(intake: Intake) -> list[Step]:
    """Steps that apply to this patient and are not answered yet (consent included), or
    whose answers were being changed and saved unfinished (a draft)."""
    return [
        step
        for step in steps_for(intake.answers)
        if step.slug not in intake.completed_steps
        or step.slug in intake.drafts
        or (step.slug == "consent" and not intake.consent_signed_at)
    ]


def require_intake_author(actor: User, intake: Intake) -> None:
    """The patient themself, or clinical staff entering on their behalf."""
    if actor.is_patient_account:
        require(actor, FILL_OWN_INTAKE, patient=intake.patient, message="This is not your intake.")
    else:
        require(
            actor,
            ENTER_INTAKE_FOR_PATIENT,
            message="Only nurses and psychiatrists enter an intake for a patient.",
        )


def intake_sign_consent(*, intake: Intake, signature: str, actor: User) -> Intake:
    """Record the typed-name e-signature with time and address (staff: consent taken in
    person or by phone, recorded as entered by them)."""
    require_intake_author(actor, intake)
    with transaction.atomic():
        intake = lock_editable(intake)
        intake.consent_name = signature
        intake.consent_signed_at = clock.now()
        intake.consent_ip = current_work().ip_address
        intake.consent_version = CONSENT_VERSION
        if "consent" not in intake.completed_steps:
            intake.completed_steps = [*intake.completed_steps, "consent"]
        if not actor.is_patient_account:
            intake.entered_by_staff = actor
        intake.save(
            update_fields=[
                "entered_by_staff",
                "consent_name",
                "consent_signed_at",
                "consent_ip",
                "consent_version",
                "completed_steps",
                "updated_at",
            ]
        )
        audit_record(
            action=AuditAction.SIGN,
            user=actor,
            patient=intake.patient,
            object_type="intake.consent",
            object_id=intake.pk,
        )
    return intake
