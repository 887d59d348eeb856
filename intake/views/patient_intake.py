"""The patient's own intake: steps, review and submission, status after it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import allow, own_patient
from clinic.audit import audit_record
from clinic.choices import PATIENT_ROLE, AuditAction
from clinic.models import Patient
from intake import selectors, services
from intake.models import Intake, IntakeStatus
from intake.questionnaire import (
    CONSENT_TEXT,
    STEP_BY_SLUG,
    ConsentForm,
    answer_rows,
    known_details,
    steps_for,
)

# --- The patient's intake -------------------------------------------------------------------


def _patient_intake(request: HttpRequest) -> tuple[Patient, Intake]:
    patient = own_patient(request)
    return patient, services.intake_open(patient=patient)


@allow(PATIENT_ROLE)
def intake_home(request: HttpRequest) -> HttpResponse:
    """Where the patient's intake stands; sends them on to the next unanswered step."""
    patient, intake = _patient_intake(request)
    if intake.status == IntakeStatus.IN_PROGRESS:
        missing = services.missing_steps(intake)
        if missing:
            return redirect("intake_step", slug=missing[0].slug)
        return redirect("intake_review")
    audit_record(action=AuditAction.VIEW, request=request, patient=patient, obj=intake)
    decision = selectors.latest_decision(patient)
    reopened = [step for step in steps_for(intake.answers) if step.slug in intake.reopened_steps]
    return TemplateResponse(
        request,
        "intake/intake_status.html",
        {"intake": intake, "decision": decision, "reopened": reopened, "patient": patient},
    )


@allow(PATIENT_ROLE)
@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, slug: str) -> HttpResponse:
    patient, intake = _patient_intake(request)
    step = STEP_BY_SLUG.get(slug)
    applicable = steps_for(intake.answers)
    if step is None or step not in applicable:
        raise Http404("No such step.")
    if not intake.is_editable_by_patient:
        return redirect("intake_home")
    if intake.status == IntakeStatus.REOPENED and slug not in (*intake.reopened_steps, "consent"):
        messages.info(request, "Only the steps your psychiatrist reopened can be changed.")
        return redirect("intake_review")
    kwargs = {"answers": intake.answers}
    if slug == "about-you":
        # Start from what the clinic already knows (the invitation); answers win.
        kwargs["answers"] = {**known_details(patient), **intake.answers}
    if step.form_class is ConsentForm:
        kwargs["legal_name"] = patient.full_name
    form = step.form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            if step.form_class is ConsentForm:
                intake = services.intake_sign_consent(
                    intake=intake,
                    signature=form.cleaned_data["signature"],
                    actor=request.user,
                    request=request,
                )
            else:
                intake = services.intake_save_step(
                    intake=intake, step=step, form=form, actor=request.user, request=request
                )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("intake_home")
        if slug == "phq9" and intake.answers.get("phq9_item9", 0) >= 1:
            messages.warning(
                request,
                "Thank you for telling us. Our psychiatrist has been alerted and will contact "
                "you. If you are thinking about harming yourself now, call or text 988 "
                "(Suicide & Crisis Lifeline) or call 911.",
            )
        if "save_and_exit" in request.POST:
            messages.success(request, "Saved. You can come back and continue at any time.")
            return redirect("home")
        following = steps_for(intake.answers)
        position = next(
            (index for index, candidate in enumerate(following) if candidate.slug == slug), None
        )
        if position is not None and position + 1 < len(following):
            return redirect("intake_step", slug=following[position + 1].slug)
        return redirect("intake_review")
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            patient=patient,
            object_type="intake.step",
            object_id=slug,
        )
    index = applicable.index(step)
    return TemplateResponse(
        request,
        "intake/intake_step.html",
        {
            "intake": intake,
            "step": step,
            "form": form,
            "steps": applicable,
            "number": index + 1,
            "previous": applicable[index - 1] if index else None,
            "consent_text": CONSENT_TEXT if step.form_class is ConsentForm else "",
            "completed": set(intake.completed_steps),
        },
    )


@allow(PATIENT_ROLE)
@require_http_methods(["GET", "POST"])
def intake_review(request: HttpRequest) -> HttpResponse:
    patient, intake = _patient_intake(request)
    if request.method == "POST":
        try:
            services.intake_submit(intake=intake, actor=request.user, request=request)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("intake_review")
        messages.success(request, "Thank you — your intake was submitted.")
        return redirect("intake_home")
    audit_record(action=AuditAction.VIEW, request=request, patient=patient, obj=intake)
    sections = [
        (step, answer_rows(step, intake.answers), step.slug in intake.completed_steps)
        for step in steps_for(intake.answers)
    ]
    return TemplateResponse(
        request,
        "intake/intake_review.html",
        {
            "intake": intake,
            "sections": sections,
            "missing": services.missing_steps(intake),
            "editable": intake.is_editable_by_patient,
        },
    )
