"""The psychiatrist's eligibility decision (spec §4): approved with routes, declined, or
more information asked for (steps reopened); it supersedes any earlier one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import services as clinic_services
from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.models import User
from clinic.policy import require
from intake.models import Decision, EligibilityDecision, Intake, IntakeStatus, ScreeningResult
from intake.permissions import DECIDE_ELIGIBILITY
from intake.questionnaire import steps_for
from intake.selectors import PATIENT_LETTER

MIN_OVERRIDE_LENGTH = 20
DECLINE_MESSAGE = (
    "Thank you for the time you took to complete your intake. After careful review, our "
    "psychiatrist has decided that ketamine treatment is not the right choice for you at "
    "this time. We will write to you with the reasons and suggestions for other care, and "
    "you are welcome to call us to talk it through."
)
_NEXT_STATE = {
    Decision.APPROVED: JourneyState.ELIGIBLE,
    Decision.DECLINED: JourneyState.DECLINED,
    Decision.MORE_INFORMATION: JourneyState.MORE_INFORMATION,
}

# Called in the transaction that records a decision, by apps above intake that must act on
# it (sessions cancels future bookings after `declined` or `more_information`).
DecisionHook = Callable[..., None]
DECISION_RECORDED: list[DecisionHook] = []


def _require_submitted(intake: Intake) -> None:
    if intake.status != IntakeStatus.SUBMITTED:
        raise ValidationError("The patient has not submitted this intake (again) yet.")


def _approval_errors(
    screening: ScreeningResult, routes: list[str], overrides: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """What an approval still lacks, and the justifications kept for each absolute flag."""
    errors: dict[str, str] = {}
    kept: dict[str, str] = {}
    if not routes:
        errors["routes"] = "Choose at least one route the patient may receive."
    if {"screening_bp_systolic", "screening_bp_diastolic"} - set(screening.answers):
        errors["__all__"] = "Record the evaluation blood pressure before approving."
    for flag in screening.flags:
        if flag["severity"] != "absolute":
            continue
        text = overrides.get(flag["code"], "").strip()
        if len(text) < MIN_OVERRIDE_LENGTH:
            errors[f"override_{flag['code']}"] = (
                f"Approving over {flag['code']} needs a written justification of at "
                f"least {MIN_OVERRIDE_LENGTH} characters."
            )
        kept[flag["code"]] = text
    return errors, kept


def _more_information_errors(
    intake: Intake, reopen_steps: list[str], patient_message: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    applicable = {step.slug for step in steps_for(intake.answers)} - {"consent"}
    if not reopen_steps or set(reopen_steps) - applicable:
        errors["reopen_steps"] = "Choose the steps the patient should update."
    if not patient_message.strip():
        errors["patient_message"] = "Tell the patient what to add or correct."
    return errors


def _after_decision(intake: Intake, signed: EligibilityDecision, actor: User) -> None:
    """What a signed decision sets off, in its transaction: the journey moves, the audit
    row, the hooks of other apps, the declined patient's letter, the patient's email."""
    if signed.decision == Decision.MORE_INFORMATION:
        intake.status = IntakeStatus.REOPENED
        intake.reopened_steps = signed.reopened_steps
        intake.save(update_fields=["status", "reopened_steps", "updated_at"])
    clinic_services.patient_move_journey(
        patient=intake.patient, to_state=_NEXT_STATE[signed.decision], actor=actor
    )
    audit_record(action=AuditAction.SIGN, user=actor, patient=intake.patient, obj=signed)
    for hook in DECISION_RECORDED:
        hook(decision=signed, actor=actor)
    if signed.decision == Decision.DECLINED:
        # The letter the psychiatrist just signed, in the patient's own documents.
        clinic_services.document_request(
            patient=intake.patient,
            kind=PATIENT_LETTER,
            subject_id=None,
            actor=actor,
        )
    from intake.tasks import notify_patient_of_decision

    notify_patient_of_decision.delay_on_commit(signed.pk)


def eligibility_decide(
    *,
    intake: Intake,
    actor: User,
    decision: str,
    routes: list[str] | None = None,
    overrides: dict[str, str] | None = None,
    staff_reason: str = "",
    patient_message: str = "",
    reopen_steps: list[str] | None = None,
) -> EligibilityDecision:
    """Sign an eligibility decision (spec §4); it supersedes any earlier one."""
    require(actor, DECIDE_ELIGIBILITY, message="Only psychiatrists decide eligibility.")
    _require_submitted(intake)
    routes, overrides, reopen_steps = routes or [], overrides or {}, reopen_steps or []
    with transaction.atomic():
        intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        screening = intake.screenings.latest()
        errors: dict[str, str] = {}
        kept_overrides: dict[str, str] = {}
        if decision == Decision.APPROVED:
            errors, kept_overrides = _approval_errors(screening, routes, overrides)
        elif decision == Decision.DECLINED:
            if not staff_reason.strip():
                errors["staff_reason"] = "Give the reason for declining (staff see it)."
            patient_message = patient_message.strip() or DECLINE_MESSAGE
        elif decision == Decision.MORE_INFORMATION:
            errors = _more_information_errors(intake, reopen_steps, patient_message)
        else:
            errors["decision"] = "Choose a decision."
        if errors:
            raise ValidationError(errors)

        previous = intake.decisions.order_by("-signed_at", "-pk").first()
        signed = EligibilityDecision.objects.create(
            patient=intake.patient,
            intake=intake,
            screening=screening,
            decision=decision,
            allowed_routes=routes if decision == Decision.APPROVED else [],
            overrides=kept_overrides,
            staff_reason=staff_reason.strip(),
            patient_message=patient_message.strip(),
            reopened_steps=reopen_steps if decision == Decision.MORE_INFORMATION else [],
            signed_by=actor,
            supersedes=previous,
        )
        _after_decision(intake, signed, actor)
    return signed
