"""Views of the intake: invitations, the patient's intake, urgent alerts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import allow, deny_patient, own_patient, patient_for_user, public
from clinic.audit import audit_record
from clinic.choices import PATIENT_ROLE, AuditAction, Role
from clinic.models import Patient
from clinic.selectors import paginate
from intake import selectors, services
from intake.forms import (
    AcceptInvitationForm,
    AcknowledgeAlertForm,
    DecisionForm,
    EvaluationBloodPressureForm,
    InvitationForm,
)
from intake.models import Intake, IntakeStatus, UrgentAlert
from intake.questionnaire import (
    CONSENT_TEXT,
    STEP_BY_SLUG,
    ConsentForm,
    answer_rows,
    known_details,
    steps_for,
)

# --- Invitations (coordinators) ------------------------------------------------------------


@allow(Role.COORDINATOR)
def invitation_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.invitations_for(request.user), request.GET.get("page"))
    audit_record(action=AuditAction.VIEW, request=request, object_type="intake.invitation_list")
    return TemplateResponse(request, "intake/invitation_list.html", {"page": page})


@allow(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user,
                request=request,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                mobile=form.cleaned_data["mobile"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.patient.full_name}. The link works until "
                f"{timezone.localtime(invitation.expires_at):%B %-d, %Y}.",
            )
            return redirect("invitation_list")
    return TemplateResponse(request, "intake/invitation_form.html", {"form": form})


@allow(Role.COORDINATOR)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitations_for(request.user).filter(pk=invitation_id).first()
    if invitation is None:
        deny_patient(request, "", object_type="intake.invitation")
        raise Http404("No such invitation.")
    try:
        services.invitation_resend(invitation=invitation, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"A new link was sent to {invitation.patient.full_name}; older links stop working.",
        )
    return redirect("invitation_list")


PROBLEMS = {
    "invalid": (
        "This link is not valid",
        "The address may have been copied incompletely. Open the link from your invitation "
        "message again, or ask the clinic to send a new one.",
    ),
    "expired": (
        "This invitation has expired",
        "For your security, invitation links work for a limited time. Please contact the "
        "clinic and ask for a new link.",
    ),
    "used": (
        "This invitation was already used",
        "Your login has been created. Sign in with the username and password you chose.",
    ),
    "replaced": (
        "A newer invitation replaced this one",
        "The clinic sent you a newer link. Please use the most recent message.",
    ),
}


@public
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    found = services.invitation_from_token(token)
    if found.problem:
        title, text = PROBLEMS[found.problem]
        return TemplateResponse(
            request,
            "intake/invitation_problem.html",
            {"title": title, "text": text, "problem": found.problem},
            status=410 if found.problem in ("expired", "used", "replaced") else 404,
        )
    invitation = found.invitation
    patient = invitation.patient
    form = AcceptInvitationForm(
        request.POST or None,
        initial={"username": invitation.email},
        first_name=patient.legal_first_name,
        last_name=patient.legal_last_name,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, "Your login is ready. Let's start your intake.")
            return redirect("intake_home")
    return TemplateResponse(
        request, "intake/invitation_accept.html", {"form": form, "first_name": patient.first_name}
    )


# --- The patient's intake -------------------------------------------------------------------


def _attach_errors(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


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


# --- Urgent alerts (psychiatrists) --------------------------------------------------------------


@allow(Role.PSYCHIATRIST)
@require_http_methods(["GET", "POST"])
def urgent_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(UrgentAlert.objects.only("patient_id"), pk=alert_id)
    patient = patient_for_user(request, alert.patient_id)
    alert = UrgentAlert.objects.select_related("acknowledged_by").get(pk=alert_id)
    form = AcknowledgeAlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.urgent_alert_acknowledge(
                alert=alert,
                actor=request.user,
                action_note=form.cleaned_data["action_note"],
                request=request,
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, "Alert acknowledged; the action taken is recorded.")
            return redirect("patient_detail", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, request=request, patient=patient, obj=alert)
    return TemplateResponse(
        request, "intake/urgent_alert.html", {"alert": alert, "patient": patient, "form": form}
    )


# --- Eligibility review (psychiatrists; nurses record the evaluation BP) -------------------


@allow(Role.PSYCHIATRIST, Role.NURSE)
def review_queue(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.review_queue(request.user), request.GET.get("page"))
    audit_record(action=AuditAction.VIEW, request=request, object_type="intake.review_queue")
    return TemplateResponse(request, "intake/review_queue.html", {"page": page})


@allow(Role.PSYCHIATRIST, Role.NURSE)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request, patient_id)
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
                request=request,
            )
        except ValidationError as error:
            _attach_errors(bp_form, error)
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
                request=request,
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
                _attach_errors(decision_form, error)
        else:
            messages.success(request, f"Decision signed: {decision.get_decision_display()}.")
            return redirect("review_queue")
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, request=request, patient=patient, obj=intake)
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
