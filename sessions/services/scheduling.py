"""State changes of scheduling: booking a series, cancelling, no-shows.

Booking is all or nothing. Overlaps are checked inside the write transaction (enough on
SQLite, which serialises writers); on PostgreSQL the exclusion constraints are the final
word, and a violation becomes the same clear ValidationError, never a 500.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState, Role, Route
from clinic.models import Chair, Closure, OpeningHours, Patient, User
from clinic.notifications.reminders import cancel_pending
from clinic.selectors import clinic_settings
from clinic.services import patient_move_journey
from intake.models import EligibilityDecision
from sessions import dosing
from sessions import reminders as session_reminders
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BenefitDecision,
    BenefitReview,
    BoosterRequest,
    BoosterRequestSource,
    CalendarFeed,
    DoseMode,
    Protocol,
    TreatmentPlan,
)
from sessions.models.scheduling import ELIGIBILITY_CANCEL_PREFIX
from sessions.scheduling import (
    SERIES_SESSIONS,
    allowed_maintenance_weeks,
    gap_problems,
    slot_problem,
)
from sessions.selectors.records import dose_limits, last_weight
from sessions.selectors.scheduling import (
    RESCREEN_MESSAGE,
    booking_refusal,
    booster_blocker,
    latest_benefit_review,
    open_booster_request_id,
    patient_needs_rescreen,
    phq9_change_for,
)

SCHEDULING_ROLES = (Role.COORDINATOR,)
BOOSTER_REQUEST_BOOKED = "This booster request was booked a moment ago; see the patient's sessions."

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


def _booking_problems(rows: list[BookingRow], patient_id: int, ignore: set[int]) -> dict[int, str]:
    """Row index → why it cannot be booked: every rule of scheduling.md §3 a single slot
    must meet (the clinic's calendar, an active chair, the nurse's capacity, no overlap
    with a stored booking or another row of this request). The one check behind booking a
    series, a booster and a reschedule; the exclusion constraints back the overlaps."""
    problems: dict[int, str] = {}
    clinic = clinic_settings()
    now = timezone.now()
    chair_names = dict(Chair.objects.filter(is_active=True).values_list("pk", "name"))
    opening_hours = {
        hours.weekday: (hours.opens_at, hours.closes_at) for hours in OpeningHours.objects.all()
    }
    days = {timezone.localdate(row.start, clinic.zone) for row in rows if row.end > row.start}
    closures = dict(Closure.objects.filter(date__in=days).values_list("date", "reason"))
    for index, row in enumerate(rows):
        slot = slot_problem(
            row.start,
            row.end,
            now=now,
            time_zone=clinic.time_zone,
            opening_hours=opening_hours,
            closures=closures,
        )
        if slot is not None:
            problems[index] = slot
            continue
        if row.chair_id not in chair_names:
            problems[index] = "Choose an active chair."
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
        if index in problems or row.nurse_id is None:
            continue
        nurse_load = (
            Appointment.objects.filter(
                _active(), _overlapping(row.start, row.end), nurse_id=row.nurse_id
            )
            .exclude(pk__in=ignore)
            .count()
        )
        if nurse_load >= clinic.nurse_capacity:
            problems[index] = (
                f"The nurse already has {nurse_load} sessions at that time (at most "
                f"{clinic.nurse_capacity} at once)."
            )
    return problems


def _lock_patient(patient_id: int) -> None:
    """Take the patient's row lock for the rest of the transaction: two coordinators
    booking for one patient at the same moment are served one after the other, and the
    second sees what the first booked."""
    Patient.objects.select_for_update().filter(pk=patient_id).values_list("pk", flat=True).get()


SERIES_ALREADY_BOOKED = "The induction series is already booked."


def series_book(*, plan: TreatmentPlan, rows: list[BookingRow], actor: User) -> list[Appointment]:
    """Book every session of an induction series in one transaction, or none."""
    if not actor.has_role(*SCHEDULING_ROLES):
        raise PermissionDenied("Only coordinators book sessions.")
    if not rows:
        raise ValidationError("There is nothing to book.")
    refusal = booking_refusal(plan)
    if refusal:
        raise ValidationError(refusal)
    protocol = plan.protocol
    gaps = gap_problems(
        [timezone.localdate(row.start, clinic_settings().zone) for row in rows],
        min_days_between=protocol.min_days_between,
        per_week=protocol.per_week,
    )
    if gaps:
        raise ValidationError(gaps)
    try:
        with transaction.atomic():
            _lock_patient(plan.patient_id)
            if (
                Appointment.objects.filter(_active(), patient_id=plan.patient_id)
                .filter(kind=AppointmentKind.INDUCTION)
                .exists()
            ):
                raise ValidationError(SERIES_ALREADY_BOOKED)
            problems = _booking_problems(rows, plan.patient_id, ignore=set())
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
                user=actor,
                patient_id=plan.patient_id,
                object_type="treatment_sessions.series",
                object_id=plan.pk,
            )
            session_reminders.plan_booking(booked)
            if plan.patient.journey_state == JourneyState.PLAN:
                patient_move_journey(
                    patient=plan.patient,
                    to_state=JourneyState.INDUCTION,
                    actor=actor,
                )
    except IntegrityError as error:
        raise _as_validation_error(error) from None
    return booked


def _as_validation_error(error: IntegrityError) -> ValidationError:
    text = str(error)
    if "appointment_one_induction_series" in text:
        return ValidationError(SERIES_ALREADY_BOOKED)
    for constraint, message in CONSTRAINT_MESSAGES.items():
        if constraint in text:
            return ValidationError(
                message + " Someone booked it a moment ago; choose another time."
            )
    raise error


def appointment_cancel(*, appointment: Appointment, reason: str, actor: User) -> Appointment:
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
        locked.set_status(AppointmentStatus.CANCELLED, actor=actor, reason=reason)
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=locked.patient_id,
            obj=locked,
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
            start__gt=timezone.now(),
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
    if not actor.has_role(Role.COORDINATOR, Role.NURSE):
        raise PermissionDenied("Only coordinators and nurses record a no-show.")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.SCHEDULED or locked.start > timezone.now():
            raise ValidationError("Only a scheduled session whose time has come can be a no-show.")
        locked.set_status(AppointmentStatus.NO_SHOW, actor=actor)
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=locked.patient_id,
            obj=locked,
        )
    return locked


# --- Treatment plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    route: str
    protocol: Protocol
    dose_mode: str
    dose_mg_per_kg: Decimal | None
    dose_mg: Decimal | None
    infusion_minutes: int | None
    esketamine_devices: int | None
    series_length: int
    maintenance_interval_weeks: int
    rems_patient_id: str = ""
    rems_enrolled_on: dt.date | None = None
    notes: str = ""
    extra_measures: tuple[str, ...] = ()


def plan_dose_problems(
    plan: PlanInput, *, weight_kg: Decimal | None, limits: dosing.DoseLimits
) -> dict[str, str]:
    """The dose order checked by `sessions.dosing` exactly as a dose would be (the same
    rules as the amendment and the dose record), each refusal next to its field."""
    esketamine = plan.route == Route.INTRANASAL_ESKETAMINE
    by_weight = not esketamine and plan.dose_mode == DoseMode.MG_PER_KG
    field = "esketamine_devices" if esketamine else ("dose_mg_per_kg" if by_weight else "dose_mg")
    given = {
        "esketamine_devices": plan.esketamine_devices,
        "dose_mg_per_kg": plan.dose_mg_per_kg,
        "dose_mg": plan.dose_mg,
    }[field]
    problems: dict[str, str] = {}
    if given is None or given <= 0:
        problems[field] = "Give the dose order."
    if plan.route == Route.IV and not plan.infusion_minutes:
        problems["infusion_minutes"] = "Give the infusion time in minutes."
    if problems:
        return problems
    check = dosing.order_check(
        route=plan.route,
        mg_per_kg=plan.dose_mg_per_kg if by_weight else None,
        mg=plan.dose_mg if not by_weight and not esketamine else None,
        devices=plan.esketamine_devices if esketamine else None,
        infusion_minutes=plan.infusion_minutes if plan.route == Route.IV else None,
        weight_kg=weight_kg,
        limits=limits,
    )
    for issue in check.refusals:
        target = "infusion_minutes" if issue.code.startswith("INFUSION") else field
        problems[target] = (
            f"{problems[target]} {issue.message}" if target in problems else (issue.message)
        )
    return problems


def plan_problems(
    plan: PlanInput,
    *,
    allowed_routes: list[str],
    clinic_rems: bool,
    weight_kg: Decimal | None = None,
    limits: dosing.DoseLimits | None = None,
) -> dict[str, str]:
    """Every reason the plan cannot be written, keyed by the field to show it next to."""
    problems: dict[str, str] = {}
    if plan.route not in allowed_routes:
        problems["route"] = "The eligibility decision does not allow this route."
    if plan.protocol.route != plan.route:
        problems["protocol"] = "This protocol is for another route."
    if plan.series_length not in SERIES_SESSIONS:
        problems["series_length"] = "A series has 6 to 8 sessions."
    if plan.maintenance_interval_weeks not in allowed_maintenance_weeks(plan.route):
        allowed = allowed_maintenance_weeks(plan.route)
        problems["maintenance_interval_weeks"] = (
            f"For this route the interval is {allowed[0]}–{allowed[-1]} weeks."
        )
    if plan.route == Route.INTRANASAL_ESKETAMINE:
        missing = []
        if not plan.rems_patient_id.strip() or plan.rems_enrolled_on is None:
            missing.append("the patient's REMS enrollment (id and date)")
        if not clinic_rems:
            missing.append("the clinic's REMS certification (admin → Clinic settings)")
        if missing:
            problems["rems_patient_id"] = "Esketamine needs " + " and ".join(missing) + "."
    problems.update(
        plan_dose_problems(plan, weight_kg=weight_kg, limits=limits or dosing.DoseLimits())
    )
    return problems


def plan_write(*, patient: Patient, plan: PlanInput, actor: User) -> TreatmentPlan:
    """Write the next version of the patient's plan (the first one moves them to "plan")."""
    if not actor.has_role(Role.PSYCHIATRIST):
        raise PermissionDenied("Only psychiatrists write treatment plans.")
    from intake.selectors import latest_decision

    decision = latest_decision(patient)
    if decision is None or decision.decision != "approved":
        raise ValidationError("The patient needs an approved eligibility decision first.")
    clinic = clinic_settings()
    problems = plan_problems(
        plan,
        allowed_routes=decision.allowed_routes,
        clinic_rems=bool(clinic.rems_certification_id and clinic.rems_certified_on),
        weight_kg=last_weight(patient.pk),
        limits=dose_limits(),
    )
    if problems:
        raise ValidationError(problems)
    esketamine = plan.route == Route.INTRANASAL_ESKETAMINE
    with transaction.atomic():
        last = (
            TreatmentPlan.objects.select_for_update()
            .filter(patient=patient)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        written = TreatmentPlan.objects.create(
            patient=patient,
            version=(last or 0) + 1,
            route=plan.route,
            protocol=plan.protocol,
            dose_mode=DoseMode.FIXED_MG if esketamine else plan.dose_mode,
            dose_mg_per_kg=None
            if esketamine or plan.dose_mode == DoseMode.FIXED_MG
            else plan.dose_mg_per_kg,
            dose_mg=Decimal(28 * plan.esketamine_devices)
            if esketamine
            else (plan.dose_mg if plan.dose_mode == DoseMode.FIXED_MG else None),
            infusion_minutes=plan.infusion_minutes if plan.route == Route.IV else None,
            esketamine_devices=plan.esketamine_devices if esketamine else None,
            series_length=plan.series_length,
            maintenance_interval_weeks=plan.maintenance_interval_weeks,
            rems_patient_id=plan.rems_patient_id.strip() if esketamine else "",
            rems_enrolled_on=plan.rems_enrolled_on if esketamine else None,
            notes=plan.notes.strip(),
            extra_measures=[m for m in ("gad7", "pcl5") if m in plan.extra_measures],
            written_by=actor,
        )
        if patient.journey_state == JourneyState.ELIGIBLE:
            patient_move_journey(patient=patient, to_state=JourneyState.PLAN, actor=actor)
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=written)
    return written


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    end: dt.datetime,
    chair_id: int,
    actor: User,
) -> Appointment:
    """Book the new slot first, then cancel the old one, keeping the link between them."""
    if not actor.has_role(*SCHEDULING_ROLES):
        raise PermissionDenied("Only coordinators reschedule sessions.")
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise ValidationError("Only scheduled sessions can be rescheduled.")
    if appointment.kind == AppointmentKind.BOOSTER and patient_needs_rescreen(
        appointment.patient, on=timezone.localdate(start, clinic_settings().zone)
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
    days = [timezone.localtime(other.start).date() for other in siblings]
    problems = gap_problems(
        [*days, timezone.localtime(start).date()],
        min_days_between=protocol.min_days_between,
        per_week=protocol.per_week,
    )
    if appointment.kind == AppointmentKind.INDUCTION and problems:
        raise ValidationError({"day": " ".join(problems)})
    try:
        with transaction.atomic():
            problems_by_row = _booking_problems(
                [BookingRow(start, end, chair_id, appointment.nurse_id)],
                appointment.patient_id,
                ignore={appointment.pk},
            )
            if problems_by_row:
                raise ValidationError({"day": problems_by_row[0]})
            old = Appointment.objects.select_for_update().get(pk=appointment.pk)
            # Cancel first inside the transaction so the new row does not overlap the old
            # one for the same patient; both changes commit together or not at all.
            old.set_status(
                AppointmentStatus.CANCELLED,
                actor=actor,
                reason=f"Rescheduled to {timezone.localtime(start):%a %b %d %H:%M}",
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
            audit_record(
                action=AuditAction.UPDATE,
                user=actor,
                patient_id=old.patient_id,
                obj=new,
            )
            cancel_pending(f"appointment:{old.pk}")
            session_reminders.plan_booking([new])
    except IntegrityError as error:
        raise _as_validation_error(error) from None
    return new


# --- Maintenance boosters ------------------------------------------------------------------


def booster_request(*, patient: Patient, actor: User, note: str) -> BoosterRequest:
    """The patient asks for a booster, or a psychiatrist orders one; coordinators book it."""
    if actor.is_patient_account:
        if patient.user_id != actor.pk:
            raise PermissionDenied("Patients request boosters for themselves only.")
        source = BoosterRequestSource.PATIENT
    elif actor.has_role(Role.PSYCHIATRIST):
        source = BoosterRequestSource.PSYCHIATRIST
    else:
        raise PermissionDenied("Only the patient or a psychiatrist asks for a booster.")
    if patient.journey_state != JourneyState.MAINTENANCE:
        raise ValidationError(
            {"note": "Boosters follow the induction series: they are for patients in maintenance."}
        )
    with transaction.atomic():
        _lock_patient(patient.pk)
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
) -> Appointment:
    """Book one maintenance booster under the current plan; it answers the open request.

    `answering` is the open request the coordinator saw (default: the one open when the
    call starts); once another booking has answered it, this one is refused, so one
    request is booked once."""
    if not actor.has_role(*SCHEDULING_ROLES):
        raise PermissionDenied("Only coordinators book sessions.")
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
            patient, on=timezone.localdate(start, clinic_settings().zone)
        ),
    )
    if blocker:
        raise ValidationError(blocker)
    end = start + dt.timedelta(minutes=plan.protocol.chair_block_minutes)
    if answering is None:
        answering = open_booster_request_id(patient)
    try:
        with transaction.atomic():
            _lock_patient(patient.pk)
            if (
                answering is not None
                and not BoosterRequest.objects.filter(
                    pk=answering, patient=patient, appointment__isnull=True
                ).exists()
            ):
                raise ValidationError(BOOSTER_REQUEST_BOOKED)
            problems = _booking_problems(
                [BookingRow(start, end, chair_id, nurse_id)], patient.pk, ignore=set()
            )
            if problems:
                raise ValidationError({"day": problems[0]})
            booked = Appointment.objects.create(
                patient=patient,
                plan=plan,
                kind=AppointmentKind.BOOSTER,
                chair_id=chair_id,
                nurse_id=nurse_id,
                start=start,
                end=end,
                booked_by=actor,
            )
            BoosterRequest.objects.filter(patient=patient, appointment__isnull=True).update(
                appointment=booked
            )
            audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=booked)
            session_reminders.plan_booking([booked])
    except IntegrityError as error:
        raise _as_validation_error(error) from None
    return booked


def benefit_review_record(
    *, patient: Patient, decision: str, note: str, actor: User
) -> BenefitReview:
    """The psychiatrist's end-of-induction benefit review: the PHQ-9 change category (from
    the scores on file) and continue / change route / stop, before the first booster."""
    if not actor.has_role(Role.PSYCHIATRIST):
        raise PermissionDenied("Only psychiatrists record the benefit review.")
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


# --- Staff calendar feed ---------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, actor: User) -> str:
    """A new private feed token for this staff member (older ones are revoked)."""
    if actor.is_patient_account:
        raise PermissionDenied("Calendar feeds are for staff.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        CalendarFeed.objects.create(user=actor, token_hash=_token_hash(token))
    return token


def calendar_feed_revoke(*, actor: User) -> int:
    return CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_owner(token: str) -> User | None:
    """The active staff member behind a feed token, or None (unknown, revoked, disabled)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user
