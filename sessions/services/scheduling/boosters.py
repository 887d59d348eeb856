"""Maintenance boosters: the benefit review before the first, asking for one, booking one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.models import Location, Patient, User
from clinic.policy import may, require
from sessions import reminders as session_reminders
from sessions.booster_rules import booster_blocker
from sessions.models import (
    Appointment,
    AppointmentKind,
    BenefitDecision,
    BenefitReview,
    BoosterRequest,
    BoosterRequestSource,
    TreatmentPlan,
)
from sessions.permissions import BOOK_SESSIONS, ORDER_BOOSTER, REQUEST_BOOSTER, REVIEW_BENEFIT
from sessions.selectors.scheduling import (
    booking_refusal,
    latest_benefit_review,
    newest_booster_id,
    open_booster_request_id,
    patient_needs_rescreen,
    phq9_change_for,
)
from sessions.services.scheduling.availability import (
    BookingRow,
    as_validation_error,
    booking_problems,
    lock_patient,
)
from sessions.services.scheduling.series import ONLY_COORDINATORS_BOOK

BOOSTER_REQUEST_BOOKED = "This booster request was booked a moment ago; see the patient's sessions."
BOOSTER_BOOKED_MEANWHILE = (
    "Another booster was booked for this patient a moment ago; see the patient's sessions."
)


def booster_request(*, patient: Patient, actor: User, note: str) -> BoosterRequest:
    """The patient asks for a booster, or a psychiatrist orders one; coordinators book it."""
    if actor.is_patient_account:
        if not may(actor, REQUEST_BOOSTER, patient=patient):
            raise PermissionDenied("Patients request boosters for themselves only.")
        source = BoosterRequestSource.PATIENT
    else:
        require(
            actor, ORDER_BOOSTER, message="Only the patient or a psychiatrist asks for a booster."
        )
        source = BoosterRequestSource.PSYCHIATRIST
    if patient.journey_state != JourneyState.MAINTENANCE:
        raise ValidationError(
            {"note": "Boosters follow the induction series: they are for patients in maintenance."}
        )
    with transaction.atomic():
        lock_patient(patient.pk)
        if BoosterRequest.objects.filter(patient=patient, appointment__isnull=True).exists():
            raise ValidationError("A booster request is already waiting to be booked.")
        made = BoosterRequest.objects.create(
            patient=patient, source=source, note=note.strip()[:500], created_by=actor
        )
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=made)
    return made


def booster_book(
    *,
    patient: Patient,
    start: dt.datetime,
    chair_id: int,
    nurse_id: int | None,
    actor: User,
    answering: int | None = None,
    seen_booster: int | None = None,
) -> Appointment:
    """Book one maintenance booster under the current plan; it answers the open request.

    `answering` is the open request the coordinator saw (default: the one open when the
    call starts); once another booking has answered it, this one is refused, so one
    request is booked once. A booster that answers no request is refused the same way
    when another booster was booked after the newest one the coordinator saw
    (`seen_booster`, default: the newest when the call starts), so two coordinators (or
    two tabs) booking the same patient's booster book it once."""
    require(actor, BOOK_SESSIONS, message=ONLY_COORDINATORS_BOOK)
    plan = (
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol")
        .order_by("-version")
        .first()
    )
    if plan is None:
        raise ValidationError("The patient has no treatment plan.")
    blocker = booking_refusal(plan) or booster_blocker(
        latest_benefit_review(patient),
        plan,
        needs_rescreen=patient_needs_rescreen(
            patient, at=start, location=Location.objects.filter(chairs__pk=chair_id).first()
        ),
    )
    if blocker:
        raise ValidationError(blocker)
    row = BookingRow(
        start, start + dt.timedelta(minutes=plan.protocol.chair_block_minutes), chair_id, nurse_id
    )
    if answering is None:
        answering = open_booster_request_id(patient)
    if seen_booster is None:
        seen_booster = newest_booster_id(patient)
    try:
        with transaction.atomic():
            lock_patient(patient.pk)
            _refuse_if_booked_meanwhile(patient, answering=answering, seen_booster=seen_booster)
            booked = _book_booster(patient, plan, row, actor=actor)
    except IntegrityError as error:
        raise as_validation_error(error) from None
    return booked


def _refuse_if_booked_meanwhile(
    patient: Patient, *, answering: int | None, seen_booster: int
) -> None:
    """Under the patient's lock: the request was answered, or (no request) a booster was
    booked, since the coordinator looked."""
    if answering is not None:
        if not BoosterRequest.objects.filter(
            pk=answering, patient=patient, appointment__isnull=True
        ).exists():
            raise ValidationError(BOOSTER_REQUEST_BOOKED)
    elif newest_booster_id(patient) > seen_booster:
        raise ValidationError(BOOSTER_BOOKED_MEANWHILE)


def _book_booster(
    patient: Patient, plan: TreatmentPlan, row: BookingRow, *, actor: User
) -> Appointment:
    problems = booking_problems([row], patient.pk, ignore=set())
    if problems:
        raise ValidationError({"day": problems[0]})
    booked = Appointment.objects.create(
        patient=patient,
        plan=plan,
        kind=AppointmentKind.BOOSTER,
        chair_id=row.chair_id,
        nurse_id=row.nurse_id,
        start=row.start,
        end=row.end,
        booked_by=actor,
    )
    BoosterRequest.objects.filter(patient=patient, appointment__isnull=True).update(
        appointment=booked
    )
    audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=booked)
    session_reminders.plan_booking([booked])
    return booked


def benefit_review_record(
    *, patient: Patient, decision: str, note: str, actor: User
) -> BenefitReview:
    """The psychiatrist's end-of-induction benefit review: the PHQ-9 change category (from
    the scores on file) and continue / change route / stop, before the first booster."""
    require(actor, REVIEW_BENEFIT, message="Only psychiatrists record the benefit review.")
    errors = {}
    if decision not in BenefitDecision.values:
        errors["decision"] = "Choose continue, change route or stop."
    if len(note.strip()) < 10:
        errors["note"] = "Write what the review found (at least 10 characters)."
    plan = TreatmentPlan.objects.filter(patient=patient).order_by("-version").first()
    if plan is None:
        errors["__all__"] = "The patient has no treatment plan."
    if errors:
        raise ValidationError(errors)
    phq9 = phq9_change_for(patient)
    with transaction.atomic():
        review = BenefitReview.objects.create(
            patient=patient,
            plan=plan,
            phq9_baseline=phq9.baseline,
            phq9_latest=phq9.latest,
            phq9_change=phq9.category,
            decision=decision,
            note=note.strip(),
            signed_by=actor,
        )
        audit_record(action=AuditAction.SIGN, user=actor, patient=patient, obj=review)
    return review
