"""A patient's sessions: the series planned vs done, boosters, the benefit review, and
what staff may do with each booked session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.access import page_allows, permits
from clinic.models import Patient
from clinic.policy import may
from clinic.posting import submit_form
from clinic.selectors import patient_for_user
from sessions.forms.scheduling import BenefitReviewForm
from sessions.permissions import (
    BOOK_SESSIONS,
    ORDER_BOOSTER,
    REVIEW_BENEFIT,
    VIEW_SCHEDULE,
)
from sessions.selectors import scheduling as selectors
from sessions.services.scheduling import benefit_review_record


@permits(VIEW_SCHEDULE, audit="treatment_sessions.appointment_list")
def patient_sessions(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The series planned vs done, boosters, and actions on each booked session."""
    patient = patient_for_user(request.user, patient_id)
    return TemplateResponse(
        request, "sessions/patient_sessions.html", _sessions_context(request, patient)
    )


@permits(REVIEW_BENEFIT)
@require_http_methods(["POST"])
def benefit_review(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The psychiatrist's end-of-induction benefit review (before the first booster)."""
    patient = patient_for_user(request.user, patient_id)
    form = BenefitReviewForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda data: benefit_review_record(
            patient=patient, decision=data["decision"], note=data["note"], actor=request.user
        ),
        success="Benefit review recorded.",
        then=lambda _: redirect("patient_sessions", patient_id=patient.pk),
    )
    if done:
        return done
    return TemplateResponse(
        request, "sessions/patient_sessions.html", _sessions_context(request, patient, form)
    )


def _sessions_context(
    request: HttpRequest, patient: Patient, review_form: BenefitReviewForm | None = None
) -> dict[str, Any]:
    user = request.user
    appointments = selectors.patient_appointments(patient)
    plan = selectors.current_plan(patient)
    active = [a for a in appointments if a.status != "cancelled"]
    maintenance = patient.journey_state == "maintenance"
    return {
        "patient": patient,
        "plan": plan,
        "appointments": appointments,
        "planned": len([a for a in active if a.kind == "induction"]),
        "done": len([a for a in active if a.kind == "induction" and a.status == "completed"]),
        "can_open_records": page_allows(user, "session_record"),
        "can_check_in": page_allows(user, "appointment_check_in"),
        "can_book": may(user, BOOK_SESSIONS)
        and plan is not None
        and not any(a.kind == "induction" for a in active),
        "now": timezone.now(),
        "can_book_booster": may(user, BOOK_SESSIONS) and maintenance,
        "can_order_booster": may(user, ORDER_BOOSTER) and maintenance,
        "review": selectors.latest_benefit_review(patient),
        "phq9": selectors.phq9_change_for(patient),
        "review_form": review_form or BenefitReviewForm(),
        "can_review": may(user, REVIEW_BENEFIT) and maintenance,
        "show_review": maintenance,
    }
