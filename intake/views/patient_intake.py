"""The intake questionnaire pages: filled by the patient, or by clinical staff on the
patient's behalf (recorded as entered by staff). One implementation serves both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.choices import JourneyState
from clinic.context import note_subject
from clinic.middleware import take_pending_post
from clinic.models import Patient, User
from clinic.portal import next_step_sentence
from clinic.posting import submit_form
from clinic.selectors import own_patient, patient_for_user
from intake import selectors
from intake.answer_display import answer_rows
from intake.measures import ASQ, ASQ_ACUTE, ASQ_ACUTE_ITEM, ASQ_NON_ACUTE
from intake.models import Intake, IntakeStatus
from intake.permissions import ENTER_INTAKE_FOR_PATIENT, FILL_OWN_INTAKE
from intake.questionnaire import (
    CONSENT_TEXT,
    STEP_BY_SLUG,
    ConsentForm,
    Step,
    StepForm,
    known_details,
    steps_for,
)
from intake.services import steps as services
from intake.services.submission import intake_submit


@dataclass(frozen=True)
class IntakeRoutes:
    """Where the pages link to: the patient's own URLs, or the staff entry URLs."""

    patient: Patient
    staff: bool

    def step(self, slug: str) -> str:
        if self.staff:
            return reverse("staff_intake_step", args=[self.patient.pk, slug])
        return reverse("intake_step", args=[slug])

    def review(self) -> str:
        if self.staff:
            return reverse("staff_intake_review", args=[self.patient.pk])
        return reverse("intake_review")

    def done(self) -> str:
        return (
            reverse("patient_detail", args=[self.patient.pk])
            if self.staff
            else reverse("intake_home")
        )

    def save_and_exit(self) -> str:
        return reverse("patient_detail", args=[self.patient.pk]) if self.staff else reverse("home")


INTAKE_STAGES = (
    JourneyState.INVITED,
    JourneyState.INTAKE_IN_PROGRESS,
    JourneyState.MORE_INFORMATION,
    JourneyState.AWAITING_REVIEW,
)
START_FIELD = "start_intake"


def _intake(request: HttpRequest, patient: Patient) -> Intake | None:
    """The patient's intake. Only a POST starts one (and moves the journey): opening a page
    never changes anything."""
    intake = selectors.intake_of(patient)
    if intake is None and request.method == "POST":
        intake = services.intake_open(patient=patient, actor=request.user)
    return intake


def _start_page(request: HttpRequest, patient: Patient, routes: IntakeRoutes) -> HttpResponse:
    """No intake yet: say so, with a button that starts it (a POST to this same page)."""
    note_subject(patient_id=patient.pk, object_type="intake.start", object_id=patient.pk, page=True)
    return TemplateResponse(
        request,
        "intake/intake_start.html",
        {"patient": patient, "staff_entry": routes.staff, "start_field": START_FIELD},
    )


def _started(request: HttpRequest) -> HttpResponse | None:
    """After the start button: open the page that was asked for (a GET, nothing submitted)."""
    if START_FIELD in request.POST:
        return HttpResponseRedirect(request.path)
    return None


def _staff_intake(request: HttpRequest, patient_id: int) -> tuple[Patient, Intake | None]:
    patient = patient_for_user(request.user, patient_id)
    if patient.journey_state not in INTAKE_STAGES:
        return patient, selectors.intake_of(patient)
    return patient, _intake(request, patient)


def _no_intake(request: HttpRequest, patient: Patient) -> HttpResponse:
    if patient.journey_state in INTAKE_STAGES:
        return _start_page(request, patient, IntakeRoutes(patient, staff=True))
    messages.info(request, "This patient is past the intake stage and has no intake on file.")
    return redirect("patient_detail", patient_id=patient.pk)


# --- Patient ------------------------------------------------------------------------------


@permits(FILL_OWN_INTAKE)
@require_http_methods(["GET", "POST"])
def intake_home(request: HttpRequest) -> HttpResponse:
    """Where the patient's intake stands; sends them on to the next unanswered step."""
    patient = own_patient(request.user)
    intake = _intake(request, patient)
    if intake is None:
        return _start_page(request, patient, IntakeRoutes(patient, staff=False))
    if intake.status == IntakeStatus.IN_PROGRESS:
        missing = services.missing_steps(intake)
        if missing:
            return redirect("intake_step", slug=missing[0].slug)
        return redirect("intake_review")
    if request.method == "POST":
        return redirect("intake_home")
    note_subject(patient_id=patient.pk, object_type="intake.intake", object_id=intake.pk, page=True)
    decision = selectors.latest_decision(patient)
    reopened = [step for step in steps_for(intake.answers) if step.slug in intake.reopened_steps]
    return TemplateResponse(
        request,
        "intake/intake_status.html",
        {
            "intake": intake,
            "decision": decision,
            "reopened": reopened,
            "patient": patient,
            "next_step_sentence": next_step_sentence(patient),
        },
    )


@permits(FILL_OWN_INTAKE)
@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, slug: str) -> HttpResponse:
    patient = own_patient(request.user)
    routes = IntakeRoutes(patient, staff=False)
    intake = _intake(request, patient)
    if intake is None:
        return _start_page(request, patient, routes)
    return _started(request) or _step_page(request, patient, intake, slug, routes)


@permits(FILL_OWN_INTAKE)
@require_http_methods(["GET", "POST"])
def intake_review(request: HttpRequest) -> HttpResponse:
    patient = own_patient(request.user)
    routes = IntakeRoutes(patient, staff=False)
    intake = _intake(request, patient)
    if intake is None:
        return _start_page(request, patient, routes)
    return _started(request) or _review_page(request, patient, intake, routes)


# --- Staff entering on the patient's behalf ----------------------------------------------------


@permits(ENTER_INTAKE_FOR_PATIENT)
@require_http_methods(["GET", "POST"])
def staff_intake_step(request: HttpRequest, patient_id: int, slug: str) -> HttpResponse:
    patient, intake = _staff_intake(request, patient_id)
    if intake is None:
        return _no_intake(request, patient)
    routes = IntakeRoutes(patient, staff=True)
    return _started(request) or _step_page(request, patient, intake, slug, routes)


@permits(ENTER_INTAKE_FOR_PATIENT)
@require_http_methods(["GET", "POST"])
def staff_intake_review(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient, intake = _staff_intake(request, patient_id)
    if intake is None:
        return _no_intake(request, patient)
    routes = IntakeRoutes(patient, staff=True)
    return _started(request) or _review_page(request, patient, intake, routes)


# --- Shared pages ---------------------------------------------------------------------------


def _step_form(request: HttpRequest, patient: Patient, intake: Intake, step: Step) -> StepForm:
    """The step's form: the stored answers (a draft as the patient left it), or what was
    typed before an inactivity sign-out, or the POST being answered."""
    kwargs: dict[str, Any] = {"answers": intake.answers}
    if step.slug == "about-you":
        # Start from what the clinic already knows (the invitation); answers win.
        kwargs["answers"] = {**known_details(patient), **intake.answers}
    if step.slug in intake.drafts:
        # Saved unfinished ("Save and finish later"): the page as the patient left it.
        kwargs["initial"] = intake.drafts[step.slug]
    if step.form_class is ConsentForm:
        kwargs["legal_name"] = patient.full_name
    restored = take_pending_post(request) if request.method == "GET" else None
    if restored is not None:
        messages.info(
            request,
            "You were signed out after a period of inactivity. What you typed is shown "
            "below and has not been saved yet: check it and press Next.",
        )
    return step.form_class(request.POST or restored, **kwargs)


def _save_step(intake: Intake, step: Step, form: StepForm, actor: User) -> Intake:
    """A finished step: the consent signed, or the step's answers stored."""
    if step.form_class is ConsentForm:
        return services.intake_sign_consent(
            intake=intake, signature=form.cleaned_data["signature"], actor=actor
        )
    return services.intake_save_step(
        intake=intake, step=step, answers=form.to_answers(), actor=actor
    )


def _step_page(
    request: HttpRequest, patient: Patient, intake: Intake, slug: str, routes: IntakeRoutes
) -> HttpResponse:
    step = STEP_BY_SLUG.get(slug)
    applicable = steps_for(intake.answers)
    if step is None or step not in applicable:
        raise Http404("No such step.")
    if not intake.is_editable_by_patient:
        return HttpResponseRedirect(routes.done())
    if not services.step_is_open(intake, slug):
        messages.info(request, "Only the steps the psychiatrist reopened can be changed.")
        return HttpResponseRedirect(routes.review())
    form = _step_form(request, patient, intake, step)
    try:
        done = submit_form(
            request,
            form,
            lambda _: _save_step(intake, step, form, request.user),
            then=lambda saved: _after_saving(request, patient, saved, step, routes),
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(routes.done())
    if done:
        return done
    partly_saved = False
    if request.method == "POST" and "save_and_exit" in request.POST:
        response = _save_unfinished(request, patient, intake, step, form, routes)
        if response is not None:
            return response
        partly_saved = True
    note_subject(patient_id=patient.pk, object_type="intake.step", object_id=slug, page=True)
    index = applicable.index(step)
    previous = applicable[index - 1] if index else None
    return TemplateResponse(
        request,
        "intake/intake_step.html",
        {
            "patient": patient,
            "staff_entry": routes.staff,
            "intake": intake,
            "step": step,
            "form": form,
            "steps": applicable,
            "number": index + 1,
            "previous": previous,
            "previous_url": routes.step(previous.slug) if previous else "",
            "review_url": routes.review(),
            "consent_text": CONSENT_TEXT if step.form_class is ConsentForm else "",
            "partly_saved": partly_saved,
            "not_saved": [
                (form.question_label(name), problems) for name, problems in form.errors.items()
            ]
            if partly_saved
            else [],
        },
    )


def _save_unfinished(
    request: HttpRequest,
    patient: Patient,
    intake: Intake,
    step: Step,
    form: StepForm,
    routes: IntakeRoutes,
) -> HttpResponse | None:
    """ "Save and finish later" on a page not fully answered: keep every answer valid on its
    own. None when some typed answers are not valid: the page is shown again with only
    those marked (the rest is saved), so the patient sees what was not kept and why."""
    if step.form_class is ConsentForm:
        messages.info(
            request,
            "The consent is not recorded yet: it is recorded only when it is signed. The "
            "intake can be continued at any time.",
        )
        return HttpResponseRedirect(routes.save_and_exit())
    draft = form.draft()
    try:
        intake = services.intake_save_draft(
            intake=intake, step=step, values=draft.values, actor=request.user
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(routes.done())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(routes.step(step.slug))
    crisis = _safety_support(
        request,
        patient,
        routes,
        item9=services.draft_phq9_item9(step.slug, draft.values),
        band=services.draft_asq_band(step.slug, draft.values),
        continue_url=routes.step(step.slug),
        right_now_unanswered=draft.values.get(ASQ_ACUTE_ITEM) is None,
    )
    if crisis is not None:
        return crisis
    if draft.invalid:
        form.show_only_errors(draft.invalid)
        return None
    still = len(draft.unanswered)
    left = (
        f"{still} question{pluralize(still)} on “{step.title}” still "
        f"need{pluralize(still, 's,')} an answer: this step stays on the list until it is "
        "finished. "
        if still
        else ""
    )
    messages.success(request, f"Saved. {left}The intake can be continued at any time.")
    return HttpResponseRedirect(routes.save_and_exit())


def _safety_support(
    request: HttpRequest,
    patient: Patient,
    routes: IntakeRoutes,
    *,
    item9: int | None,
    band: str | None,
    continue_url: str,
    right_now_unanswered: bool = False,
) -> HttpResponse | None:
    """What a safety answer needs shown, the same on a finished and an unfinished step:
    a message after PHQ-9 question 9 at 1 or more or a positive ASQ, the crisis page (the
    response returned) after an acute one."""
    if item9:
        messages.warning(
            request,
            "The psychiatrist has been alerted (PHQ-9 question 9)."
            if routes.staff
            else "Thank you for telling us. Our psychiatrist has been alerted and will "
            "contact you. If you are thinking about harming yourself now, call or text 988 "
            "(Suicide & Crisis Lifeline) or call 911.",
        )
    if band == ASQ_ACUTE:
        # Shown on this very response, before anything else: no redirect to wait for.
        return TemplateResponse(
            request,
            "intake/crisis.html",
            {
                "patient": patient,
                "staff_entry": routes.staff,
                "continue_url": continue_url,
                "exit_url": routes.save_and_exit(),
                "right_now_unanswered": right_now_unanswered,
            },
        )
    if band == ASQ_NON_ACUTE:
        messages.warning(
            request,
            "Positive suicide risk screen (not acute): the psychiatrist has been alerted; a "
            "brief suicide safety assessment is needed before treatment."
            if routes.staff
            else "Thank you for telling us. A clinician from our team will talk with you "
            "about these answers before any treatment. If you want to talk to someone now, "
            "call or text 988 (Suicide & Crisis Lifeline), any time, day or night.",
        )
    return None


def _after_saving(
    request: HttpRequest, patient: Patient, intake: Intake, step: Step, routes: IntakeRoutes
) -> HttpResponse:
    """Where a saved step leads: the next step, or first the support a safety answer needs."""
    following = [candidate.slug for candidate in steps_for(intake.answers)]
    index = following.index(step.slug) if step.slug in following else len(following)
    next_url = routes.step(following[index + 1]) if index + 1 < len(following) else routes.review()
    crisis = _safety_support(
        request,
        patient,
        routes,
        item9=intake.answers.get("phq9_item9") if step.slug == "phq9" else None,
        band=intake.answers.get("suicide_risk_screen") if step.slug == ASQ else None,
        continue_url=next_url,
    )
    if crisis is not None:
        return crisis
    if "save_and_exit" in request.POST:
        messages.success(request, "Saved. The intake can be continued at any time.")
        return HttpResponseRedirect(routes.save_and_exit())
    return HttpResponseRedirect(next_url)


def _review_page(
    request: HttpRequest, patient: Patient, intake: Intake, routes: IntakeRoutes
) -> HttpResponse:
    if request.method == "POST":
        try:
            intake_submit(intake=intake, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return HttpResponseRedirect(routes.review())
        messages.success(
            request,
            "The intake was submitted for review."
            if routes.staff
            else "Thank you — your intake was submitted.",
        )
        return HttpResponseRedirect(routes.done())
    note_subject(patient_id=patient.pk, object_type="intake.intake", object_id=intake.pk, page=True)
    editable = intake.is_editable_by_patient
    sections = [
        (
            step,
            answer_rows(step, intake.answers),
            step.slug in intake.completed_steps and step.slug not in intake.drafts,
            routes.step(step.slug) if editable and services.step_is_open(intake, step.slug) else "",
            step.slug in intake.drafts,
        )
        for step in steps_for(intake.answers)
    ]
    missing = services.missing_steps(intake)
    return TemplateResponse(
        request,
        "intake/intake_review.html",
        {
            "patient": patient,
            "staff_entry": routes.staff,
            "intake": intake,
            "sections": sections,
            "missing": [(step, routes.step(step.slug)) for step in missing],
            "editable": editable,
        },
    )
