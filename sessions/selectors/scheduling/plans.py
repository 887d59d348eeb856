"""Treatment plans: a patient's plan and its versions, and why nothing may be booked
under a plan."""

from __future__ import annotations

from clinic.models import Patient
from intake.choices import Route
from intake.selectors import latest_decision
from sessions.models import (
    TreatmentPlan,
)
from sessions.selectors.rems import rems_missing


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


def booking_refusal(plan: TreatmentPlan) -> str | None:
    """Why nothing may be booked under this plan (scheduling.md §1): the latest eligibility
    decision is not an approval of its route, or an esketamine plan lacks the patient's
    REMS enrollment or the clinic's certification. The treatment gate checks the same
    again at check-in."""
    decision = latest_decision(plan.patient)
    if decision is None or decision.decision != "approved":
        return (
            "The patient's latest eligibility decision is not an approval: nothing can be booked."
        )
    if plan.route not in decision.allowed_routes:
        return "The eligibility decision does not allow this plan's route."
    if plan.route == Route.INTRANASAL_ESKETAMINE and (missing := rems_missing(plan)):
        return "Esketamine needs " + " and ".join(missing) + " before booking."
    return None
