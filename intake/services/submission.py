"""Submitting the intake: the baseline measures stored, the answers screened, the patient
queued for the psychiatrist's review.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import clock
from clinic import services as clinic_services
from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.models import User
from intake.measures import score
from intake.models import (
    Intake,
    IntakeStatus,
    MeasureContext,
    MeasureResult,
    ScreeningResult,
    ScreeningTrigger,
)
from intake.questionnaire import STEP_BY_SLUG, steps_for
from intake.services.screenings import screen_and_store
from intake.services.steps import lock_editable, missing_steps, require_intake_author


def _store_baseline_measures(
    intake: Intake, actor: User, taken_at: dt.datetime, submission: int
) -> None:
    """One intake score per instrument answered (the PCL-5 only when it still applies)."""
    for code, items in intake.answers.get("measures", {}).items():
        if code == "pcl5" and STEP_BY_SLUG["pcl5"] not in steps_for(intake.answers):
            continue
        result = score(code, items)
        MeasureResult.objects.create(
            patient=intake.patient,
            instrument=code,
            items=items,
            total=result.total,
            band=result.band,
            flags=list(result.flags),
            context=MeasureContext.INTAKE,
            taken_at=taken_at,
            entered_by=actor,
            intake_submission=submission,
        )


def intake_submit(*, intake: Intake, actor: User) -> ScreeningResult:
    """Submit the intake: store the baseline measures, screen, queue for review.

    The intake row is locked before anything is read, so a second submit, or a step saved
    at the same moment, waits and then sees the submission: the screening runs on exactly
    the answers stored at submission, and a database constraint keeps one screening and
    one baseline score per instrument per submission."""
    require_intake_author(actor, intake)
    with transaction.atomic():
        intake = lock_editable(intake, submitted="This intake was already submitted.")
        missing = missing_steps(intake)
        if missing:
            raise ValidationError(
                "Please complete these steps first: " + ", ".join(step.title for step in missing)
            )
        patient = intake.patient
        now = clock.now()
        submission = intake.submission_count + 1
        _store_baseline_measures(intake, actor, now, submission)
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = now
        intake.submitted_by = actor
        intake.reopened_steps = []
        intake.submission_count = submission
        intake.drafts = {}  # only drafts of steps that no longer apply can be left
        intake.save(
            update_fields=[
                "status",
                "submitted_at",
                "submitted_by",
                "reopened_steps",
                "submission_count",
                "drafts",
                "updated_at",
            ]
        )
        screening = screen_and_store(
            intake, actor, ScreeningTrigger.SUBMISSION, submission=submission
        )
        clinic_services.patient_move_journey(
            patient=patient, to_state=JourneyState.AWAITING_REVIEW, actor=actor
        )
        audit_record(
            action=AuditAction.SIGN,
            user=actor,
            patient=patient,
            object_type="intake.submission",
            object_id=intake.pk,
        )
    return screening
