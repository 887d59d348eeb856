"""The patient's treatment plan page: current version, history, and the form to write one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.policy import may
from clinic.posting import submit_form
from clinic.selectors import patient_for_user
from intake.selectors import latest_decision
from sessions.forms.scheduling import PlanForm
from sessions.permissions import VIEW_PLAN, WRITE_PLAN
from sessions.selectors import scheduling as selectors
from sessions.services.scheduling.plans import PlanInput, plan_write


@permits(VIEW_PLAN, audit="treatment_sessions.treatmentplan")
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's treatment plan: current version, history, and the form to write one."""
    patient = patient_for_user(request.user, patient_id)
    decision = latest_decision(patient)
    allowed = decision.allowed_routes if decision and decision.decision == "approved" else []
    versions = selectors.plan_versions(patient)
    current = versions[0] if versions else None
    can_write = may(request.user, WRITE_PLAN) and bool(allowed)
    form = PlanForm(request.POST or None, allowed_routes=allowed, current=current)
    if can_write:
        done = submit_form(
            request,
            form,
            lambda data: plan_write(patient=patient, plan=_plan_input(data), actor=request.user),
            success=lambda written: f"Treatment plan version {written.version} saved.",
            then=lambda _: redirect("plan", patient_id=patient.pk),
        )
        if done:
            return done
    return TemplateResponse(
        request,
        "sessions/plan.html",
        {
            "patient": patient,
            "current": current,
            "versions": versions,
            "form": form,
            "can_write": can_write,
            "decision": decision,
        },
    )


def _plan_input(data: dict[str, Any]) -> PlanInput:
    return PlanInput(
        route=data["route"],
        protocol=data["protocol"],
        dose_mode=data["dose_mode"],
        dose_mg_per_kg=data["dose_mg_per_kg"],
        dose_mg=data["dose_mg"],
        infusion_minutes=data["infusion_minutes"],
        esketamine_devices=data["esketamine_devices"],
        series_length=data["series_length"],
        maintenance_interval_weeks=data["maintenance_interval_weeks"],
        rems_patient_id=data["rems_patient_id"],
        rems_enrolled_on=data["rems_enrolled_on"],
        notes=data["notes"],
        extra_measures=tuple(data["extra_measures"]),
    )
