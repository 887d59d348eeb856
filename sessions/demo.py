"""Demo plans and appointments for `manage.py seed_demo`: every route mid-series, patients
ready to book, maintenance patients with boosters, a realistic week on the calendar.

Made by the same service calls as the psychiatrist's and the coordinator's clicks, each
at the moment it happened (`clinic.clock.at`): the plan is written two hours after the
eligibility decision, the series is booked an hour later (placed by the real series
proposal), each booster a week before its day. Idempotent: patients that already have a
plan are left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from clinic import clock
from clinic.choices import JourneyState, Role
from clinic.models import Patient, User
from intake.choices import Route
from intake.models import EligibilityDecision
from sessions.models import Appointment, AppointmentKind, Protocol, TreatmentPlan
from sessions.protocols import ensure_default_protocols
from sessions.rems_forms import ensure_rems_form_versions
from sessions.scheduling import SeriesRequest, propose_series
from sessions.selectors.records import safety_settings
from sessions.selectors.scheduling import calendar_facts
from sessions.services.scheduling import (
    BookingRow,
    PlanInput,
    booster_book,
    plan_write,
    series_book,
)

logger = logging.getLogger(__name__)

PROTOCOL_FOR_ROUTE = {
    Route.IV: "iv-standard",
    Route.IM: "im-standard",
    Route.INTRANASAL_ESKETAMINE: "esketamine-induction",
    Route.ORAL: "oral-standard",
}
START_TIMES = [dt.time(8, 30), dt.time(10, 30), dt.time(13), dt.time(15, 30)]
PLANNED_STATES = (
    JourneyState.PLAN,
    JourneyState.INDUCTION,
    JourneyState.MAINTENANCE,
    JourneyState.PAUSED,
    JourneyState.DISCHARGED,
)


def seed_sessions_demo() -> None:
    ensure_default_protocols()
    ensure_rems_form_versions()
    safety_settings()  # the admin's dose-limits page edits this row
    coordinator = _coordinator()
    nurses = list(User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk"))
    if coordinator is None:
        return
    patients = (
        Patient.objects.filter(journey_state__in=PLANNED_STATES, plans__isnull=True)
        .select_related("psychiatrist")
        .order_by("journey_state_since")
    )
    for index, patient in enumerate(patients):
        decision = (
            EligibilityDecision.objects.filter(patient=patient, decision="approved")
            .order_by("-signed_at")
            .first()
        )
        if decision is None:
            continue
        plan = _plan(patient, decision)
        if plan is None or patient.journey_state == JourneyState.PLAN:
            continue  # ready for the coordinator to book
        _series(
            patient,
            plan,
            coordinator,
            nurses,
            START_TIMES[index % len(START_TIMES)],
            stagger=index % 3,
        )


def _coordinator() -> User | None:
    return User.objects.filter(staff_roles__role=Role.COORDINATOR).order_by("pk").first()


def _plan(patient: Patient, decision: EligibilityDecision) -> TreatmentPlan | None:
    """The psychiatrist who approved writes the plan two hours after the decision."""
    route = decision.allowed_routes[0]
    protocol = Protocol.objects.get(code=PROTOCOL_FOR_ROUTE[route])
    esketamine = route == Route.INTRANASAL_ESKETAMINE
    written_at = decision.signed_at + dt.timedelta(hours=2)
    plan = PlanInput(
        route=route,
        protocol=protocol,
        dose_mode="fixed_mg" if esketamine or route == Route.ORAL else "mg_per_kg",
        dose_mg_per_kg=None if esketamine or route == Route.ORAL else Decimal("0.5"),
        dose_mg=Decimal(56) if esketamine else (Decimal(100) if route == Route.ORAL else None),
        infusion_minutes=40 if route == Route.IV else None,
        esketamine_devices=2 if esketamine else None,
        series_length=protocol.default_sessions,
        maintenance_interval_weeks=2 if esketamine else 4,
        rems_patient_id=f"PT-{48000 + patient.pk}" if esketamine else "",
        # Enrolled in the REMS on the day of the decision, before the plan is written.
        rems_enrolled_on=timezone.localdate(decision.signed_at) if esketamine else None,
        extra_measures=("gad7", "pcl5")
        if patient.measures.filter(instrument="pcl5").exists()
        else ("gad7",),
    )
    try:
        with clock.at(written_at):
            return plan_write(patient=patient, plan=plan, actor=decision.signed_by)
    except ValidationError as refusal:
        logger.warning("Demo plan of patient %s refused: %s", patient.pk, refusal.messages)
        return None


def _series(
    patient: Patient,
    plan: TreatmentPlan,
    coordinator: User,
    nurses: list[User],
    start_time: dt.time,
    stagger: int,
) -> None:
    """The coordinator books the series an hour after the plan, as the proposal placed it."""
    if patient.journey_state == JourneyState.INDUCTION:
        first = timezone.localtime(patient.journey_state_since).date()
    else:  # maintenance, paused, discharged: the series is in the past
        weeks_back = plan.protocol.weeks + 2
        first = timezone.localtime(patient.journey_state_since).date() - dt.timedelta(
            weeks=weeks_back
        )
    first += dt.timedelta(days=stagger)  # Mon/Wed, Tue/Thu and Wed/Fri series side by side
    # A nurse who works at the patient's home location (Harbor Point's patients: nurse2).
    there = [n for n in nurses if n.locations.filter(pk=patient.home_location_id).exists()]
    nurses = there or nurses
    nurse = nurses[patient.pk % len(nurses)] if nurses else None
    protocol = plan.protocol
    with clock.at(plan.written_at + dt.timedelta(hours=1)):
        proposal = propose_series(
            SeriesRequest(
                sessions=plan.series_length,
                per_week=protocol.per_week,
                min_days_between=protocol.min_days_between,
                block_minutes=protocol.chair_block_minutes,
                first_date=first,
                preferred_start=start_time,
                nurse=nurse.pk if nurse else None,
            ),
            calendar_facts(
                patient=patient,
                first_date=first,
                nurse=nurse,
                location=patient.home_location,
            ),
        )
        rows = [
            BookingRow(row.start, row.end, row.chair, nurse.pk if nurse else None)
            for row in proposal.rows
            if row.start is not None
        ]
        try:
            series_book(plan=plan, rows=rows, actor=coordinator)
        except ValidationError as refusal:
            logger.warning("Demo series of patient %s refused: %s", patient.pk, refusal.messages)


def _day_before(day: dt.date) -> dt.datetime:
    """Noon, clinic time, of the day before `day`: when a late booking is made."""
    noon = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12))
    return timezone.make_aware(noon)


# Where each maintenance patient's next booster falls, relative to today: due soon, a few
# days overdue, and already booked (so the boosters-due list shows two of the three).
BOOSTER_DUE_OFFSETS = (5, -3, 6)


def maintenance_patients() -> QuerySet[Patient]:
    """The maintenance patients with a plan, in the order the demo gives them boosters."""
    return (
        Patient.objects.filter(journey_state=JourneyState.MAINTENANCE, plans__isnull=False)
        .select_related("psychiatrist")
        .distinct()
        .order_by("journey_state_since", "pk")
    )


def waits_for_benefit_review(index: int) -> bool:
    """The overdue maintenance patient still waits for the end-of-induction benefit review
    (no booster can be booked before it), so Boosters due shows what is asked for."""
    return BOOSTER_DUE_OFFSETS[index % len(BOOSTER_DUE_OFFSETS)] < 0


def seed_booster_history(*, record: Callable[[Appointment], object]) -> None:
    """Each maintenance patient's boosters since the series, booked by the coordinator a
    week before each one, each charted by `record` once it is over; the next one booked
    ahead for one patient in three."""
    coordinator = _coordinator()
    nurses = list(User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk"))
    if coordinator is None:
        return
    for index, patient in enumerate(maintenance_patients()):
        if waits_for_benefit_review(index):
            continue
        if patient.appointments.filter(kind=AppointmentKind.BOOSTER).exists():
            continue
        plan = patient.plans.order_by("-version").first()
        _booster_history(patient, plan, coordinator, nurses, index, record)


def _booster_history(
    patient: Patient,
    plan: TreatmentPlan,
    coordinator: User,
    nurses: list[User],
    index: int,
    record: Callable[[Appointment], object],
) -> None:
    today = timezone.localdate(clock.now())
    interval = dt.timedelta(weeks=plan.maintenance_interval_weeks)
    offset = BOOSTER_DUE_OFFSETS[index % len(BOOSTER_DUE_OFFSETS)]
    next_due = today + dt.timedelta(days=offset)
    last = patient.appointments.order_by("-start").values_list("start", flat=True).first()
    if last is None:
        return
    series_end = timezone.localtime(last).date()
    days = []
    day = next_due - interval
    while day > series_end + dt.timedelta(days=7):
        days.append(day)
        day -= interval
    nurse = nurses[patient.pk % len(nurses)] if nurses else None
    for day in sorted(days):
        booked = _book_booster(patient, plan, coordinator, nurse, day)
        if booked is not None:
            record(booked)
    if offset == BOOSTER_DUE_OFFSETS[2]:
        _book_booster(patient, plan, coordinator, nurse, next_due)


def _book_booster(
    patient: Patient,
    plan: TreatmentPlan,
    coordinator: User,
    nurse: User | None,
    day: dt.date,
) -> Appointment | None:
    """The coordinator books the booster on `day` a week ahead (or now, if that is later)."""
    booked_at = min(clock.now(), _day_before(day) - dt.timedelta(days=6))
    with clock.at(booked_at):
        proposal = propose_series(
            SeriesRequest(
                sessions=1,
                per_week=1,
                min_days_between=0,
                block_minutes=plan.protocol.chair_block_minutes,
                first_date=day,
                preferred_start=dt.time(9),
                nurse=nurse.pk if nurse else None,
            ),
            calendar_facts(
                patient=patient, first_date=day, nurse=nurse, location=patient.home_location
            ),
        )
        row = proposal.rows[0]
        if row.start is None:
            return None
        try:
            return booster_book(
                patient=patient,
                start=row.start,
                chair_id=row.chair,
                nurse_id=nurse.pk if nurse else None,
                actor=coordinator,
            )
        except ValidationError as refusal:
            logger.warning("Demo booster of patient %s refused: %s", patient.pk, refusal.messages)
            return None
