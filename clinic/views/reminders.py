"""Reminders for staff: a patient's reminder history and the failed ones to send again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic import permissions, selectors
from clinic.access import permits
from clinic.selectors import patient_for_user
from clinic.services import reminders


@permits(permissions.FOLLOW_REMINDERS, audit="clinic.reminder_history")
@require_http_methods(["GET"])
def patient_reminders(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Every reminder of a patient: kind, channel, when, status, attempts, error."""
    patient = patient_for_user(request.user, patient_id)
    return TemplateResponse(
        request,
        "clinic/patient_reminders.html",
        {"patient": patient, "rows": selectors.reminder_history(patient, request.user)},
    )


@permits(permissions.FOLLOW_REMINDERS, audit="clinic.failed_reminders")
@require_http_methods(["GET"])
def failed_reminders(request: HttpRequest) -> HttpResponse:
    """Reminders that failed after every attempt, with the error and a retry button."""
    return TemplateResponse(
        request, "clinic/failed_reminders.html", {"rows": selectors.failed_reminders(request.user)}
    )


@permits(permissions.FOLLOW_REMINDERS)
@require_http_methods(["POST"])
def reminder_retry(request: HttpRequest, reminder_id: int) -> HttpResponse:
    reminder = selectors.failed_reminders(request.user).filter(pk=reminder_id).first()
    if reminder is None:
        messages.error(request, "That reminder is not waiting for a retry.")
        return redirect("failed_reminders")
    reminders.reminder_retry(reminder=reminder, actor=request.user)
    messages.success(request, "The reminder will be sent again within a minute.")
    return redirect("failed_reminders")
