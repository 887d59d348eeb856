"""Factories for the intake app: invitations, the questionnaire, scores, screening
results, urgent alerts, evaluation blood pressures and eligibility decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from clinic import clock
from clinic.choices import JourneyState, Role
from clinic.models import Patient, User
from intake.measures import band_of
from intake.models import (
    Decision,
    EligibilityDecision,
    EvaluationBloodPressure,
    Intake,
    IntakeStatus,
    Invitation,
    MeasureContext,
    MeasureResult,
    ScreeningResult,
    ScreeningTrigger,
    UrgentAlert,
)
from intake.screening import RULESET_VERSION, screen
from tests.factories.clinic import PatientFactory, PatientRecordFactory, staff
from tests.intake.answers import minimal_clean

ALL_ROUTES = ["iv", "im", "intranasal_esketamine", "oral"]

# A PHQ-9 of 14 (moderate), no item 9: what a typical referral scores at intake.
PHQ9_MODERATE = {"q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 1, "q6": 2, "q7": 2, "q8": 1, "q9": 0}


def _days_ago(days: int) -> factory.LazyFunction:
    return factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=days))


class InvitationFactory(PatientRecordFactory):
    """A pending invitation, emailed to a newly invited patient, valid for a week."""

    class Meta:
        model = Invitation

    patient = factory.SubFactory(PatientFactory, journey_state=JourneyState.INVITED)
    email = factory.LazyAttribute(lambda row: row.patient.email)
    created_by = staff(Role.COORDINATOR)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    last_sent_at = factory.LazyFunction(timezone.now)
    send_count = 1


def _intake_answers(intake: Any) -> dict[str, Any]:
    """Every safety question answered, nothing remarkable but a substance use disorder in
    remission (one relative flag: a screening with nothing flagged stores `flags=[]`,
    which `full_clean()` refuses, see the factories' README)."""
    birth = intake.patient.date_of_birth
    return minimal_clean(
        substance_use="remission", **({"date_of_birth": birth.isoformat()} if birth else {})
    )


def _screening(row: Any) -> Any:
    return screen(row.answers, today=timezone.localdate())


class IntakeFactory(PatientRecordFactory):
    """A patient's submitted intake, fully answered (once: the patient's one intake is
    returned if it exists). Trait `opened`: the intake as `intake_open` starts it (in
    progress, started now, no answers, no consent, never submitted: the model's
    defaults); pass `answers`/`completed_steps` for one part filled in, or `status` for
    one submitted without answers."""

    class Meta:
        model = Intake
        django_get_or_create = ("patient",)

    class Params:
        opened = factory.Trait(
            status=IntakeStatus.IN_PROGRESS,
            answers=factory.LazyFunction(dict),
            started_at=factory.LazyFunction(clock.now),
            submitted_at=None,
            submitted_by=None,
            consent_name="",
            consent_signed_at=None,
            consent_version="",
            submission_count=0,
        )

    patient = factory.SubFactory(PatientFactory)
    status = IntakeStatus.SUBMITTED
    answers = factory.LazyAttribute(_intake_answers)
    completed_steps = factory.LazyFunction(list)
    started_at = _days_ago(5)
    submitted_at = _days_ago(4)
    submitted_by = factory.LazyAttribute(lambda row: row.patient.user)
    consent_name = factory.LazyAttribute(lambda row: row.patient.full_name)
    consent_signed_at = _days_ago(4)
    consent_version = "2026.1"
    submission_count = 1


class MeasureResultFactory(PatientRecordFactory):
    """A PHQ-9 taken before a session (14, moderate), entered by a nurse."""

    class Meta:
        model = MeasureResult

    patient = factory.SubFactory(PatientFactory)
    instrument = "phq9"
    items = factory.LazyFunction(lambda: dict(PHQ9_MODERATE))
    total = factory.LazyAttribute(lambda row: sum(row.items.values()))
    band = factory.LazyAttribute(lambda row: band_of(row.instrument, row.total))
    context = MeasureContext.PRE_SESSION
    entered_by = staff(Role.NURSE)


class ScreeningResultFactory(PatientRecordFactory):
    """The screening engine's result on the intake's answers (by default one relative
    flag: caution), as stored at submission. `submission` is left empty (two results
    may screen one intake); pass it to test the one-per-submission rule."""

    class Meta:
        model = ScreeningResult

    intake = factory.SubFactory(IntakeFactory)
    answers = factory.LazyAttribute(lambda row: row.intake.answers)
    level = factory.LazyAttribute(lambda row: _screening(row).level)
    flags = factory.LazyAttribute(
        lambda row: [
            {"code": flag.code, "severity": flag.severity, "reason": flag.reason}
            for flag in _screening(row).flags
        ]
    )
    urgent = factory.LazyAttribute(lambda row: any(f["severity"] == "urgent" for f in row.flags))
    ruleset_version = RULESET_VERSION
    trigger = ScreeningTrigger.SUBMISSION
    created_at = _days_ago(3)
    # Whoever submitted the intake; a coordinator entering it for the patient by default.
    created_by = staff(Role.COORDINATOR)


class UrgentAlertFactory(PatientRecordFactory):
    """An open (unacknowledged) suicide-risk alert from the intake's PHQ-9."""

    class Meta:
        model = UrgentAlert

    patient = factory.SubFactory(PatientFactory)
    code = "SUICIDE_RISK"
    reason = "PHQ-9 item 9 answered “several days”."
    source = "intake.phq9"


class EvaluationBloodPressureFactory(PatientRecordFactory):
    class Meta:
        model = EvaluationBloodPressure

    intake = factory.SubFactory(IntakeFactory)
    systolic = 128
    diastolic = 82
    recorded_by = staff(Role.NURSE)


class EligibilityDecisionFactory(PatientRecordFactory):
    """A psychiatrist's approval of every route, on the patient's intake and a clear
    screening of it."""

    class Meta:
        model = EligibilityDecision

    patient = factory.SubFactory(PatientFactory)
    intake = factory.SubFactory(IntakeFactory, patient=factory.SelfAttribute("..patient"))
    screening = factory.SubFactory(
        ScreeningResultFactory,
        intake=factory.SelfAttribute("..intake"),
        created_by=factory.SelfAttribute("..signed_by"),
    )
    decision = Decision.APPROVED
    allowed_routes = factory.LazyFunction(lambda: list(ALL_ROUTES))
    staff_reason = "No exclusions; blood pressure controlled."
    patient_message = "You can start treatment. Our coordinator will call you to book."
    signed_by = staff(Role.PSYCHIATRIST)
    signed_at = _days_ago(2)


def approve(patient: Patient, psychiatrist: User, routes: list[str] | None = None) -> object:
    """An approved eligibility decision for the patient (with the intake and screening it
    rests on), as a psychiatrist would have signed it."""
    # The patient's intake if any, else a bare submitted one (no submission counted yet).
    intake = IntakeFactory(patient=patient, opened=True, status=IntakeStatus.SUBMITTED)
    return EligibilityDecisionFactory(
        patient=patient,
        intake=intake,
        screening__answers={},
        screening__level="clear",
        screening__flags=[],
        allowed_routes=routes or list(ALL_ROUTES),
        staff_reason="",
        patient_message="",
        signed_by=psychiatrist,
    )
