"""The patient's own sessions in the portal: what is booked and how to prepare, a
calendar download, and the health questions before a booster after a long gap."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.choices import AuditAction
from clinic.posting import submit_form
from clinic.selectors import clinic_settings, own_patient
from intake.questionnaire import MedicalHistoryForm
from intake.services import screening_rescreen
from sessions.calendars import patient_calendar, preparation_for
from sessions.permissions import ANSWER_HEALTH_CHECK, VIEW_OWN_SESSIONS
from sessions.selectors import scheduling as selectors


@permits(VIEW_OWN_SESSIONS, audit="portal.sessions")
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The patient's upcoming sessions with how to prepare, and a calendar download."""
    patient = own_patient(request.user)
    plan = selectors.current_plan(patient)
    return TemplateResponse(
        request,
        "sessions/my_sessions.html",
        {
            "patient": patient,
            "upcoming": selectors.upcoming_for_patient(patient),
            "preparation": preparation_for(plan.route) if plan else (),
            "completed": selectors.completed_count(patient),
            "needs_rescreen": patient.journey_state == "maintenance"
            and selectors.patient_needs_rescreen(patient),
        },
    )


@permits(ANSWER_HEALTH_CHECK, audit="portal.health_check")
@require_http_methods(["GET", "POST"])
def my_health_check(request: HttpRequest) -> HttpResponse:
    """The short re-screen before a booster after more than 3 months: the medical
    questions of the intake asked again, starting from the patient's last answers."""
    patient = own_patient(request.user)
    latest = selectors.latest_screening_answers(patient)
    form = MedicalHistoryForm(request.POST or None, answers=latest)
    done = submit_form(
        request,
        form,
        lambda _: screening_rescreen(
            patient=patient, answers=form.to_answers(), actor=request.user
        ),
        success="Thank you — the clinic has your answers.",
        then=lambda _: redirect("my_sessions"),
    )
    return done or TemplateResponse(request, "sessions/health_check.html", {"form": form})


# One `export` row per download, named as the download, for the patient looked up.
@permits(VIEW_OWN_SESSIONS, audit="portal.sessions_ics", audit_action=AuditAction.EXPORT)
def my_sessions_ics(request: HttpRequest) -> HttpResponse:
    patient = own_patient(request.user)
    body = patient_calendar(selectors.upcoming_for_patient(patient), clinic_settings())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-sessions.ics"'
    return response
