"""Psychiatrists: urgent alerts and the eligibility review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.context import note_subject
from clinic.models import Patient, User
from clinic.posting import submit_form
from clinic.selectors import paginate, patient_for_user
from intake import selectors
from intake.answer_display import answer_rows
from intake.forms import AcknowledgeAlertForm, DecisionForm, EvaluationBloodPressureForm
from intake.models import EligibilityDecision, Intake, IntakeStatus
from intake.permissions import ACKNOWLEDGE_URGENT_ALERTS, REVIEW_INTAKES
from intake.questionnaire import steps_for
from intake.services.eligibility import eligibility_decide
from intake.services.evaluation import evaluation_bp_record
from intake.services.urgent_alerts import urgent_alert_acknowledge

# --- Urgent alerts (psychiatrists) --------------------------------------------------------------


@permits(ACKNOWLEDGE_URGENT_ALERTS)
@require_http_methods(["GET", "POST"])
def urgent_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.urgent_alert_for_user(request.user, alert_id)
    form = AcknowledgeAlertForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: urgent_alert_acknowledge(
            alert=alert, actor=request.user, action_note=data["action_note"]
        ),
        success="Alert acknowledged; the action taken is recorded.",
        then=lambda _: redirect("patient_detail", patient_id=alert.patient_id),
    )
    return done or TemplateResponse(
        request,
        "intake/urgent_alert.html",
        {"alert": alert, "patient": alert.patient, "form": form},
    )


# --- Eligibility review (psychiatrists; nurses record the evaluation BP) -------------------


@permits(REVIEW_INTAKES, audit="intake.review_queue")
def review_queue(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.review_queue(request.user), request.GET.get("page"))
    return TemplateResponse(request, "intake/review_queue.html", {"page": page})


def _decide(intake: Intake, actor: User, form: DecisionForm) -> EligibilityDecision:
    """Sign the decision; a refusal (a nurse pressing "sign") shows above the form."""
    try:
        return eligibility_decide(
            intake=intake,
            actor=actor,
            decision=form.cleaned_data["decision"],
            routes=form.cleaned_data["routes"],
            overrides=form.overrides(),
            staff_reason=form.cleaned_data["staff_reason"],
            patient_message=form.cleaned_data["patient_message"],
            reopen_steps=form.cleaned_data["reopen_steps"],
        )
    except PermissionDenied as refused:
        raise ValidationError(str(refused)) from refused


@permits(REVIEW_INTAKES)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    intake = selectors.intake_of(patient)
    if intake is None or intake.submitted_at is None:
        messages.info(request, "This patient has not submitted an intake yet.")
        return redirect("patient_detail", patient_id=patient.pk)
    note_subject(patient_id=patient.pk, object_type="intake.intake", object_id=intake.pk, page=True)
    context = selectors.review_context(intake)
    action = request.POST.get("action")
    bp_form = EvaluationBloodPressureForm(request.POST if action == "bp" else None, prefix="bp")
    decision_form = DecisionForm(
        request.POST if action == "decide" else None,
        absolute_flags=[
            flag
            for flag in (context.screening.flags if context.screening else [])
            if flag["severity"] == "absolute"
        ],
        steps=steps_for(intake.answers),
    )
    done = submit_form(
        request,
        bp_form,
        lambda data: evaluation_bp_record(
            intake=intake,
            systolic=data["systolic"],
            diastolic=data["diastolic"],
            actor=request.user,
        ),
        success="Blood pressure recorded; the screening was run again.",
        then=lambda _: redirect("review", patient_id=patient.pk),
    ) or submit_form(
        request,
        decision_form,
        lambda _: _decide(intake, request.user, decision_form),
        success=lambda decision: f"Decision signed: {decision.get_decision_display()}.",
        then=lambda _: redirect("review_queue"),
    )
    return done or TemplateResponse(
        request,
        "intake/review.html",
        _review_page(patient, intake, context, bp_form, decision_form),
    )


def _review_page(
    patient: Patient,
    intake: Intake,
    context: selectors.ReviewContext,
    bp_form: EvaluationBloodPressureForm,
    decision_form: DecisionForm,
) -> dict[str, Any]:
    return {
        "patient": patient,
        "review": context,
        "flags": selectors.review_flags(context.screening) if context.screening else [],
        "sections": [
            (step, answer_rows(step, intake.answers))
            for step in steps_for(intake.answers)
            if step.slug != "consent"
        ],
        "bp_form": bp_form,
        "decision_form": decision_form,
        # Who may sign is the template's question (`can.intake.decide_eligibility`).
        "awaiting_decision": intake.status == IntakeStatus.SUBMITTED,
        "alerts": selectors.urgent_alerts_of(patient),
    }
