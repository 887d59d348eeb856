"""Reads of the sessions app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from clinic import clock
from clinic.choices import JourneyState
from clinic.context import note_subject
from clinic.hours import closed_days, weekly_hours
from clinic.models import Chair, Location, Patient, User
from clinic.policy import NotVisible, patients_visible_to
from clinic.selectors import clinic_settings
from clinic.zones import local, zone_of
from intake.choices import Route
from intake.measures import PHQ9, change
from intake.models import MeasureContext, MeasureResult, ScreeningResult, ScreeningTrigger
from intake.selectors import latest_decision
from sessions.booster_rules import booster_blocker
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BenefitReview,
    BoosterRequest,
    CalendarFeed,
    TreatmentPlan,
)
from sessions.models.scheduling import ELIGIBILITY_CANCEL_PREFIX
from sessions.scheduling import (
    HORIZON_DAYS,
    CalendarFacts,
    booster_interval_weeks,
    next_booster_due,
    rescreen_needed,
)
from sessions.selectors.rems import rems_missing


def plan_versions(patient: Patient) -> list[TreatmentPlan]:
    return list(
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol", "written_by")
        .order_by("-version")
    )


def current_plan(patient: Patient) -> TreatmentPlan | None:
    return (
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol")
        .order_by("-version")
        .first()
    )


def calendar_facts(
    *,
    patient: Patient,
    first_date: dt.date,
    nurse: User | None,
    exclude: set[int] = frozenset(),
    location: Location | None = None,
) -> CalendarFacts:
    """Everything the series proposal needs to know, read in a fixed number of queries:
    the chairs of `location`, its nurse capacity, its hours and closures (its own and the
    clinic-wide ones), in its time zone. With no location (a clinic not set up yet) there
    are no chairs and no open day."""
    clinic = clinic_settings()
    zone = location.zone if location else clinic.zone
    window_start = dt.datetime.combine(first_date, dt.time.min, tzinfo=zone)
    window_end = window_start + dt.timedelta(days=HORIZON_DAYS + 1)
    active = (
        Appointment.objects.exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk__in=exclude)
        .filter(start__lt=window_end, end__gt=window_start)
        .values_list("chair_id", "patient_id", "nurse_id", "start", "end")
    )
    chair_busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    patient_busy, nurse_busy = [], []
    for chair_id, patient_id, nurse_id, start, end in active:
        chair_busy.setdefault(chair_id, []).append((start, end))
        if patient_id == patient.pk:
            patient_busy.append((start, end))
        if nurse is not None and nurse_id == nurse.pk:
            nurse_busy.append((start, end))
    places = [location.pk] if location else []
    return CalendarFacts(
        time_zone=location.time_zone if location else clinic.time_zone,
        opening_hours=weekly_hours(places).get(location.pk, {}) if location else {},
        closures=(
            closed_days(places, first=first_date, last=window_end.date()).get(location.pk, {})
            if location
            else {}
        ),
        place=location.name if location else "clinic",
        chairs=list(location_chairs(location).values_list("pk", "name")),
        chair_busy=chair_busy,
        patient_busy=patient_busy,
        nurse_busy=nurse_busy,
        nurse_capacity=location.nurse_capacity if location else clinic.nurse_capacity,
        not_before=clock.now(),
    )


def patient_appointments(patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(patient=patient)
        .select_related("chair__location", "nurse", "plan", "rescheduled_from", "treatment_session")
        .order_by("start", "pk")
    )


def appointment_for_user(user: User, pk: int) -> Appointment:
    """One appointment of a patient the user may see, or NotVisible."""
    found = (
        Appointment.objects.filter(patient__in=patients_visible_to(user), pk=pk)
        .select_related("patient", "chair__location", "plan__protocol", "nurse")
        .first()
    )
    if found is None:
        patient_id = Appointment.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        raise NotVisible(
            patient_id=patient_id, object_type="treatment_sessions.appointment", object_id=pk
        )
    note_subject(patient_id=found.patient_id, object_type=found._meta.label_lower, object_id=pk)
    return found


def _day_bounds(day: dt.date, location: Location | None) -> tuple[dt.datetime, dt.datetime]:
    """The day from midnight to midnight on the location's clock."""
    zone = zone_of(location)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def _visible_between(
    user: User, start: dt.datetime, end: dt.datetime, location: Location | None = None
) -> QuerySet[Appointment]:
    """The sessions the user may see between two moments; at `location`'s chairs only
    when given (the calendars follow the location picker; the feed shows them all)."""
    appointments = Appointment.objects.filter(
        patient__in=patients_visible_to(user), start__lt=end, end__gt=start
    )
    if location is not None:
        appointments = appointments.filter(chair__location=location)
    return (
        appointments.exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "chair", "nurse", "plan")
        .order_by("start", "chair__display_order")
    )


def location_chairs(location: Location | None) -> QuerySet[Chair]:
    """The active chairs of a location (of the whole clinic when None)."""
    chairs = Chair.objects.filter(is_active=True)
    return chairs if location is None else chairs.filter(location=location)


def day_columns(
    user: User, day: dt.date, location: Location | None = None
) -> list[tuple[Chair, list[Appointment]]]:
    """One column per active chair of the location, with the day's sessions in it."""
    start, end = _day_bounds(day, location)
    by_chair: dict[int, list[Appointment]] = {}
    for appointment in _visible_between(user, start, end, location):
        by_chair.setdefault(appointment.chair_id, []).append(appointment)
    return [(chair, by_chair.get(chair.pk, [])) for chair in location_chairs(location)]


def week_days(
    user: User, monday: dt.date, location: Location | None = None
) -> list[tuple[dt.date, list[Appointment]]]:
    start, _ = _day_bounds(monday, location)
    _, end = _day_bounds(monday + dt.timedelta(days=6), location)
    by_day: dict[dt.date, list[Appointment]] = {}
    for appointment in _visible_between(user, start, end, location):
        by_day.setdefault(local(appointment.start, location).date(), []).append(appointment)
    return [
        (monday + dt.timedelta(days=offset), by_day.get(monday + dt.timedelta(days=offset), []))
        for offset in range(7)
    ]


@dataclass(frozen=True)
class BoosterDue:
    patient: Patient
    plan: TreatmentPlan | None
    last_session: dt.date | None
    due: dt.date | None
    request: BoosterRequest | None
    review: BenefitReview | None = None
    interval_weeks: int | None = None
    needs_rescreen: bool = False

    @property
    def weekly_label(self) -> str:
        """Esketamine weeks 5–8: weekly whatever the plan's interval (the label)."""
        if self.plan and self.interval_weeks == 1 and self.plan.maintenance_interval_weeks != 1:
            return "Weekly in weeks 5–8 of esketamine (label), then the plan's interval"
        return ""

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < clock.localdate()

    @property
    def blocker(self) -> str | None:
        return booster_blocker(self.review, self.plan, needs_rescreen=self.needs_rescreen)


def _needs_rescreen(
    *,
    last_done: dt.datetime | None,
    last_zone: str | None,
    rescreened_at: dt.datetime | None,
    at: dt.datetime,
    zone: dt.tzinfo,
) -> bool:
    """`rescreen_needed` with each day read on the clock of the booster's location and
    on that of the last session's: needed when it is on either (a zone shift never lets
    a booster through after a gap of more than 3 months without a re-screen)."""
    zones = [zone, *([ZoneInfo(last_zone)] if last_zone else [])]
    return any(
        rescreen_needed(
            last_completed=timezone.localdate(last_done, here) if last_done else None,
            today=timezone.localdate(at, here),
            rescreened_on=timezone.localdate(rescreened_at, here) if rescreened_at else None,
        )
        for here in zones
    )


def patient_needs_rescreen(
    patient: Patient, *, at: dt.datetime | None = None, location: Location | None = None
) -> bool:
    """Whether a booster at `at` (default now) at `location` (default: on the clinic's
    clock) comes after a gap of more than 3 months without a recent re-screen. Two
    queries: the last completed session (with its location's time zone) and the last
    re-screen."""
    last = (
        Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED)
        .order_by("-start")
        .values_list("start", "chair__location__time_zone")
        .first()
    )
    rescreened_at = (
        ScreeningResult.objects.filter(intake__patient=patient, trigger=ScreeningTrigger.RESCREEN)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return _needs_rescreen(
        last_done=last[0] if last else None,
        last_zone=last[1] if last else None,
        rescreened_at=rescreened_at,
        at=at or clock.now(),
        zone=location.zone if location else clinic_settings().zone,
    )


def latest_benefit_review(patient: Patient) -> BenefitReview | None:
    return (
        BenefitReview.objects.filter(patient=patient)
        .select_related("signed_by")
        .order_by("-signed_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Phq9Change:
    baseline: int | None
    latest: int | None
    category: str  # intake.measures.change, or "" when either score is missing


def phq9_change_for(patient: Patient) -> Phq9Change:
    """Baseline (the intake's PHQ-9, else the first) against the latest PHQ-9."""
    scores = list(
        MeasureResult.objects.filter(patient=patient, instrument=PHQ9)
        .order_by("taken_at", "pk")
        .values_list("total", "context")
    )
    if not scores:
        return Phq9Change(None, None, "")
    intake = [total for total, context in scores if context == MeasureContext.INTAKE]
    baseline = intake[-1] if intake else scores[0][0]
    latest = scores[-1][0]
    return Phq9Change(baseline, latest, change(PHQ9, baseline, latest))


BOOSTER_WINDOW_DAYS = 14


def boosters_due(user: User, location: Location | None = None) -> list[BoosterDue]:
    """Maintenance patients whose booster is due within 14 days or overdue and not booked,
    and every open booster request (spec §4). A fixed number of queries.

    With a `location`, the patients that location follows up: those whose home location
    it is, and those without a home location whose last completed session was there. A
    patient seen once at another location for convenience stays on their home
    location's list (where the booster is booked by default)."""
    today = clock.localdate()
    open_requests = BoosterRequest.objects.filter(appointment__isnull=True)
    patients = _booster_candidates(user, open_requests, location)
    plans: dict[int, TreatmentPlan] = {}
    for plan in TreatmentPlan.objects.filter(patient__in=patients).order_by("patient", "-version"):
        plans.setdefault(plan.patient_id, plan)
    requests = {r.patient_id: r for r in open_requests.filter(patient__in=patients)}
    reviews: dict[int, BenefitReview] = {}
    for review in BenefitReview.objects.filter(patient__in=patients).order_by(
        "patient", "-signed_at", "-pk"
    ):
        reviews.setdefault(review.patient_id, review)
    due_list = []
    for patient in patients:
        row = _booster_row(
            patient, plans.get(patient.pk), requests.get(patient.pk), reviews.get(patient.pk), today
        )
        if row is not None:
            due_list.append(row)
    return sorted(due_list, key=lambda row: (row.request is None, row.due or today))


def _followed_up_at(patients: QuerySet[Patient], location: Location | None) -> QuerySet[Patient]:
    """The patients `location` follows up: home there, or no home and last seen there."""
    if location is None:
        return patients
    return patients.annotate(
        last_location=Subquery(
            Appointment.objects.filter(patient=OuterRef("pk"), status=AppointmentStatus.COMPLETED)
            .order_by("-start")
            .values("chair__location_id")[:1]
        )
    ).filter(Q(home_location=location) | Q(home_location__isnull=True, last_location=location.pk))


def _booster_candidates(
    user: User, open_requests: QuerySet[BoosterRequest], location: Location | None = None
) -> list[Patient]:
    """The visible patients in maintenance or with an open request, with the dates the
    booster rules need, sorted by name."""
    now = clock.now()
    patients = list(
        _followed_up_at(patients_visible_to(user), location)
        .filter(
            Q(journey_state=JourneyState.MAINTENANCE) | Q(pk__in=open_requests.values("patient_id"))
        )
        .annotate(
            # A sub-select, not a grouped MAX over every appointment: it runs only for
            # the rows left after the filter below.
            last_done=Subquery(
                Appointment.objects.filter(
                    patient=OuterRef("pk"), status=AppointmentStatus.COMPLETED
                )
                .order_by("-start")
                .values("start")[:1]
            ),
            last_done_zone=Subquery(
                Appointment.objects.filter(
                    patient=OuterRef("pk"), status=AppointmentStatus.COMPLETED
                )
                .order_by("-start")
                .values("chair__location__time_zone")[:1]
            ),
            first_induction=Subquery(
                Appointment.objects.filter(
                    patient=OuterRef("pk"),
                    kind=AppointmentKind.INDUCTION,
                    status=AppointmentStatus.COMPLETED,
                )
                .order_by("start")
                .values("start")[:1]
            ),
            last_rescreen=Subquery(
                ScreeningResult.objects.filter(
                    intake__patient=OuterRef("pk"), trigger=ScreeningTrigger.RESCREEN
                )
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
            booked_ahead=Exists(
                Appointment.objects.filter(
                    patient=OuterRef("pk"), status=AppointmentStatus.SCHEDULED, start__gte=now
                )
            ),
        )
        # A booked booster takes a patient off the list unless they asked for one; doing
        # this in SQL keeps the Python below to the patients who can be due.
        .filter(Q(booked_ahead=False) | Q(pk__in=open_requests.values("patient_id")))
        # Unordered in SQL: ordering by name makes PostgreSQL walk the name index over
        # every patient; the few rows left are sorted here.
        .order_by()
    )
    patients.sort(key=lambda patient: (patient.legal_last_name, patient.pk))
    return patients


def _booster_row(
    patient: Patient,
    plan: TreatmentPlan | None,
    asked: BoosterRequest | None,
    review: BenefitReview | None,
    today: dt.date,
) -> BoosterDue | None:
    """The patient's row when a booster is asked for or due within the window."""
    # The last session's day on its own location's clock; the interval counts from it.
    last_zone = ZoneInfo(patient.last_done_zone) if patient.last_done_zone else None
    last = timezone.localdate(patient.last_done, last_zone) if patient.last_done else None
    due = None
    weeks = None
    if last and plan:
        first = (
            timezone.localtime(patient.first_induction).date() if patient.first_induction else None
        )
        weeks = booster_interval_weeks(
            plan.route, plan.maintenance_interval_weeks, induction_start=first,
            last_completed=last,
        )  # fmt: skip
        due = next_booster_due(last, weeks)
    if patient.booked_ahead and asked is None:
        return None
    if asked is None and (due is None or due > today + dt.timedelta(days=BOOSTER_WINDOW_DAYS)):
        return None
    rescreen = _needs_rescreen(
        last_done=patient.last_done,
        last_zone=patient.last_done_zone,
        rescreened_at=patient.last_rescreen,
        at=clock.now(),
        zone=timezone.get_current_timezone(),
    )
    return BoosterDue(patient, plan, last, due, asked, review, weeks, rescreen)


def open_booster_request_id(patient: Patient) -> int | None:
    """The patient's booster request still waiting to be booked (at most one)."""
    return (
        BoosterRequest.objects.filter(patient=patient, appointment__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


def newest_booster_id(patient: Patient) -> int:
    """The newest booster booked for the patient and not cancelled (its id; 0 for none):
    what a coordinator saw when opening the booking page (see `booster_book`)."""
    return (
        Appointment.objects.filter(patient=patient, kind=AppointmentKind.BOOSTER)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    ) or 0


def upcoming_for_patient(patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.SCHEDULED, end__gte=clock.now()
        )
        .select_related("chair__location", "plan")
        .order_by("start")
    )


def portal_next_session(patient: Patient) -> dict[str, object]:
    """The patient's next booked session, for the portal's next-step sentence."""
    upcoming = (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.SCHEDULED, start__gt=clock.now()
        )
        .order_by("start")
        .values("start", "kind", "chair__location__time_zone")
        .first()
    )
    if upcoming is None:
        return {}
    # On the clock of the location the patient goes to.
    zone = upcoming["chair__location__time_zone"]
    return {
        "next_session_at": timezone.localtime(
            upcoming["start"], ZoneInfo(zone) if zone else clinic_settings().zone
        ),
        "next_session_is_booster": upcoming["kind"] == AppointmentKind.BOOSTER,
    }


def completed_count(patient: Patient) -> int:
    return Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED).count()


def active_feed(user: User) -> CalendarFeed | None:
    """The staff member's feed address still in use (at most one)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_appointments(user: User) -> list[Appointment]:
    """A week back and eight weeks ahead of the sessions this staff member may see."""
    now = clock.now()
    return list(_visible_between(user, now - dt.timedelta(days=7), now + dt.timedelta(weeks=8)))


ELIGIBILITY_CANCELLATION_DAYS = 30


def eligibility_cancellations(user: User) -> QuerySet[Appointment]:
    """Sessions cancelled in the last 30 days because a psychiatrist declined the patient or
    asked for more information (coordinators tell the patient and free the chair plans)."""
    since = clock.now() - dt.timedelta(days=ELIGIBILITY_CANCELLATION_DAYS)
    return (
        Appointment.objects.filter(
            patient__in=patients_visible_to(user),
            status=AppointmentStatus.CANCELLED,
            cancel_reason__startswith=ELIGIBILITY_CANCEL_PREFIX,
            start__gte=since,
        )
        .select_related("patient", "chair__location")
        .order_by("start")
    )


def latest_screening_answers(patient: Patient) -> dict[str, object]:
    answers = (
        ScreeningResult.objects.filter(intake__patient=patient)
        .order_by("-created_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    )
    return answers or {}


def booking_refusal(plan: TreatmentPlan) -> str | None:
    """Why nothing may be booked under this plan (scheduling.md §1): the latest eligibility
    decision is not an approval of its route, or an esketamine plan lacks the patient's
    REMS enrollment or the clinic's certification. The treatment gate checks the same
    again at check-in."""
    decision = latest_decision(plan.patient)
    if decision is None or decision.decision != "approved":
        return (
            "The patient's latest eligibility decision is not an approval: nothing can be booked."
        )
    if plan.route not in decision.allowed_routes:
        return "The eligibility decision does not allow this plan's route."
    if plan.route == Route.INTRANASAL_ESKETAMINE and (missing := rems_missing(plan)):
        return "Esketamine needs " + " and ".join(missing) + " before booking."
    return None


def sessions_booked_on(day: dt.date, location: Location | None) -> list[str]:
    """One line per session still booked on `day` at `location` (every location when
    None: time, chair, record number), for the closure form: what closing that day would
    leave to move."""
    zone = location.zone if location else timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    booked = Appointment.objects.filter(
        start__gte=start,
        start__lt=start + dt.timedelta(days=1),
        status=AppointmentStatus.SCHEDULED,
    )
    if location is not None:
        booked = booked.filter(chair__location=location)
    booked = booked.select_related("chair", "patient").order_by("start")
    return [
        f"{timezone.localtime(a.start, zone):%-I:%M %p} {a.chair.name} ({a.patient.mrn})"
        for a in booked
    ]
