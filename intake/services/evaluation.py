"""The evaluation blood pressure, taken by a nurse or the psychiatrist before the decision;
recording it screens the intake again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import User
from clinic.policy import require
from intake.models import EvaluationBloodPressure, Intake, ScreeningResult, ScreeningTrigger
from intake.permissions import RECORD_EVALUATION_BP
from intake.services.screenings import screen_and_store


def evaluation_bp_record(
    *, intake: Intake, systolic: int, diastolic: int, actor: User
) -> ScreeningResult:
    """Record the evaluation blood pressure and screen again (a new stored result)."""
    require(
        actor,
        RECORD_EVALUATION_BP,
        message="Only nurses and psychiatrists record the evaluation BP.",
    )
    if diastolic >= systolic:
        raise ValidationError({"diastolic": "The diastolic value must be below the systolic."})
    with transaction.atomic():
        intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        EvaluationBloodPressure.objects.create(
            intake=intake, systolic=systolic, diastolic=diastolic, recorded_by=actor
        )
        intake.answers = {
            **intake.answers,
            "screening_bp_systolic": systolic,
            "screening_bp_diastolic": diastolic,
        }
        intake.save(update_fields=["answers", "updated_at"])
        screening = screen_and_store(intake, actor, ScreeningTrigger.EVALUATION_BP)
        audit_record(
            action=AuditAction.CREATE,
            user=actor,
            patient=intake.patient,
            object_type="intake.evaluationbloodpressure",
            object_id=intake.pk,
        )
    return screening
