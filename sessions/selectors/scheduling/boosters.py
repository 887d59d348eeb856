"""Boosters: the patients due one (the Boosters due list), and a patient's open and
newest booster requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from clinic import clock
from clinic.choices import JourneyState
from clinic.models import Location, Patient, User
from clinic.policy import patients_visible_to
from intake.models import ScreeningResult, ScreeningTrigger
from sessions.booster_rules import booster_blocker
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BenefitReview,
    BoosterRequest,
    TreatmentPlan,
)
from sessions.scheduling import (
    booster_interval_weeks,
    next_booster_due,
)
from sessions.selectors.scheduling.reviews import rescreen_needed_on_either_clock


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
        last_location=Subquery(_last_completed().values("chair__location_id")[:1])
    ).filter(Q(home_location=location) | Q(home_location__isnull=True, last_location=location.pk))


def _last_completed() -> QuerySet[Appointment]:
    """The outer patient's completed sessions, newest first (for a sub-select)."""
    return Appointment.objects.filter(
        patient=OuterRef("pk"), status=AppointmentStatus.COMPLETED
    ).order_by("-start")


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
            last_done=Subquery(_last_completed().values("start")[:1]),
            last_done_zone=Subquery(_last_completed().values("chair__location__time_zone")[:1]),
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
    rescreen = rescreen_needed_on_either_clock(
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
