"""Demo plans and appointments for `manage.py seed_demo`: every route mid-series, patients
ready to book, maintenance patients with boosters, a realistic week on the calendar.

Placement goes through the real series proposal, so the demo obeys the same rules as
staff bookings. Idempotent: patients that already have a plan are left alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from clinic.choices import JourneyState, Role
from clinic.models import Patient, User
from intake.choices import Route
from intake.models import EligibilityDecision
from sessions.models import Appointment, AppointmentStatus, Protocol, TreatmentPlan
from sessions.protocols import ensure_default_protocols
from sessions.rems_forms import ensure_rems_form_versions
from sessions.scheduling import SeriesRequest, propose_series
from sessions.selectors.records import safety_settings
from sessions.selectors.scheduling import calendar_facts

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
    coordinator = User.objects.filter(staff_roles__role=Role.COORDINATOR).order_by("pk").first()
    nurses = list(User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk"))
    if coordinator is None:
        return
    patients = (
        Patient.objects.filter(journey_state__in=PLANNED_STATES, plans__isnull=True)
        .select_related("psychiatrist")
        .order_by("journey_state_since")
    )
    maintenance_index = 0
    for index, patient in enumerate(patients):
        decision = (
            EligibilityDecision.objects.filter(patient=patient, decision="approved")
            .order_by("-signed_at")
            .first()
        )
        if decision is None:
            continue
        plan = _plan(patient, decision)
        if patient.journey_state == JourneyState.PLAN:
            continue  # ready for the coordinator to book
        _series(
            patient,
            plan,
            coordinator,
            nurses,
            START_TIMES[index % len(START_TIMES)],
            stagger=index % 3,
        )
        if patient.journey_state == JourneyState.MAINTENANCE:
            _booster_history(patient, plan, coordinator, nurses, maintenance_index)
            maintenance_index += 1


def _plan(patient: Patient, decision: EligibilityDecision) -> TreatmentPlan:
    route = decision.allowed_routes[0]
    protocol = Protocol.objects.get(code=PROTOCOL_FOR_ROUTE[route])
    esketamine = route == Route.INTRANASAL_ESKETAMINE
    return TreatmentPlan.objects.create(
        patient=patient,
        version=1,
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
        rems_enrolled_on=(decision.signed_at + dt.timedelta(days=1)).date() if esketamine else None,
        extra_measures=["gad7", "pcl5"]
        if patient.measures.filter(instrument="pcl5").exists()
        else ["gad7"],
        written_by=decision.signed_by,
        written_at=decision.signed_at + dt.timedelta(hours=2),
    )


def _series(
    patient: Patient,
    plan: TreatmentPlan,
    coordinator: User,
    nurses: list[User],
    start_time: dt.time,
    stagger: int,
) -> None:
    now = timezone.now()
    if patient.journey_state == JourneyState.INDUCTION:
        first = timezone.localtime(patient.journey_state_since).date()
    else:  # maintenance, paused, discharged: the series is in the past
        weeks_back = plan.protocol.weeks + 2
        first = timezone.localtime(patient.journey_state_since).date() - dt.timedelta(
            weeks=weeks_back
        )
    first += dt.timedelta(days=stagger)  # Mon/Wed, Tue/Thu and Wed/Fri series side by side
    nurse = nurses[patient.pk % len(nurses)] if nurses else None
    protocol = plan.protocol
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
        calendar_facts(patient=patient, first_date=first, nurse=nurse),
    )
    for row in proposal.rows:
        if row.start is None:
            continue
        Appointment.objects.create(
            patient=patient,
            plan=plan,
            kind="induction",
            series_number=row.number,
            chair_id=row.chair,
            nurse=nurse,
            start=row.start,
            end=row.end,
            status=AppointmentStatus.COMPLETED if row.end < now else AppointmentStatus.SCHEDULED,
            booked_by=coordinator,
            booked_at=plan.written_at + dt.timedelta(hours=1),
        )


# Where each maintenance patient's next booster falls, relative to today: due soon, a few
# days overdue, and already booked (so the boosters-due list shows two of the three).
BOOSTER_DUE_OFFSETS = (5, -3, 6)


def _booster_history(
    patient: Patient, plan: TreatmentPlan, coordinator: User, nurses: list[User], index: int
) -> None:
    today = timezone.localdate()
    interval = dt.timedelta(weeks=plan.maintenance_interval_weeks)
    offset = BOOSTER_DUE_OFFSETS[index % len(BOOSTER_DUE_OFFSETS)]
    next_due = today + dt.timedelta(days=offset)
    series_end = timezone.localtime(
        patient.appointments.order_by("-start").values_list("start", flat=True).first()
    ).date()
    days = []
    day = next_due - interval
    while day > series_end + dt.timedelta(days=7):
        days.append(day)
        day -= interval
    nurse = nurses[patient.pk % len(nurses)] if nurses else None
    for day in sorted(days):
        _place_booster(patient, plan, coordinator, nurse, day, AppointmentStatus.COMPLETED)
    if offset == BOOSTER_DUE_OFFSETS[2]:
        _place_booster(patient, plan, coordinator, nurse, next_due, AppointmentStatus.SCHEDULED)


def _place_booster(
    patient: Patient,
    plan: TreatmentPlan,
    coordinator: User,
    nurse: User | None,
    day: dt.date,
    status: str,
) -> None:
    protocol = plan.protocol
    proposal = propose_series(
        SeriesRequest(
            sessions=1,
            per_week=1,
            min_days_between=0,
            block_minutes=protocol.chair_block_minutes,
            first_date=day,
            preferred_start=dt.time(9),
            nurse=nurse.pk if nurse else None,
        ),
        calendar_facts(patient=patient, first_date=day, nurse=nurse),
    )
    row = proposal.rows[0]
    if row.start is not None:
        Appointment.objects.create(
            patient=patient,
            plan=plan,
            kind="booster",
            chair_id=row.chair,
            nurse=nurse,
            start=row.start,
            end=row.end,
            status=status,
            booked_by=coordinator,
        )
