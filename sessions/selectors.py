"""Reads of the sessions app."""

from __future__ import annotations

from clinic.models import Patient
from sessions.models import TreatmentPlan


def plan_versions(patient: Patient) -> list[TreatmentPlan]:
    return list(
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol", "written_by")
        .order_by("-version")
    )


def current_plan(patient: Patient) -> TreatmentPlan | None:
    return (
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol")
        .order_by("-version")
        .first()
    )
