"""Booking an induction series: every session in one transaction, or none."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.models import User
from clinic.policy import require
from clinic.selectors import clinic_settings
from clinic.services import patient_move_journey
from sessions import reminders as session_reminders
from sessions.models import Appointment, AppointmentKind, TreatmentPlan
from sessions.permissions import BOOK_SESSIONS
from sessions.scheduling import gap_problems_in_zones
from sessions.selectors.scheduling import booking_refusal
from sessions.services.scheduling.availability import (
    SERIES_ALREADY_BOOKED,
    BookingRow,
    active,
    as_validation_error,
    booking_problems,
    chair_time_zones,
    lock_patient,
)

ONLY_COORDINATORS_BOOK = "Only coordinators book sessions."


def series_book(*, plan: TreatmentPlan, rows: list[BookingRow], actor: User) -> list[Appointment]:
    """Book every session of an induction series in one transaction, or none.

    Refused (ValidationError) when the plan may not be booked, the days break the
    protocol's gaps, the series is already booked, or a row's slot is taken (keyed
    `row_<index>`)."""
    require(actor, BOOK_SESSIONS, message=ONLY_COORDINATORS_BOOK)
    if not rows:
        raise ValidationError("There is nothing to book.")
    refusal = booking_refusal(plan)
    if refusal:
        raise ValidationError(refusal)
    protocol = plan.protocol
    zones = chair_time_zones({row.chair_id for row in rows})
    gaps = gap_problems_in_zones(
        [(row.start, zones.get(row.chair_id, clinic_settings().time_zone)) for row in rows],
        min_days_between=protocol.min_days_between,
        per_week=protocol.per_week,
    )
    if gaps:
        raise ValidationError(gaps)
    try:
        with transaction.atomic():
            booked = _book_rows(plan, rows, actor)
    except IntegrityError as error:
        raise as_validation_error(error) from None
    return booked


def _book_rows(plan: TreatmentPlan, rows: list[BookingRow], actor: User) -> list[Appointment]:
    lock_patient(plan.patient_id)
    if (
        Appointment.objects.filter(active(), patient_id=plan.patient_id)
        .filter(kind=AppointmentKind.INDUCTION)
        .exists()
    ):
        raise ValidationError(SERIES_ALREADY_BOOKED)
    problems = booking_problems(rows, plan.patient_id, ignore=set())
    if problems:
        raise ValidationError({f"row_{index}": message for index, message in problems.items()})
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
        user=actor,
        patient_id=plan.patient_id,
        object_type="treatment_sessions.series",
        object_id=plan.pk,
    )
    session_reminders.plan_booking(booked)
    if plan.patient.journey_state == JourneyState.PLAN:
        patient_move_journey(patient=plan.patient, to_state=JourneyState.INDUCTION, actor=actor)
    return booked
