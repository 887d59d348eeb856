"""Reminders about sessions: what booking, rescheduling and cancelling plan and cancel,
the message content of each kind, and the hourly booster / REMS planners. This app
declares its kinds of reminder (`register`).

Messages carry the minimum: first name, clinic name, date and time, a link — never the
route, the drug, a dose, a diagnosis or a score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import timezone

from clinic import zones
from clinic.choices import Role
from clinic.models import ClinicSettings, Reminder, User
from clinic.notifications import kinds, reminders
from clinic.selectors import clinic_settings
from intake.choices import Route
from sessions.calendars import preparation_for
from sessions.models import Appointment, AppointmentStatus, TreatmentSession

# The kinds of reminder this app sends (declared in `register`).
BOOKING_CONFIRMATION = "booking_confirmation"
SESSION_24H = "session_24h"
SESSION_2H = "session_2h"
BOOSTER_DUE = "booster_due"
REMS_FORM_DUE = "rems_form_due"

BEFORE_24H = dt.timedelta(hours=24)
BEFORE_2H = dt.timedelta(hours=2)
BOOSTER_NOTICE = dt.timedelta(days=7)
REMS_AFTER = dt.timedelta(days=5)


def _session_rows(
    appointment: Appointment, *, clinic: ClinicSettings, now: dt.datetime
) -> list[Reminder]:
    rows = []
    for kind, before in (
        (SESSION_24H, BEFORE_24H),
        (SESSION_2H, BEFORE_2H),
    ):
        due = appointment.start - before
        if due > now:
            rows += reminders.patient_rows(
                reminders.Planned(kind, f"appointment:{appointment.pk}", due),
                appointment.patient,
                clinic=clinic,
            )
    return rows


def plan_session_reminders(appointment: Appointment) -> None:
    """The 24 h and 2 h reminders of one future session (no confirmation)."""
    reminders.insert(_session_rows(appointment, clinic=clinic_settings(), now=timezone.now()))


def plan_booking(appointments: Sequence[Appointment], *, cancelled: bool = False) -> None:
    """A confirmation now (one for a whole series), and the 24 h / 2 h reminders of each
    future session, in one insert. Cancelling plans a cancellation notice and cancels what
    is pending."""
    if not appointments:
        return
    clinic = clinic_settings()
    now = timezone.now()
    ids = "-".join(str(a.pk) for a in appointments)
    notice = "cancelled" if cancelled else "booked"
    rows = reminders.patient_rows(
        reminders.Planned(BOOKING_CONFIRMATION, f"{notice}:{ids}", now),
        appointments[0].patient,
        clinic=clinic,
    )
    for appointment in appointments:
        if cancelled:
            reminders.cancel_pending(f"appointment:{appointment.pk}")
        else:
            rows += _session_rows(appointment, clinic=clinic, now=now)
    reminders.insert(rows)


def _when(appointment: Appointment) -> dict[str, Any]:
    """The session's times on its location's clock, and the zone's name after them
    (" PST") when that is not the clinic's: the patient comes to that chair
    (clinic/zones.py). Read with the appointment's chair's location."""
    location = appointment.chair.location
    zone = zones.zone_of(location)
    abbreviation = zones.zone_abbreviation(appointment.start, location)
    return {
        "start": do_timezone(appointment.start, zone),
        "end": do_timezone(appointment.end, zone),
        "zone": f" {abbreviation}" if abbreviation else "",
    }


def _patient_context(reminder: Reminder) -> dict[str, Any]:
    patient = reminder.patient
    return {"first_name": patient.first_name if patient else ""}


def booking_context(reminder: Reminder) -> dict[str, Any] | None:
    subject = reminder.subject
    appointments = list(
        Appointment.objects.select_related("chair__location")
        .filter(pk__in=reminder.subject_ids)
        .order_by("start")
    )
    if not appointments:
        return None
    cancelled = subject.startswith("cancelled:")
    if not cancelled:
        appointments = [a for a in appointments if a.status == AppointmentStatus.SCHEDULED]
        if not appointments:
            return None
    return {
        **_patient_context(reminder),
        "cancelled": cancelled,
        "appointments": [_when(a) for a in appointments],
        "link": settings.SITE_URL + reverse("my_sessions"),
    }


def session_context(reminder: Reminder) -> dict[str, Any] | None:
    appointment = (
        Appointment.objects.select_related("plan", "chair__location")
        .filter(pk__in=reminder.subject_ids)
        .first()
    )
    if appointment is None or appointment.status != AppointmentStatus.SCHEDULED:
        return None
    return {
        **_patient_context(reminder),
        **_when(appointment),
        "preparation": preparation_for(appointment.plan.route),
        "questionnaire_link": settings.SITE_URL + reverse("pre_session_measures"),
        "link": settings.SITE_URL + reverse("my_sessions"),
    }


def booster_context(reminder: Reminder) -> dict[str, Any] | None:
    patient = reminder.patient
    if (
        patient is None
        or Appointment.objects.filter(
            patient=patient,
            kind="booster",
            status=AppointmentStatus.SCHEDULED,
            start__gte=timezone.now(),
        ).exists()
    ):
        return None  # booked meanwhile
    return {
        **_patient_context(reminder),
        "for_staff": reminder.recipient_id is not None,
        "record_number": patient.mrn,
        "link": settings.SITE_URL
        + (reverse("boosters_due") if reminder.recipient_id else reverse("booster_request")),
    }


def rems_context(reminder: Reminder) -> dict[str, Any] | None:
    session = (
        TreatmentSession.objects.select_related("patient")
        .filter(pk__in=reminder.subject_ids)
        .first()
    )
    if session is None or hasattr(session, "rems_submission"):
        return None
    return {
        "record_number": session.patient.mrn,
        "session_day": session.opened_at,
        "link": settings.SITE_URL + reverse("session_rems", args=[session.pk]),
    }


def plan_booster_reminders(now: dt.datetime) -> int:
    """7 days before the next booster is due, when none is booked: the patient and the
    coordinators. Planned once the notice time is near (rows are unique per due date)."""
    from sessions.selectors.scheduling import boosters_due

    coordinators = list(
        User.objects.filter(is_active=True, staff_roles__role=Role.COORDINATOR).distinct()
    )
    if not coordinators:
        return 0
    clinic = clinic_settings()
    planned = 0
    for row in boosters_due(coordinators[0]):
        if row.due is None or row.request is not None:
            continue
        notice = timezone.make_aware(
            dt.datetime.combine(row.due - BOOSTER_NOTICE, dt.time(10)), clinic.zone
        )
        if notice > now + dt.timedelta(hours=1) or notice < now - BOOSTER_NOTICE:
            continue
        planned_row = reminders.Planned(
            BOOSTER_DUE, f"booster:{row.patient.pk}-{row.due:%Y%m%d}", notice
        )
        planned += reminders.plan_for_patient(planned_row, row.patient, clinic=clinic)
        planned += reminders.plan_for_staff(planned_row, coordinators, patient=row.patient)
    return planned


def plan_rems_reminders(now: dt.datetime) -> int:
    """A REMS form still unsubmitted 5 days after the session: the supervising
    psychiatrist (every psychiatrist if none)."""
    planned = 0
    sessions = TreatmentSession.objects.filter(
        route=Route.INTRANASAL_ESKETAMINE,
        discharged_at__isnull=False,
        discharged_at__lte=now - REMS_AFTER,
        discharged_at__gte=now - REMS_AFTER - dt.timedelta(days=2),
        rems_submission__isnull=True,
    ).select_related("supervising_psychiatrist", "patient")
    everyone = list(
        User.objects.filter(is_active=True, staff_roles__role=Role.PSYCHIATRIST).distinct()
    )
    for session in sessions:
        recipients = (
            [session.supervising_psychiatrist] if session.supervising_psychiatrist else everyone
        )
        planned += reminders.plan_for_staff(
            reminders.Planned(
                REMS_FORM_DUE, f"rems:{session.pk}", session.discharged_at + REMS_AFTER
            ),
            recipients,
            patient=session.patient,
        )
    return planned


def _urgent_about(what: str, session: Any, at: Any) -> dict[str, Any]:
    """An urgent message names what happened, the chair, the record number, the time and
    the link: never a value, a drug or a diagnosis."""
    return {
        "what": what,
        "chair": session.appointment.chair.name,
        "record_number": session.patient.mrn,
        "at": at,
        "link": settings.SITE_URL + reverse("session_record", args=[session.pk]),
    }


def _first(model_name: str, reminder: Reminder, **filters: Any) -> Any:
    from django.apps import apps

    model = apps.get_model("treatment_sessions", model_name)
    return (
        model.objects.select_related("session__appointment__chair", "session__patient")
        .filter(pk__in=reminder.subject_ids, **filters)
        .first()
    )


def vital_alert_context(reminder: Reminder) -> dict[str, Any] | None:
    # A reading entered in error before the message went: nothing to tell.
    alert = _first("VitalAlert", reminder, reading__entered_in_error_at__isnull=True)
    if alert is None:
        return None
    return _urgent_about("A critical vital-sign alert", alert.session, alert.recorded_at)


def adverse_event_context(reminder: Reminder) -> dict[str, Any] | None:
    event = _first("AdverseEvent", reminder, entered_in_error_at__isnull=True)
    if event is None:
        return None
    return _urgent_about("A serious adverse event", event.session, event.onset_at)


def reading_in_error_context(reminder: Reminder) -> dict[str, Any] | None:
    reading = _first("VitalReading", reminder, entered_in_error_at__isnull=False)
    if reading is None:
        return None
    return _urgent_about(
        "A reading that raised a critical alert was marked entered in error",
        reading.session,
        reading.entered_in_error_at,
    )


def adverse_event_in_error_context(reminder: Reminder) -> dict[str, Any] | None:
    event = _first("AdverseEvent", reminder, entered_in_error_at__isnull=False)
    if event is None:
        return None
    return _urgent_about(
        "A serious adverse event was marked entered in error",
        event.session,
        event.entered_in_error_at,
    )


def pregnancy_positive_context(reminder: Reminder) -> dict[str, Any] | None:
    from sessions.models import PregnancyTest

    test = (
        PregnancyTest.objects.select_related("session__appointment__chair", "patient")
        .filter(pk__in=reminder.subject_ids)
        .first()
    )
    if test is None or test.session is None:
        return None
    return _urgent_about(
        "A positive pregnancy test stopped a session", test.session, test.recorded_at
    )


def pregnancy_reported_context(reminder: Reminder) -> dict[str, Any] | None:
    from sessions.models import TreatmentSession

    session = (
        TreatmentSession.objects.select_related("appointment__chair", "patient")
        .filter(pk__in=reminder.subject_ids)
        .first()
    )
    if session is None:
        return None
    return _urgent_about(
        "Pregnancy reported at check-in stopped a session", session, reminder.created_at
    )


def register() -> None:
    kinds.define_kind(BOOKING_CONFIRMATION, "Booking confirmation", context=booking_context)
    kinds.define_kind(SESSION_24H, "Session in 24 hours", context=session_context)
    # Two hours before, a text message reads better than an email: SMS alone to a patient
    # who chose both channels.
    kinds.define_kind(SESSION_2H, "Session in 2 hours", context=session_context, prefer_sms=True)
    kinds.define_kind(BOOSTER_DUE, "Booster due", context=booster_context)
    kinds.define_kind(REMS_FORM_DUE, "REMS form due", context=rems_context)
    kinds.register_urgent("vital-alert", vital_alert_context)
    kinds.register_urgent("adverse-event", adverse_event_context)
    kinds.register_urgent("vital-alert-in-error", reading_in_error_context)
    kinds.register_urgent("adverse-event-in-error", adverse_event_in_error_context)
    kinds.register_urgent("pregnancy-positive", pregnancy_positive_context)
    kinds.register_urgent("pregnancy-reported", pregnancy_reported_context)
    reminders.FOLLOWUP_PLANNERS.extend([plan_booster_reminders, plan_rems_reminders])
