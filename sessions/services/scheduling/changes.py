"""Changes to a booked session: reschedule, cancel, no-show, and the cancellations an
eligibility decision makes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.notifications.reminders import cancel_pending
from clinic.policy import require
from clinic.selectors import clinic_settings
from clinic.zones import local, zone_abbreviation
from intake.models import EligibilityDecision
from sessions import reminders as session_reminders
from sessions.booster_rules import RESCREEN_MESSAGE
from sessions.models import Appointment, AppointmentKind, AppointmentStatus
from sessions.models.scheduling import ELIGIBILITY_CANCEL_PREFIX
from sessions.permissions import BOOK_SESSIONS, CANCEL_SESSION, RECORD_NO_SHOW
from sessions.scheduling import gap_problems_in_zones
from sessions.selectors.registration import registration_refusal
from sessions.selectors.scheduling import patient_needs_rescreen
from sessions.services.scheduling.availability import (
    BookingRow,
    as_validation_error,
    booking_problems,
)


def appointment_cancel(*, appointment: Appointment, reason: str, actor: User) -> Appointment:
    """Cancel with a reason; the chair is free again at once."""
    require(actor, CANCEL_SESSION, message="Only coordinators and psychiatrists cancel sessions.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.SCHEDULED:
            raise ValidationError(
                f"Only scheduled sessions can be cancelled (this one is "
                f"{locked.get_status_display().lower()})."
            )
        locked.set_status(AppointmentStatus.CANCELLED, actor=actor, reason=reason)
        audit_record(
            action=AuditAction.UPDATE, user=actor, patient_id=locked.patient_id, obj=locked
        )
        session_reminders.plan_booking([locked], cancelled=True)
    return locked


def appointments_cancel_for_eligibility(
    *, decision: EligibilityDecision, actor: User
) -> list[Appointment]:
    """A `declined` or `more_information` decision cancels the patient's future booked
    sessions and boosters in the decision's own transaction (session-monitoring §1a); the
    patient gets one cancellation notice and coordinators see them in a list."""
    if decision.decision not in ("declined", "more_information"):
        return []
    shown = decision.get_decision_display().lower()
    reason = f"{ELIGIBILITY_CANCEL_PREFIX}: {shown} ({decision.signed_at:%Y-%m-%d})."
    cancelled = []
    future = (
        Appointment.objects.select_for_update()
        .filter(
            patient_id=decision.patient_id,
            status=AppointmentStatus.SCHEDULED,
            start__gt=clock.now(),
        )
        .order_by("start")
    )
    for appointment in future:
        appointment.set_status(AppointmentStatus.CANCELLED, actor=actor, reason=reason)
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=appointment.patient_id,
            obj=appointment,
        )
        cancelled.append(appointment)
    session_reminders.plan_booking(cancelled, cancelled=True)
    return cancelled


def appointment_mark_no_show(*, appointment: Appointment, actor: User) -> Appointment:
    """A person records that the patient did not come (never set automatically)."""
    require(actor, RECORD_NO_SHOW, message="Only coordinators and nurses record a no-show.")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.SCHEDULED or locked.start > clock.now():
            raise ValidationError("Only a scheduled session whose time has come can be a no-show.")
        locked.set_status(AppointmentStatus.NO_SHOW, actor=actor)
        audit_record(
            action=AuditAction.UPDATE, user=actor, patient_id=locked.patient_id, obj=locked
        )
    return locked


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    end: dt.datetime,
    chair_id: int,
    actor: User,
) -> Appointment:
    """Book the new slot first, then cancel the old one, keeping the link between them."""
    require(actor, BOOK_SESSIONS, message="Only coordinators reschedule sessions.")
    _check_new_day(appointment, start)
    try:
        with transaction.atomic():
            problems = booking_problems(
                [BookingRow(start, end, chair_id, appointment.nurse_id)],
                appointment.patient_id,
                ignore={appointment.pk},
            )
            if problems:
                raise _refusal(problems[0], chair_id)
            new = _move(appointment, start=start, end=end, chair_id=chair_id, actor=actor)
    except IntegrityError as error:
        raise as_validation_error(error) from None
    return new


def _refusal(problem: str, chair_id: int) -> ValidationError:
    """Why the new time cannot be booked, under the date; but a location that cannot dose
    at all today (its DEA registration lapsed or missing) refuses any day typed, so that
    is said for the whole form."""
    location = Location.objects.filter(chairs__pk=chair_id).first()
    if location is not None and problem == registration_refusal(
        location, timezone.localdate(clock.now(), location.zone)
    ):
        return ValidationError(problem)
    return ValidationError({"day": problem})


def _check_new_day(appointment: Appointment, start: dt.datetime) -> None:
    """The rules of the new day: only a scheduled session moves, a booster after a long
    gap waits for the re-screen, and an induction session keeps the series' gaps."""
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise ValidationError("Only scheduled sessions can be rescheduled.")
    location = Location.objects.filter(chairs__pk=appointment.chair_id).first()
    if appointment.kind == AppointmentKind.BOOSTER and patient_needs_rescreen(
        appointment.patient, at=start, location=location
    ):
        raise ValidationError({"day": RESCREEN_MESSAGE})
    protocol = appointment.plan.protocol
    siblings = (
        Appointment.objects.filter(
            patient_id=appointment.patient_id,
            plan__patient_id=appointment.patient_id,
            kind=appointment.kind,
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=appointment.pk)
    )
    # Each session's day on the clocks of the locations involved (gap_problems_in_zones).
    here = location.time_zone if location else clinic_settings().time_zone
    others = siblings.values_list("start", "chair__location__time_zone")
    problems = gap_problems_in_zones(
        [*((other, zone or here) for other, zone in others), (start, here)],
        min_days_between=protocol.min_days_between,
        per_week=protocol.per_week,
    )
    if appointment.kind == AppointmentKind.INDUCTION and problems:
        raise ValidationError({"day": " ".join(problems)})


def _wall_clock(start: dt.datetime, chair_id: int) -> str:
    """The new time on its location's clock ("Mon Dec 07 10:00", "… PST" in another zone)."""
    location = Location.objects.filter(chairs__pk=chair_id).first()
    abbreviation = zone_abbreviation(start, location)
    return f"{local(start, location):%a %b %d %H:%M}" + (f" {abbreviation}" if abbreviation else "")


def _move(
    appointment: Appointment, *, start: dt.datetime, end: dt.datetime, chair_id: int, actor: User
) -> Appointment:
    old = Appointment.objects.select_for_update().get(pk=appointment.pk)
    # Cancel first inside the transaction so the new row does not overlap the old one for
    # the same patient; both changes commit together or not at all.
    old.set_status(
        AppointmentStatus.CANCELLED,
        actor=actor,
        reason=f"Rescheduled to {_wall_clock(start, chair_id)}",
    )
    new = Appointment.objects.create(
        patient_id=old.patient_id,
        plan=old.plan,
        kind=old.kind,
        series_number=old.series_number,
        chair_id=chair_id,
        nurse_id=old.nurse_id,
        start=start,
        end=end,
        rescheduled_from=old,
        booked_by=actor,
    )
    audit_record(action=AuditAction.UPDATE, user=actor, patient_id=old.patient_id, obj=new)
    cancel_pending(f"appointment:{old.pk}")
    session_reminders.plan_booking([new])
    return new
