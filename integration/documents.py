"""The treatment course summary (staff and patient versions), registered with the
document registry in `clinic.documents`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clinic.documents import DocumentKind, register
from clinic.models import Document
from clinic.selectors import clinic_settings
from intake.models import EligibilityDecision, Intake
from intake.questionnaire import TreatmentReasonsForm
from integration import permissions, selectors
from integration.models import IntegrationNote, NoteStatus
from sessions.models import TreatmentPlan, TreatmentSession
from sessions.selectors.records import state_of, with_parts
from sessions.selectors.scheduling import current_plan

CONCERNS = dict(TreatmentReasonsForm.base_fields["primary_concern"].choices)


def _session_rows(patient: Any) -> list[dict[str, Any]]:
    sessions = with_parts(
        TreatmentSession.objects.filter(patient=patient, discharged_at__isnull=False)
    ).order_by("opened_at")
    rows = []
    clinic = clinic_settings()  # once, not once per session
    for session in sessions:
        state = state_of(session, clinic=clinic)
        monitored = [r for r in state.readings if r.phase == "monitoring"]
        systolic = [r for r in monitored if r.systolic is not None]
        heart = [r.heart_rate for r in monitored if r.heart_rate is not None]
        oxygen = [r.spo2 for r in state.readings if r.spo2 is not None]
        peak = max(systolic, key=lambda r: r.systolic, default=None)
        minutes = (
            int((session.discharged_at - state.dose.started_at).total_seconds() // 60)
            if state.dose
            else None
        )
        rows.append(
            {
                "date": session.opened_at,
                "label": (
                    "Booster"
                    if session.appointment.kind == "booster"
                    else f"{session.appointment.series_number} of {session.plan.series_length}"
                ),
                "route": session.get_route_display(),
                "dose": f"{state.dose.total_mg.normalize():f} mg" if state.dose else "—",
                "peak_bp": peak.bp if peak else "—",
                "peak_hr": max(heart) if heart else "—",
                "lowest_spo2": min(oxygen) if oxygen else "—",
                "events": ", ".join(e.get_kind_display() for e in state.adverse_events) or "none",
                "minutes": minutes if minutes is not None else "—",
            }
        )
    return rows


def course_context(document: Document, *, for_patient: bool) -> dict[str, Any]:
    patient = document.patient
    intake = Intake.objects.filter(patient=patient).first()
    decision = (
        EligibilityDecision.objects.filter(patient=patient, decision="approved")
        .select_related("signed_by")
        .order_by("-signed_at")
        .first()
    )
    plan = current_plan(patient)
    notes = IntegrationNote.objects.filter(patient=patient, status=NoteStatus.SIGNED).order_by(
        "date"
    )
    if for_patient:
        insights = [
            {"date": n.date, "themes": "", "practices": n.practices}
            for n in notes
            if n.share_practices and n.practices
        ]
    else:
        insights = [
            {"date": n.date, "themes": n.themes, "practices": n.practices}
            for n in notes
            if n.themes or n.practices
        ]
    concern = (intake.answers.get("primary_concern") if intake else None) or ""
    return {
        "for_patient": for_patient,
        "indication": CONCERNS.get(concern, "Not recorded"),
        "decision": decision,
        "plan": plan,
        "sessions": _session_rows(patient),
        "outcomes": selectors.patient_outcomes(patient),
        "insights": insights,
        "today": timezone.localdate(),
    }


def course_version(document: Document) -> str:
    last = (
        TreatmentSession.objects.filter(patient=document.patient, discharged_at__isnull=False)
        .order_by("-discharged_at")
        .values_list("pk", flat=True)
        .first()
    )
    plan = TreatmentPlan.objects.filter(patient=document.patient).order_by("-version").first()
    return f"plan v{plan.version if plan else 0}, last session {last or '—'}"


def register_documents() -> None:
    register(
        DocumentKind(
            code="course_summary",
            label="Treatment course summary",
            template="documents/course_summary.html",
            action=permissions.READ_COURSE_SUMMARIES,
            context=lambda document: course_context(document, for_patient=False),
            record_version=course_version,
        )
    )
    register(
        DocumentKind(
            code="course_summary_patient",
            label="Treatment course summary (patient version)",
            template="documents/course_summary.html",
            action=permissions.READ_COURSE_SUMMARIES,
            context=lambda document: course_context(document, for_patient=True),
            record_version=course_version,
            for_patient=True,
        )
    )
