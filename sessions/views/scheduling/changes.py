"""Changing a booked session: move it to another time, cancel it, record a no-show."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import permits
from clinic.posting import submit_form
from clinic.zones import local, show_times_at, wall_clock
from sessions.forms.scheduling import CancelForm, RescheduleForm
from sessions.permissions import BOOK_SESSIONS, CANCEL_SESSION, RECORD_NO_SHOW
from sessions.selectors.location import appointment_location
from sessions.selectors.scheduling import appointment_for_user
from sessions.services.scheduling.changes import appointment_cancel as cancel
from sessions.services.scheduling.changes import appointment_mark_no_show
from sessions.services.scheduling.changes import appointment_reschedule as reschedule


@permits(BOOK_SESSIONS)
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for_user(request.user, appointment_id)
    # A reschedule moves the session in time at the location it is booked at, on its clock.
    location = appointment_location(appointment)
    show_times_at(location)
    now = local(appointment.start, location)
    form = RescheduleForm(
        request.POST or None,
        initial={"day": now.date(), "start_time": now.time(), "chair": appointment.chair_id},
        location=location,
    )

    def move(data: dict[str, Any]) -> object:
        start = wall_clock(data["day"], data["start_time"], location)
        return reschedule(
            appointment=appointment,
            start=start,
            end=start + (appointment.end - appointment.start),
            chair_id=data["chair"].pk,
            actor=request.user,
        )

    done = submit_form(
        request,
        form,
        move,
        success="Session rescheduled; the old time is cancelled.",
        then=lambda _: redirect("patient_sessions", patient_id=appointment.patient_id),
    )
    return done or TemplateResponse(
        request,
        "sessions/reschedule.html",
        {"appointment": appointment, "form": form, "location": location},
    )


@permits(CANCEL_SESSION)
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for_user(request.user, appointment_id)
    form = CancelForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: cancel(appointment=appointment, reason=data["reason"], actor=request.user),
        success="Session cancelled; the chair is free again.",
        then=lambda _: redirect("patient_sessions", patient_id=appointment.patient_id),
    )
    return done or TemplateResponse(
        request, "sessions/cancel.html", {"appointment": appointment, "form": form}
    )


@permits(RECORD_NO_SHOW)
@require_POST
def appointment_no_show(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for_user(request.user, appointment_id)
    try:
        appointment_mark_no_show(appointment=appointment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Recorded as a no-show.")
    return redirect("patient_sessions", patient_id=appointment.patient_id)
