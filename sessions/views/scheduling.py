"""Views for plans, booking, calendars and boosters (spec: scheduling.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import allow, public
from clinic.audit import audit_record
from clinic.choices import PATIENT_ROLE, AuditAction, Role
from clinic.forms import attach_errors
from clinic.models import Patient
from clinic.selectors import clinic_settings, own_patient, patient_for_user
from intake.questionnaire import MedicalHistoryForm
from intake.selectors import latest_decision
from intake.services import screening_rescreen
from sessions.calendars import patient_calendar, preparation_for, staff_feed
from sessions.forms import (
    BenefitReviewForm,
    BoosterForm,
    BoosterRequestForm,
    CancelForm,
    PlanForm,
    ProposalRequestForm,
    RescheduleForm,
    SessionRowFormSet,
)
from sessions.models import Appointment
from sessions.scheduling import SeriesRequest, propose_series
from sessions.selectors import scheduling as selectors
from sessions.services import scheduling as services
from sessions.services.scheduling import BookingRow


@allow(Role.PSYCHIATRIST, Role.NURSE)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's treatment plan: current version, history, and the form to write one."""
    patient = patient_for_user(request.user, patient_id)
    decision = latest_decision(patient)
    allowed = decision.allowed_routes if decision and decision.decision == "approved" else []
    versions = selectors.plan_versions(patient)
    current = versions[0] if versions else None
    can_write = request.user.has_role(Role.PSYCHIATRIST) and bool(allowed)
    form = PlanForm(request.POST or None, allowed_routes=allowed, current=current)
    if request.method == "POST" and can_write and form.is_valid():
        data = form.cleaned_data
        try:
            written = services.plan_write(
                patient=patient,
                plan=services.PlanInput(
                    route=data["route"],
                    protocol=data["protocol"],
                    dose_mode=data["dose_mode"],
                    dose_mg_per_kg=data["dose_mg_per_kg"],
                    dose_mg=data["dose_mg"],
                    infusion_minutes=data["infusion_minutes"],
                    esketamine_devices=data["esketamine_devices"],
                    series_length=data["series_length"],
                    maintenance_interval_weeks=data["maintenance_interval_weeks"],
                    rems_patient_id=data["rems_patient_id"],
                    rems_enrolled_on=data["rems_enrolled_on"],
                    notes=data["notes"],
                    extra_measures=tuple(data["extra_measures"]),
                ),
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Treatment plan version {written.version} saved.")
            return redirect("plan", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="treatment_sessions.treatmentplan",
            object_id=patient.pk,
        )
    return TemplateResponse(
        request,
        "sessions/plan.html",
        {
            "patient": patient,
            "current": current,
            "versions": versions,
            "form": form,
            "can_write": can_write,
            "decision": decision,
        },
    )


# --- Booking a series (coordinators) ---------------------------------------------------------

READ_SCHEDULE = (Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST)


def _aware(day: dt.date, start: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, start, tzinfo=timezone.get_current_timezone())


@allow(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def book_series(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Propose a series for the patient's plan, let staff edit it, then book it at once."""
    patient = patient_for_user(request.user, patient_id)
    plan = selectors.current_plan(patient)
    if plan is None:
        messages.info(request, "A psychiatrist writes the treatment plan before booking.")
        return redirect("patient_detail", patient_id=patient.pk)
    booked = [
        a
        for a in selectors.patient_appointments(patient)
        if a.kind == "induction" and a.status != "cancelled"
    ]
    if booked:
        messages.info(request, "The induction series is already booked.")
        return redirect("patient_sessions", patient_id=patient.pk)
    protocol = plan.protocol
    block = dt.timedelta(minutes=protocol.chair_block_minutes)
    ask = ProposalRequestForm(
        request.GET or None,
        initial={"first_date": timezone.localdate() + dt.timedelta(days=1)},
    )
    rows = None
    proposal = None
    booking_errors: list[str] = []
    if request.method == "POST":
        rows = SessionRowFormSet(request.POST, prefix="row")
        ask = ProposalRequestForm(request.GET)
        if rows.is_valid() and ask.is_valid():
            wanted = [
                BookingRow(
                    start=_aware(form.cleaned_data["day"], form.cleaned_data["start_time"]),
                    end=_aware(form.cleaned_data["day"], form.cleaned_data["start_time"]) + block,
                    chair_id=form.cleaned_data["chair"].pk,
                    nurse_id=ask.cleaned_data["nurse"].pk if ask.cleaned_data["nurse"] else None,
                )
                for form in rows.forms
            ]
            try:
                services.series_book(plan=plan, rows=wanted, actor=request.user)
            except ValidationError as error:
                for key, message in _row_errors(error):
                    if key is None:
                        booking_errors.append(message)
                    else:
                        rows.forms[key].add_error(None, message)
            else:
                messages.success(request, f"{len(wanted)} sessions booked for {patient.full_name}.")
                return redirect("patient_sessions", patient_id=patient.pk)
    elif ask.is_valid():
        nurse = ask.cleaned_data["nurse"]
        facts = selectors.calendar_facts(
            patient=patient, first_date=ask.cleaned_data["first_date"], nurse=nurse
        )
        proposal = propose_series(
            SeriesRequest(
                sessions=plan.series_length,
                per_week=protocol.per_week,
                min_days_between=protocol.min_days_between,
                block_minutes=protocol.chair_block_minutes,
                first_date=ask.cleaned_data["first_date"],
                preferred_start=ask.cleaned_data["preferred_start"],
                preferred_chair=ask.cleaned_data["preferred_chair"].pk
                if ask.cleaned_data["preferred_chair"]
                else None,
                nurse=nurse.pk if nurse else None,
            ),
            facts,
        )
        rows = SessionRowFormSet(
            prefix="row",
            initial=[
                {
                    "day": timezone.localtime(row.start).date(),
                    "start_time": timezone.localtime(row.start).time(),
                    "chair": row.chair,
                    "note": "\n".join(row.notes),
                }
                if row.start
                else {"note": "\n".join(row.notes)}
                for row in proposal.rows
            ],
        )
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="treatment_sessions.booking",
            object_id=patient.pk,
        )
    return TemplateResponse(
        request,
        "sessions/book.html",
        {
            "patient": patient,
            "plan": plan,
            "ask": ask,
            "rows": rows,
            "booking_errors": booking_errors,
            "proposal": proposal,
        },
    )


def _row_errors(error: ValidationError) -> list[tuple[int | None, str]]:
    if not hasattr(error, "error_dict"):
        return [(None, message) for message in error.messages]
    found = []
    for key, messages_ in error.message_dict.items():
        index = int(key.removeprefix("row_")) if key.startswith("row_") else None
        found.extend((index, message) for message in messages_)
    return found


# --- A patient's sessions ------------------------------------------------------------------


@allow(*READ_SCHEDULE)
def patient_sessions(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The series planned vs done, boosters, and actions on each booked session."""
    patient = patient_for_user(request.user, patient_id)
    audit_record(
        action=AuditAction.VIEW,
        patient=patient,
        object_type="treatment_sessions.appointment_list",
        object_id=patient.pk,
    )
    return TemplateResponse(
        request, "sessions/patient_sessions.html", _sessions_context(request, patient)
    )


def _sessions_context(
    request: HttpRequest, patient: Patient, review_form: BenefitReviewForm | None = None
) -> dict[str, Any]:
    appointments = selectors.patient_appointments(patient)
    plan = selectors.current_plan(patient)
    active = [a for a in appointments if a.status != "cancelled"]
    return {
        "patient": patient,
        "plan": plan,
        "appointments": appointments,
        "planned": len([a for a in active if a.kind == "induction"]),
        "done": len([a for a in active if a.kind == "induction" and a.status == "completed"]),
        "can_schedule": request.user.has_role(Role.COORDINATOR),
        "can_open_records": request.user.has_role(Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST),
        "can_check_in": request.user.has_role(Role.NURSE, Role.PSYCHIATRIST),
        "today": timezone.localdate(),
        "can_book": request.user.has_role(Role.COORDINATOR)
        and plan is not None
        and not any(a.kind == "induction" for a in active),
        "now": timezone.now(),
        "can_book_booster": request.user.has_role(Role.COORDINATOR)
        and patient.journey_state == "maintenance",
        "can_order_booster": request.user.has_role(Role.PSYCHIATRIST)
        and patient.journey_state == "maintenance",
        "review": selectors.latest_benefit_review(patient),
        "phq9": selectors.phq9_change_for(patient),
        "review_form": review_form or BenefitReviewForm(),
        "can_review": request.user.has_role(Role.PSYCHIATRIST)
        and patient.journey_state == "maintenance",
        "show_review": patient.journey_state == "maintenance",
    }


@allow(Role.PSYCHIATRIST)
@require_http_methods(["POST"])
def benefit_review(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The psychiatrist's end-of-induction benefit review (before the first booster)."""
    patient = patient_for_user(request.user, patient_id)
    form = BenefitReviewForm(request.POST)
    if form.is_valid():
        try:
            services.benefit_review_record(
                patient=patient,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Benefit review recorded.")
            return redirect("patient_sessions", patient_id=patient.pk)
    return TemplateResponse(
        request, "sessions/patient_sessions.html", _sessions_context(request, patient, form)
    )


@allow(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_user(request.user, appointment_id)
    local = timezone.localtime(appointment.start)
    form = RescheduleForm(
        request.POST or None,
        initial={"day": local.date(), "start_time": local.time(), "chair": appointment.chair_id},
    )
    if request.method == "POST" and form.is_valid():
        start = _aware(form.cleaned_data["day"], form.cleaned_data["start_time"])
        try:
            services.appointment_reschedule(
                appointment=appointment,
                start=start,
                end=start + (appointment.end - appointment.start),
                chair_id=form.cleaned_data["chair"].pk,
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Session rescheduled; the old time is cancelled.")
            return redirect("patient_sessions", patient_id=appointment.patient_id)
    if request.method == "GET":
        _audit_appointment_view(request, appointment)
    return TemplateResponse(
        request, "sessions/reschedule.html", {"appointment": appointment, "form": form}
    )


@allow(Role.COORDINATOR, Role.PSYCHIATRIST)
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_user(request.user, appointment_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Session cancelled; the chair is free again.")
            return redirect("patient_sessions", patient_id=appointment.patient_id)
    if request.method == "GET":
        _audit_appointment_view(request, appointment)
    return TemplateResponse(
        request, "sessions/cancel.html", {"appointment": appointment, "form": form}
    )


def _audit_appointment_view(request: HttpRequest, appointment: Appointment) -> None:
    audit_record(
        action=AuditAction.VIEW,
        patient_id=appointment.patient_id,
        obj=appointment,
    )


@allow(Role.COORDINATOR, Role.NURSE)
@require_POST
def appointment_no_show(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_user(request.user, appointment_id)
    try:
        services.appointment_mark_no_show(appointment=appointment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Recorded as a no-show.")
    return redirect("patient_sessions", patient_id=appointment.patient_id)


# --- Calendars ---------------------------------------------------------------------------------


# The calendars page through ten years either way; a date beyond is a 400, not a day.
CALENDAR_RANGE = dt.timedelta(days=3653)


def _day_param(request: HttpRequest) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return today
    if abs(day - today) > CALENDAR_RANGE:
        raise BadRequest("Choose a date within ten years of today.")
    return day


@allow(*READ_SCHEDULE)
def calendar_day(request: HttpRequest) -> HttpResponse:
    """One column per chair with the day's sessions."""
    day = _day_param(request)
    columns = selectors.day_columns(request.user, day)
    audit_record(
        action=AuditAction.VIEW,
        object_type="calendar.day",
        object_id=day.isoformat(),
    )
    closure = selectors.closure_on(day)
    return TemplateResponse(
        request,
        "sessions/calendar_day.html",
        {
            "day": day,
            "closure": closure,
            "to_move": sum(
                appointment.status == "scheduled"
                for _, appointments in columns
                for appointment in appointments
            )
            if closure
            else 0,
            "columns": columns,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "week_start": day - dt.timedelta(days=day.weekday()),
        },
    )


@allow(*READ_SCHEDULE)
def calendar_week(request: HttpRequest) -> HttpResponse:
    """Monday to Sunday, each day's sessions in order."""
    day = _day_param(request)
    monday = day - dt.timedelta(days=day.weekday())
    days = selectors.week_days(request.user, monday)
    audit_record(
        action=AuditAction.VIEW,
        object_type="calendar.week",
        object_id=monday.isoformat(),
    )
    return TemplateResponse(
        request,
        "sessions/calendar_week.html",
        {
            "monday": monday,
            "days": days,
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
        },
    )


# --- Maintenance boosters ----------------------------------------------------------------------


@allow(Role.COORDINATOR, Role.PSYCHIATRIST)
def boosters_due(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.boosters_due(request.user), 50).get_page(request.GET.get("page"))
    audit_record(action=AuditAction.VIEW, object_type="treatment_sessions.boosters_due")
    return TemplateResponse(
        request,
        "sessions/boosters_due.html",
        {
            "rows": page.object_list,
            "page": page,
            "window": selectors.BOOSTER_WINDOW_DAYS,
            "can_book": request.user.has_role(Role.COORDINATOR),
        },
    )


@allow(Role.COORDINATOR, Role.PSYCHIATRIST)
def eligibility_cancellations(request: HttpRequest) -> HttpResponse:
    """Sessions cancelled because the patient's eligibility changed (last 30 days)."""
    page = Paginator(selectors.eligibility_cancellations(request.user), 50).get_page(
        request.GET.get("page")
    )
    audit_record(
        action=AuditAction.VIEW,
        object_type="treatment_sessions.eligibility_cancellations",
    )
    return TemplateResponse(
        request,
        "sessions/eligibility_cancellations.html",
        {"rows": page.object_list, "page": page, "days": selectors.ELIGIBILITY_CANCELLATION_DAYS},
    )


@allow(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def booster_book(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    plan = selectors.current_plan(patient)
    if plan is None:
        messages.info(request, "The patient has no treatment plan.")
        return redirect("patient_detail", patient_id=patient.pk)
    form = BoosterForm(
        request.POST or None,
        initial={"start_time": dt.time(9), "answering": selectors.open_booster_request_id(patient)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.booster_book(
                answering=form.cleaned_data["answering"],
                patient=patient,
                start=_aware(form.cleaned_data["day"], form.cleaned_data["start_time"]),
                chair_id=form.cleaned_data["chair"].pk,
                nurse_id=form.cleaned_data["nurse"].pk if form.cleaned_data["nurse"] else None,
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Booster booked for {patient.full_name}.")
            return redirect("patient_sessions", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="treatment_sessions.booster_booking",
            object_id=patient.pk,
        )
    return TemplateResponse(
        request, "sessions/booster_book.html", {"patient": patient, "plan": plan, "form": form}
    )


@allow(PATIENT_ROLE)
@require_http_methods(["GET", "POST"])
def booster_request(request: HttpRequest) -> HttpResponse:
    """A patient in maintenance asks for a booster from the portal."""
    return _booster_page(request, own_patient(request.user), done=redirect("home"))


@allow(Role.PSYCHIATRIST)
@require_http_methods(["GET", "POST"])
def booster_order(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A psychiatrist orders an "as needed" booster; coordinators book it."""
    patient = patient_for_user(request.user, patient_id)
    return _booster_page(request, patient, done=redirect("patient_sessions", patient_id=patient.pk))


def _booster_page(request: HttpRequest, patient: Patient, done: HttpResponse) -> HttpResponse:
    form = BoosterRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.booster_request(
                patient=patient, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                "Thank you — the clinic will contact you to book your booster."
                if request.user.is_patient_account
                else "Booster ordered; the coordinators will book it.",
            )
            return done
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="treatment_sessions.booster_request",
            object_id=patient.pk,
        )
    return TemplateResponse(
        request, "sessions/booster_request.html", {"patient": patient, "form": form}
    )


# --- Patient portal ------------------------------------------------------------------------------


@allow(PATIENT_ROLE)
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The patient's upcoming sessions with how to prepare, and a calendar download."""
    patient = own_patient(request.user)
    upcoming = selectors.upcoming_for_patient(patient)
    audit_record(
        action=AuditAction.VIEW,
        patient=patient,
        object_type="portal.sessions",
        object_id=patient.pk,
    )
    plan = selectors.current_plan(patient)
    return TemplateResponse(
        request,
        "sessions/my_sessions.html",
        {
            "patient": patient,
            "upcoming": upcoming,
            "preparation": preparation_for(plan.route) if plan else (),
            "completed": selectors.completed_count(patient),
            "needs_rescreen": patient.journey_state == "maintenance"
            and selectors.patient_needs_rescreen(patient),
        },
    )


@allow(PATIENT_ROLE)
@require_http_methods(["GET", "POST"])
def my_health_check(request: HttpRequest) -> HttpResponse:
    """The short re-screen before a booster after more than 3 months: the medical
    questions of the intake asked again, starting from the patient's last answers."""
    patient = own_patient(request.user)
    latest = selectors.latest_screening_answers(patient)
    form = MedicalHistoryForm(request.POST or None, answers=latest)
    if request.method == "POST" and form.is_valid():
        try:
            screening_rescreen(patient=patient, answers=form.to_answers(), actor=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Thank you — the clinic has your answers.")
            return redirect("my_sessions")
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="portal.health_check",
            object_id=patient.pk,
        )
    return TemplateResponse(request, "sessions/health_check.html", {"form": form})


@allow(PATIENT_ROLE)
def my_sessions_ics(request: HttpRequest) -> HttpResponse:
    patient = own_patient(request.user)
    body = patient_calendar(selectors.upcoming_for_patient(patient), clinic_settings())
    audit_record(
        action=AuditAction.EXPORT,
        patient=patient,
        object_type="portal.sessions_ics",
        object_id=patient.pk,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-sessions.ics"'
    return response


# --- Staff calendar feed ---------------------------------------------------------------------


@allow(*READ_SCHEDULE)
@require_http_methods(["GET", "POST"])
def calendar_subscribe(request: HttpRequest) -> HttpResponse:
    """Create (or replace) and revoke the private feed address for a calendar app."""
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=request.user)
            messages.success(request, "The feed address no longer works.")
            return redirect("calendar_subscribe")
        token = services.calendar_feed_create(actor=request.user)
        new_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    active = request.user.calendar_feeds.filter(revoked_at__isnull=True).first()
    return TemplateResponse(
        request, "sessions/calendar_subscribe.html", {"new_url": new_url, "active": active}
    )


@public
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: sessions the token's owner may see, as initials and times."""
    owner = services.calendar_feed_owner(token)
    if owner is None:
        raise Http404("Unknown or revoked feed.")
    body = staff_feed(selectors.feed_appointments(owner), clinic_settings())
    audit_record(action=AuditAction.EXPORT, user=owner, object_type="calendar.feed")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
