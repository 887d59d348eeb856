"""Views of the sessions app: treatment plans (more views join as scheduling grows)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import allow, patient_for_user
from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.forms import attach_errors
from intake.selectors import latest_decision
from sessions import selectors, services
from sessions.forms import PlanForm


@allow(Role.PSYCHIATRIST, Role.NURSE)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's treatment plan: current version, history, and the form to write one."""
    patient = patient_for_user(request, patient_id)
    decision = latest_decision(patient)
    allowed = decision.allowed_routes if decision and decision.decision == "approved" else []
    versions = selectors.plan_versions(patient)
    current = versions[0] if versions else None
    can_write = request.user.has_role(Role.PSYCHIATRIST) and bool(allowed)
    form = PlanForm(request.POST or None, allowed_routes=allowed, current=current)
    if request.method == "POST" and can_write and form.is_valid():
        data = form.cleaned_data
        try:
            written = services.plan_write(
                patient=patient,
                plan=services.PlanInput(
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
                ),
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Treatment plan version {written.version} saved.")
            return redirect("plan", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            patient=patient,
            object_type="treatment_sessions.treatmentplan",
            object_id=patient.pk,
        )
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
