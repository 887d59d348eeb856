"""The treatment floor's lists: the nurse board, today's arrivals, REMS forms due and
records waiting for a co-signature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from clinic import clock
from clinic.models import Location, User
from clinic.policy import patients_visible_to
from clinic.selectors import clinic_settings
from clinic.zones import zone_of
from sessions import monitoring
from sessions.models import (
    Appointment,
    AppointmentStatus,
    RemsSubmission,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.vitals import AlertLevel
from sessions.selectors.session_record import sessions_visible_to, with_urgent_flag
from sessions.selectors.session_state import SessionState, state_of


def board_states(
    now: dt.datetime | None = None, location: Location | None = None
) -> list[SessionState]:
    """Every session in progress on the floor (at `location`'s chairs when given), plus
    any with an unacknowledged critical alert (those stay on the board until
    acknowledged). Constant query count."""
    now = now or clock.now()
    # Two index-only lookups (the partial indexes on open sessions and open alerts)
    # rather than one OR with a sub-select, which PostgreSQL answers with a full scan.
    ids = set(
        TreatmentSession.objects.filter(
            discharged_at__isnull=True, ended_without_dose_at__isnull=True
        ).values_list("pk", flat=True)
    ) | set(
        VitalAlert.objects.filter(
            level=AlertLevel.CRITICAL, acknowledged_at__isnull=True
        ).values_list("session_id", flat=True)
    )
    sessions = TreatmentSession.objects.filter(pk__in=ids)
    if location is not None:
        sessions = sessions.filter(appointment__chair__location=location)
    sessions = (
        with_urgent_flag(sessions)
        .order_by("appointment__chair__name", "appointment__start")
        .select_related("appointment__chair", "appointment__nurse", "patient", "plan__protocol",
                        "dose")
        .prefetch_related(
            Prefetch("readings", queryset=VitalReading.objects.order_by("taken_at", "pk")),
            Prefetch(
                "alerts",
                queryset=VitalAlert.objects.select_related(
                    "reading", "reading__entered_in_error_by"
                ).order_by("recorded_at", "pk"),
            ),
        )
    )  # fmt: skip
    clinic = clinic_settings()
    return [state_of(session, now=now, clinic=clinic, board=True) for session in sessions]


@dataclass(frozen=True)
class RemsDue:
    session: TreatmentSession
    deadline: dt.date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


REMS_WINDOW_DAYS = 7


def rems_forms_due(user: User, location: Location | None = None) -> list[RemsDue]:
    """Esketamine sessions that ended and whose REMS form is not yet recorded as submitted
    (at `location`'s chairs when given: the form names that location's REMS setting),
    the days counted on that location's clock."""
    zone = zone_of(location)
    today = timezone.localdate(clock.now(), zone)
    submitted = RemsSubmission.objects.values("session_id")
    sessions = (
        sessions_visible_to(user)
        .filter(route=monitoring.ESKETAMINE, discharged_at__isnull=False)
        .exclude(pk__in=submitted)
        .filter(**({"appointment__chair__location": location} if location else {}))
        .select_related("patient", "appointment__chair")
        .order_by("discharged_at")
    )
    rows = []
    for session in sessions:
        deadline = timezone.localdate(session.discharged_at, zone) + dt.timedelta(
            days=REMS_WINDOW_DAYS
        )
        rows.append(RemsDue(session, deadline, (deadline - today).days))
    return rows


def arrivals_today(
    user: User, now: dt.datetime | None = None, location: Location | None = None
) -> list[Appointment]:
    """Today's booked appointments not yet checked in (at `location`'s chairs when given),
    for the board's arrivals list."""
    now = now or clock.now()
    zone = zone_of(location)  # today at the location
    day = timezone.localdate(now, zone)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return list(
        Appointment.objects.filter(
            patient__in=patients_visible_to(user),
            status=AppointmentStatus.SCHEDULED,
            start__gte=start,
            start__lt=start + dt.timedelta(days=1),
            **({"chair__location": location} if location else {}),
        )
        .select_related("patient", "chair", "nurse", "plan")
        .order_by("start", "chair__name")
    )


def awaiting_cosign(user: User) -> list[TreatmentSession]:
    """Records the nurse signed and a psychiatrist has yet to co-sign; the user's own
    supervised sessions first, oldest first."""
    sessions = (
        sessions_visible_to(user)
        .filter(nurse_signed_at__isnull=False, cosigned_at__isnull=True)
        .select_related(
            "patient", "appointment__chair", "nurse_signed_by", "supervising_psychiatrist"
        )
        .order_by("nurse_signed_at")
    )
    return sorted(sessions, key=lambda s: s.supervising_psychiatrist_id != user.pk)
