"""Maintenance boosters: who is due, booking one, asking for one; and the sessions an
eligibility decision cancelled (coordinators follow both up)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.models import Patient
from clinic.posting import submit_form
from clinic.selectors import current_location, own_patient, patient_for_user
from clinic.zones import show_times_at, wall_clock
from sessions.forms.scheduling import BoosterForm, BoosterRequestForm
from sessions.permissions import (
    BOOK_SESSIONS,
    FOLLOW_UP_BOOKINGS,
    ORDER_BOOSTER,
    REQUEST_BOOSTER,
)
from sessions.selectors import scheduling as selectors
from sessions.selectors.location import booking_location
from sessions.services.scheduling.boosters import booster_book as book
from sessions.services.scheduling.boosters import booster_request as ask_for_booster


@permits(FOLLOW_UP_BOOKINGS, audit="treatment_sessions.boosters_due")
def boosters_due(request: HttpRequest) -> HttpResponse:
    location = current_location(request.user)
    page = Paginator(selectors.boosters_due(request.user, location), 50).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "sessions/boosters_due.html",
        {
            "picked_location": location,
            "rows": page.object_list,
            "page": page,
            "window": selectors.BOOSTER_WINDOW_DAYS,
        },
    )


@permits(FOLLOW_UP_BOOKINGS, audit="treatment_sessions.eligibility_cancellations")
def eligibility_cancellations(request: HttpRequest) -> HttpResponse:
    """Sessions cancelled because the patient's eligibility changed (last 30 days)."""
    page = Paginator(selectors.eligibility_cancellations(request.user), 50).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "sessions/eligibility_cancellations.html",
        {"rows": page.object_list, "page": page, "days": selectors.ELIGIBILITY_CANCELLATION_DAYS},
    )


class BoosterBookingForm(BoosterForm):
    # The newest booster booked when the page was shown: a booster booked meanwhile (by
    # another coordinator or in another tab) refuses this booking (`booster_book`).
    seen_booster = forms.IntegerField(required=False, widget=forms.HiddenInput)


@permits(BOOK_SESSIONS, audit="treatment_sessions.booster_booking")
@require_http_methods(["GET", "POST"])
def booster_book(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    plan = selectors.current_plan(patient)
    if plan is None:
        messages.info(request, "The patient has no treatment plan.")
        return redirect("patient_detail", patient_id=patient.pk)
    location = booking_location(patient, request.user, request.GET.get("at"))
    show_times_at(location)  # times shown and typed are the location's
    form = BoosterBookingForm(
        request.POST or None,
        location=location,
        initial={
            "start_time": dt.time(9),
            "answering": selectors.open_booster_request_id(patient),
            "seen_booster": selectors.newest_booster_id(patient),
        },
    )
    done = submit_form(
        request,
        form,
        lambda data: book(
            answering=data["answering"],
            seen_booster=data["seen_booster"],
            patient=patient,
            start=wall_clock(data["day"], data["start_time"], location),
            chair_id=data["chair"].pk,
            nurse_id=data["nurse"].pk if data["nurse"] else None,
            actor=request.user,
        ),
        success=f"Booster booked for {patient.full_name}.",
        then=lambda _: redirect("patient_sessions", patient_id=patient.pk),
    )
    return done or TemplateResponse(
        request,
        "sessions/booster_book.html",
        {"patient": patient, "plan": plan, "form": form, "location": location},
    )


@permits(REQUEST_BOOSTER, audit="treatment_sessions.booster_request")
@require_http_methods(["GET", "POST"])
def booster_request(request: HttpRequest) -> HttpResponse:
    """A patient in maintenance asks for a booster from the portal."""
    return _booster_page(
        request,
        own_patient(request.user),
        success="Thank you — the clinic will contact you to book your booster.",
        done=redirect("home"),
    )


@permits(ORDER_BOOSTER, audit="treatment_sessions.booster_request")
@require_http_methods(["GET", "POST"])
def booster_order(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A psychiatrist orders an "as needed" booster; coordinators book it."""
    patient = patient_for_user(request.user, patient_id)
    return _booster_page(
        request,
        patient,
        success="Booster ordered; the coordinators will book it.",
        done=redirect("patient_sessions", patient_id=patient.pk),
    )


def _booster_page(
    request: HttpRequest, patient: Patient, *, success: str, done: HttpResponse
) -> HttpResponse:
    form = BoosterRequestForm(request.POST or None)
    answered = submit_form(
        request,
        form,
        lambda data: ask_for_booster(patient=patient, actor=request.user, note=data["note"]),
        success=success,
        then=lambda _: done,
    )
    return answered or TemplateResponse(
        request, "sessions/booster_request.html", {"patient": patient, "form": form}
    )
