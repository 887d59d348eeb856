"""Reads of the intake app, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from clinic.choices import JourneyState
from clinic.context import note_subject
from clinic.models import Document, Patient, User
from clinic.policy import NotVisible, may, patients_visible_to
from intake.answer_display import (
    AnswerRow,
    allergy_text,
    trigger_rows,
    unanswered_safety_rows,
)
from intake.models import (
    Decision,
    EligibilityDecision,
    EvaluationBloodPressure,
    Intake,
    IntakeStatus,
    Invitation,
    MeasureResult,
    ScreeningResult,
    UrgentAlert,
)
from intake.permissions import ACKNOWLEDGE_URGENT_ALERTS

# The patient version of the decision letter, kept in the patient's own documents.
PATIENT_LETTER = "decision_letter_patient"


def invitations_for(user: User) -> QuerySet[Invitation]:
    """The invitations of the patients the user sees, newest first."""
    return (
        Invitation.objects.filter(patient__in=patients_visible_to(user))
        .select_related("patient", "created_by")
        .order_by("-created_at")
    )


def open_urgent_alerts(user: User) -> QuerySet[UrgentAlert]:
    """Unacknowledged alerts a psychiatrist must see (none for other roles)."""
    if not may(user, ACKNOWLEDGE_URGENT_ALERTS):
        return UrgentAlert.objects.none()
    return (
        UrgentAlert.objects.filter(
            acknowledged_at__isnull=True, patient__in=patients_visible_to(user)
        )
        .select_related("patient")
        .order_by("raised_at")
    )


def urgent_alert_for_user(user: User, alert_id: int) -> UrgentAlert:
    """One urgent alert of a patient the user sees (with the patient and who acknowledged
    it), or NotVisible. An alert that does not exist is not visible either."""
    alert = (
        UrgentAlert.objects.select_related("patient", "acknowledged_by").filter(pk=alert_id).first()
    )
    if alert is None:
        raise NotVisible(patient_id=None, object_type="intake.urgentalert", object_id=alert_id)
    if not patients_visible_to(user).filter(pk=alert.patient_id).exists():
        raise NotVisible(
            patient_id=alert.patient_id, object_type="clinic.patient", object_id=alert.patient_id
        )
    note_subject(patient_id=alert.patient_id, object_type="intake.urgentalert", object_id=alert.pk)
    return alert


def urgent_alerts_of(patient: Patient) -> QuerySet[UrgentAlert]:
    return patient.urgent_alerts.select_related("acknowledged_by").order_by("-raised_at")


def invitation_for_user(user: User, invitation_id: int) -> Invitation:
    """One invitation of a patient the user sees, or NotVisible."""
    invitation = invitations_for(user).filter(pk=invitation_id).first()
    if invitation is None:
        patient_id = (
            Invitation.objects.filter(pk=invitation_id).values_list("patient_id", flat=True).first()
        )
        raise NotVisible(
            patient_id=patient_id, object_type="intake.invitation", object_id=invitation_id
        )
    return invitation


def intake_of(patient: Patient) -> Intake | None:
    """The patient's intake (None before it is started)."""
    intake = Intake.objects.filter(patient=patient).select_related("entered_by_staff").first()
    if intake is not None:
        intake.patient = patient  # the caller's copy, not a second read
    return intake


def review_queue(user: User) -> QuerySet[Intake]:
    """Submitted intakes awaiting a decision: urgent first, then contraindicated, caution,
    clear; oldest submission first within each (spec §4)."""
    latest = ScreeningResult.objects.filter(intake=OuterRef("pk")).order_by("-created_at", "-pk")
    open_alert = UrgentAlert.objects.filter(
        patient=OuterRef("patient"), acknowledged_at__isnull=True
    )
    return (
        Intake.objects.filter(
            status=IntakeStatus.SUBMITTED,
            patient__journey_state=JourneyState.AWAITING_REVIEW,
            patient__in=patients_visible_to(user),
        )
        .select_related("patient", "patient__psychiatrist")
        .annotate(
            level=Subquery(latest.values("level")[:1]),
            urgent_flag=Subquery(latest.values("urgent")[:1]),
            open_alert=Exists(open_alert),
        )
        .annotate(
            rank=Case(
                When(Q(urgent_flag=True) | Q(open_alert=True), then=Value(0)),
                When(level="contraindicated", then=Value(1)),
                When(level="caution", then=Value(2)),
                default=Value(3),
            )
        )
        .order_by("rank", "submitted_at", "pk")
    )


@dataclass(frozen=True)
class FlagView:
    code: str
    severity: str
    reason: str
    answers: list[AnswerRow]  # the questions the rule read, with the patient's answers


def review_flags(screening: ScreeningResult) -> list[FlagView]:
    """The stored flags with the answers that triggered each, read by the keys of the
    ruleset the screening ran with (a 2026.1 result shows what 2026.1 read)."""
    return [
        FlagView(
            flag["code"],
            flag["severity"],
            flag["reason"],
            trigger_rows(flag["code"], screening.ruleset_version, screening.answers),
        )
        for flag in screening.flags
    ]


@dataclass(frozen=True)
class ReviewContext:
    intake: Intake
    screening: ScreeningResult | None
    screenings: list[ScreeningResult]
    decisions: list[EligibilityDecision]
    measures: list[MeasureResult]
    blood_pressures: list[EvaluationBloodPressure]
    # Safety questions without an answer, by their wording: never shown as "No".
    unanswered_safety: list[AnswerRow]
    allergies: str  # "No known allergies", one allergy per line, or "Not answered"


def review_context(intake: Intake) -> ReviewContext:
    screenings = list(intake.screenings.select_related("created_by"))
    return ReviewContext(
        intake=intake,
        screening=screenings[0] if screenings else None,
        screenings=screenings,
        decisions=list(intake.decisions.select_related("signed_by")),
        measures=list(intake.patient.measures.order_by("instrument", "-taken_at")),
        blood_pressures=list(intake.evaluation_bps.select_related("recorded_by")),
        unanswered_safety=unanswered_safety_rows(intake.answers),
        allergies=allergy_text(intake.answers.get("allergies")),
    )


def latest_decision(patient: Patient) -> EligibilityDecision | None:
    return patient.decisions.select_related("signed_by").order_by("-signed_at", "-pk").first()


def portal_decision_letter(user: User, patient: Patient) -> dict[str, Any] | None:
    """For a declined patient's portal home: the letter their psychiatrist signed and its
    PDF copy (the newest version in their own documents), or None in any other state."""
    if patient.journey_state != JourneyState.DECLINED:
        return None
    decision = latest_decision(patient)
    if decision is None or decision.decision != Decision.DECLINED:
        return None
    document = (
        Document.objects.filter(patient=patient, kind=PATIENT_LETTER).order_by("-version").first()
    )
    return {"decision": decision, "document": document, "kind": PATIENT_LETTER}
