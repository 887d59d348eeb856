"""The eligibility decision letter: the psychiatrist's version and the patient's."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clinic.documents import DocumentKind, register
from clinic.models import Document, Patient
from intake import permissions
from intake.models import EligibilityDecision
from intake.selectors import PATIENT_LETTER, review_flags


def _decisions(patient: Patient) -> list[tuple[int, str]]:
    return [
        (d.pk, f"{timezone.localtime(d.signed_at):%b %-d, %Y} · {d.get_decision_display()}")
        for d in EligibilityDecision.objects.filter(patient=patient).order_by("-signed_at")
    ]


def _no_decision_yet(patient: Patient) -> str | None:
    if EligibilityDecision.objects.filter(patient=patient).exists():
        return None
    return "There is no signed eligibility decision yet."


def staff_context(document: Document) -> dict[str, Any]:
    decision = (
        EligibilityDecision.objects.select_related("screening", "signed_by")
        .filter(patient=document.patient)
        .get(pk=document.subject_id)
    )
    return {
        "decision": decision,
        "flags": review_flags(decision.screening),
        "for_patient": False,
    }


def patient_context(document: Document) -> dict[str, Any]:
    decision = (
        EligibilityDecision.objects.select_related("signed_by")
        .filter(patient=document.patient)
        .order_by("-signed_at")
        .first()
    )
    if decision is None:
        raise ValueError("There is no decision yet.")
    return {"decision": decision, "flags": [], "for_patient": True}


def version(document: Document) -> str:
    decision = (
        EligibilityDecision.objects.filter(pk=document.subject_id).first()
        if document.subject_id
        else EligibilityDecision.objects.filter(patient=document.patient)
        .order_by("-signed_at")
        .first()
    )
    return f"decision {decision.pk} of {decision.signed_at:%Y-%m-%d}" if decision else "—"


def register_documents() -> None:
    register(
        DocumentKind(
            code="decision_letter",
            label="Eligibility decision letter",
            template="documents/decision_letter.html",
            action=permissions.READ_DECISION_LETTERS,
            context=staff_context,
            record_version=version,
            subjects=_decisions,
        )
    )
    register(
        DocumentKind(
            code=PATIENT_LETTER,
            label="Eligibility decision letter (patient version)",
            template="documents/decision_letter.html",
            action=permissions.READ_DECISION_LETTERS,
            context=patient_context,
            record_version=version,
            for_patient=True,
            unavailable=_no_decision_yet,
        )
    )
