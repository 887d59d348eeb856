"""The stored screenings: the rules of `intake.screening` run on the intake's answers and
kept as a result (at submission, after the evaluation blood pressure, at a re-screen
before a booster, after a medication change reported at check-in).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Patient, User
from clinic.policy import require
from intake.models import Intake, ScreeningResult, ScreeningTrigger
from intake.permissions import ANSWER_RESCREEN, RECORD_MEDICATION_CHANGE
from intake.questionnaire import screening_answers
from intake.screening import MEDICATION_KEYS, screen
from intake.services.urgent_alerts import SUICIDAL_IDEATION, urgent_alert_raise


def screen_and_store(
    intake: Intake, actor: User, trigger: str, *, submission: int | None = None
) -> ScreeningResult:
    """Screen the intake's answers, store the result, and raise the urgent alert for a
    suicidal-ideation flag."""
    screening = _store_screening(
        intake, screening_answers(intake.answers), actor, trigger, submission=submission
    )
    for flag in screening.flags:
        if flag["code"] == SUICIDAL_IDEATION:
            urgent_alert_raise(
                patient=intake.patient, code=flag["code"], reason=flag["reason"], source="screening"
            )
    return screening


def _store_screening(
    intake: Intake,
    answers: dict[str, Any],
    actor: User,
    trigger: str,
    *,
    submission: int | None = None,
) -> ScreeningResult:
    result = screen(answers, today=clock.localdate())
    return ScreeningResult.objects.create(
        intake=intake,
        answers=answers,
        level=result.level,
        flags=[
            {"code": flag.code, "severity": flag.severity, "reason": flag.reason}
            for flag in result.flags
        ],
        ruleset_version=result.ruleset_version,
        trigger=trigger,
        urgent=any(flag.severity == "urgent" for flag in result.flags),
        created_by=actor,
        submission=submission,
    )


def screening_rescreen(
    *, patient: Patient, answers: Mapping[str, Any], actor: User
) -> ScreeningResult:
    """The short re-screen before a booster after a gap of more than 3 months (scheduling
    §4): the medical questions answered again, over the latest answers, screened with the
    ruleset in force and stored as a new result (a new absolute flag stops the session)."""
    require(
        actor,
        ANSWER_RESCREEN,
        patient=patient,
        message="Only the patient or clinical staff answer the re-screen.",
    )
    intake = Intake.objects.filter(patient=patient).first()
    latest = intake.screenings.first() if intake else None
    if latest is None:
        raise ValidationError("There is no earlier screening to update.")
    given = {key: value for key, value in answers.items() if value is not None}
    dropped = {key for key, value in answers.items() if value is None}
    merged = {key: value for key, value in latest.answers.items() if key not in dropped}
    with transaction.atomic():
        screening = _store_screening(intake, {**merged, **given}, actor, ScreeningTrigger.RESCREEN)
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=screening)
    return screening


def screening_medications_update(
    *, patient: Patient, medications: Mapping[str, bool], actor: User
) -> ScreeningResult | None:
    """A medication change reported at check-in re-runs the screening's medication rules:
    a new stored result on the latest answers with today's medicines (the ruleset in
    force), so the psychiatrist sees a new flag and the REMS form today's co-medications.
    None when nothing the rules read changed (or the patient has no screening yet)."""
    require(
        actor, RECORD_MEDICATION_CHANGE, message="Only clinical staff record medication changes."
    )
    unknown = set(medications) - set(MEDICATION_KEYS)
    if unknown or any(not isinstance(value, bool) for value in medications.values()):
        raise ValidationError({"medications": "Unknown medicine class."})
    intake = Intake.objects.filter(patient=patient).first()
    latest = intake.screenings.first() if intake else None
    if latest is None:
        return None
    if all(latest.answers.get(key) is value for key, value in medications.items()):
        return None
    answers = {**latest.answers, **medications}
    return _store_screening(intake, answers, actor, ScreeningTrigger.MEDICATIONS)
