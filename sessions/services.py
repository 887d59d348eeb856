"""State changes of scheduling: booking a series, cancelling, no-shows.

Booking is all or nothing. Overlaps are checked inside the write transaction (enough on
SQLite, which serialises writers); on PostgreSQL the exclusion constraints are the final
word, and a violation becomes the same clear ValidationError, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.models import Chair, User
from sessions.models import Appointment, AppointmentKind, AppointmentStatus, TreatmentPlan

SCHEDULING_ROLES = (Role.COORDINATOR,)

CONSTRAINT_MESSAGES = {
    "appointment_chair_no_overlap": "The chair is already booked at that time.",
    "appointment_patient_no_overlap": "The patient already has an appointment at that time.",
}


@dataclass(frozen=True)
class BookingRow:
    start: dt.datetime  # aware
    end: dt.datetime
    chair_id: int
    nurse_id: int | None = None


def _active() -> Q:
    return ~Q(status=AppointmentStatus.CANCELLED)


def _overlapping(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(start__lt=end, end__gt=start)


def _clinic_time(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%a %b} {local.day} {local:%H:%M}"


def _conflicts(rows: list[BookingRow], patient_id: int, ignore: set[int]) -> dict[int, str]:
    """Row index → what it clashes with (stored bookings, or another row of this request)."""
    problems: dict[int, str] = {}
    chair_names = dict(Chair.objects.values_list("pk", "name"))
    for index, row in enumerate(rows):
        if row.end <= row.start:
            problems[index] = "The end must be after the start."
            continue
        clash = (
            Appointment.objects.filter(_active(), _overlapping(row.start, row.end))
            .exclude(pk__in=ignore)
            .filter(Q(chair_id=row.chair_id) | Q(patient_id=patient_id))
            .order_by("start")
            .first()
        )
        if clash is not None:
            if clash.chair_id == row.chair_id:
                problems[index] = (
                    f"{chair_names.get(row.chair_id, 'The chair')} is already booked "
                    f"{_clinic_time(clash.start)}–{timezone.localtime(clash.end):%H:%M}."
                )
            else:
                problems[index] = (
                    f"The patient already has an appointment at {_clinic_time(clash.start)}."
                )
            continue
        for other_index, other in enumerate(rows[:index]):
            if other.start < row.end and row.start < other.end:
                problems[index] = f"Overlaps session {other_index + 1} of this series."
                break
    return problems


def series_book(
    *, plan: TreatmentPlan, rows: list[BookingRow], actor: User, request: HttpRequest | None
) -> list[Appointment]:
    """Book every session of an induction series in one transaction, or none."""
    if not actor.has_role(*SCHEDULING_ROLES):
        raise PermissionDenied("Only coordinators book sessions.")
    if not rows:
        raise ValidationError("There is nothing to book.")
    try:
        with transaction.atomic():
            problems = _conflicts(rows, plan.patient_id, ignore=set())
            if problems:
                raise ValidationError(
                    {f"row_{index}": message for index, message in problems.items()}
                )
            booked = [
                Appointment.objects.create(
                    patient_id=plan.patient_id,
                    plan=plan,
                    kind=AppointmentKind.INDUCTION,
                    series_number=number,
                    chair_id=row.chair_id,
                    nurse_id=row.nurse_id,
                    start=row.start,
                    end=row.end,
                    booked_by=actor,
                )
                for number, row in enumerate(rows, start=1)
            ]
            audit_record(
                action=AuditAction.CREATE,
                request=request,
                user=actor,
                patient_id=plan.patient_id,
                object_type="treatment_sessions.series",
                object_id=plan.pk,
            )
    except IntegrityError as error:
        raise _as_validation_error(error) from None
    return booked


def _as_validation_error(error: IntegrityError) -> ValidationError:
    text = str(error)
    for constraint, message in CONSTRAINT_MESSAGES.items():
        if constraint in text:
            return ValidationError(
                message + " Someone booked it a moment ago; choose another time."
            )
    raise error


def appointment_cancel(
    *, appointment: Appointment, reason: str, actor: User, request: HttpRequest | None
) -> Appointment:
    """Cancel with a reason; the chair is free again at once."""
    if not actor.has_role(*SCHEDULING_ROLES, Role.PSYCHIATRIST):
        raise PermissionDenied("Only coordinators and psychiatrists cancel sessions.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.SCHEDULED:
            raise ValidationError(
                f"Only scheduled sessions can be cancelled (this one is "
                f"{locked.get_status_display().lower()})."
            )
        locked.status = AppointmentStatus.CANCELLED
        locked.cancel_reason = reason.strip()[:300]
        locked.status_changed_at = timezone.now()
        locked.status_changed_by = actor
        locked.save(
            update_fields=["status", "cancel_reason", "status_changed_at", "status_changed_by"]
        )
        audit_record(
            action=AuditAction.UPDATE,
            request=request,
            user=actor,
            patient_id=locked.patient_id,
            obj=locked,
        )
    return locked


def appointment_mark_no_show(
    *, appointment: Appointment, actor: User, request: HttpRequest | None
) -> Appointment:
    """A person records that the patient did not come (never set automatically)."""
    if not actor.has_role(Role.COORDINATOR, Role.NURSE):
        raise PermissionDenied("Only coordinators and nurses record a no-show.")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.SCHEDULED or locked.start > timezone.now():
            raise ValidationError("Only a scheduled session whose time has come can be a no-show.")
        locked.status = AppointmentStatus.NO_SHOW
        locked.status_changed_at = timezone.now()
        locked.status_changed_by = actor
        locked.save(update_fields=["status", "status_changed_at", "status_changed_by"])
        audit_record(
            action=AuditAction.UPDATE,
            request=request,
            user=actor,
            patient_id=locked.patient_id,
            obj=locked,
        )
    return locked
