"""Psychiatrists: urgent alerts and the eligibility review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import allow
from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.forms import attach_errors
from clinic.selectors import paginate, patient_for_user
from intake import selectors, services
from intake.answer_display import answer_rows
from intake.forms import (
    AcknowledgeAlertForm,
    DecisionForm,
    EvaluationBloodPressureForm,
)
from intake.models import IntakeStatus, UrgentAlert
from intake.questionnaire import steps_for

# --- Urgent alerts (psychiatrists) --------------------------------------------------------------


@allow(Role.PSYCHIATRIST)
@require_http_methods(["GET", "POST"])
def urgent_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(UrgentAlert.objects.only("patient_id"), pk=alert_id)
    patient = patient_for_user(request.user, alert.patient_id)
    alert = UrgentAlert.objects.select_related("acknowledged_by").get(pk=alert_id)
    form = AcknowledgeAlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.urgent_alert_acknowledge(
                alert=alert,
                actor=request.user,
                action_note=form.cleaned_data["action_note"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Alert acknowledged; the action taken is recorded.")
            return redirect("patient_detail", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, patient=patient, obj=alert)
    return TemplateResponse(
        request, "intake/urgent_alert.html", {"alert": alert, "patient": patient, "form": form}
    )


# --- Eligibility review (psychiatrists; nurses record the evaluation BP) -------------------


@allow(Role.PSYCHIATRIST, Role.NURSE)
def review_queue(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.review_queue(request.user), request.GET.get("page"))
    audit_record(action=AuditAction.VIEW, object_type="intake.review_queue")
    return TemplateResponse(request, "intake/review_queue.html", {"page": page})


@allow(Role.PSYCHIATRIST, Role.NURSE)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    intake = selectors.intake_of(patient)
    if intake is None or intake.submitted_at is None:
        messages.info(request, "This patient has not submitted an intake yet.")
        return redirect("patient_detail", patient_id=patient.pk)
    context = selectors.review_context(intake)
    absolute = [
        f
        for f in (context.screening.flags if context.screening else [])
        if f["severity"] == "absolute"
    ]
    bp_form = EvaluationBloodPressureForm(
        request.POST if request.POST.get("action") == "bp" else None, prefix="bp"
    )
    decision_form = DecisionForm(
        request.POST if request.POST.get("action") == "decide" else None,
        absolute_flags=absolute,
        steps=steps_for(intake.answers),
    )
    if request.method == "POST" and request.POST.get("action") == "bp" and bp_form.is_valid():
        try:
            services.evaluation_bp_record(
                intake=intake,
                systolic=bp_form.cleaned_data["systolic"],
                diastolic=bp_form.cleaned_data["diastolic"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(bp_form, error)
        else:
            messages.success(request, "Blood pressure recorded; the screening was run again.")
            return redirect("review", patient_id=patient.pk)
    if (
        request.method == "POST"
        and request.POST.get("action") == "decide"
        and decision_form.is_valid()
    ):
        try:
            decision = services.eligibility_decide(
                intake=intake,
                actor=request.user,
                decision=decision_form.cleaned_data["decision"],
                routes=decision_form.cleaned_data["routes"],
                overrides=decision_form.overrides(),
                staff_reason=decision_form.cleaned_data["staff_reason"],
                patient_message=decision_form.cleaned_data["patient_message"],
                reopen_steps=decision_form.cleaned_data["reopen_steps"],
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                decision_form.add_error(None, str(error))
            else:
                attach_errors(decision_form, error)
        else:
            messages.success(request, f"Decision signed: {decision.get_decision_display()}.")
            return redirect("review_queue")
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, patient=patient, obj=intake)
    sections = [
        (step, answer_rows(step, intake.answers))
        for step in steps_for(intake.answers)
        if step.slug != "consent"
    ]
    return TemplateResponse(
        request,
        "intake/review.html",
        {
            "patient": patient,
            "review": context,
            "flags": selectors.review_flags(context.screening) if context.screening else [],
            "sections": sections,
            "bp_form": bp_form,
            "decision_form": decision_form,
            "can_decide": request.user.has_role(Role.PSYCHIATRIST)
            and intake.status == IntakeStatus.SUBMITTED,
            "alerts": selectors.urgent_alerts_of(patient),
        },
    )
