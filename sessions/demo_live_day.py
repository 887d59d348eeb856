"""Today's floor for `manage.py seed_demo`: sessions at different stages (an IV infusion
with an unacknowledged critical alert, esketamine and IM under observation, a patient just
checked in) and one session that ended this morning, awaiting the co-signature; and an
earlier demo day's unfinished records closed, so the board always shows today.

Every record is charted through the services (`sessions.demo_records.build_record`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.choices import JourneyState
from clinic.hours import opening_days
from clinic.models import Chair, Location, User
from clinic.selectors import clinic_settings
from sessions import monitoring
from sessions.demo_records import build_record, log_refusal, timeline
from sessions.models import (
    Appointment,
    AppointmentStatus,
    DeviceDose,
    DoseRecord,
    TreatmentSession,
    VitalAlert,
)
from sessions.services.discharge import session_discharge
from sessions.services.no_dose import session_end_without_dose
from sessions.services.signoff import session_sign
from sessions.services.vitals import alert_acknowledge


def close_open_record(session: TreatmentSession, psychiatrist: User | None) -> None:
    """An earlier demo day's unfinished record is closed, never deleted (clinical records
    are not deleted): alerts acknowledged, discharged by the psychiatrist with a reason (or,
    a session checked in whose dose never came, ended without a dose by its nurse), signed,
    so the board shows today only."""
    if session.nurse_signed_at is not None:
        return
    end = session.opened_at + dt.timedelta(hours=2, minutes=30)
    nurse = session.opened_by
    line = timeline(session.appointment)
    dosed = (
        DoseRecord.objects.filter(session=session).exists()
        or DeviceDose.objects.filter(session=session).exists()
    )
    try:
        with clock.at(end):
            if session.ended_without_dose_at is None:
                for alert in VitalAlert.objects.filter(
                    session=session, acknowledged_at__isnull=True
                ):
                    alert_acknowledge(
                        alert=alert, action_taken="Re-checked and settled (demo day closed).",
                        actor=nurse,
                    )  # fmt: skip
            if session.ended_without_dose_at is None and dosed:
                session_discharge(
                    session=session,
                    override_reason="Demo: the demo day ended before discharge was charted.",
                    rems_ready_minutes=line.discharge - line.dose - 30
                    if session.route == monitoring.ESKETAMINE
                    else None,
                    actor=psychiatrist or nurse,
                )
            elif session.ended_without_dose_at is None:
                session_end_without_dose(
                    session=session,
                    reason="Demo: the demo day ended before the dose was given.",
                    actor=nurse,
                )
            session_sign(session=session, actor=nurse)
    except ValidationError as refusal:
        log_refusal(session.appointment, "closing an earlier day", refusal)


def _free_chair(
    start: dt.datetime, end: dt.datetime, moved: Appointment, location: Location | None = None
) -> Chair | None:
    """A chair free for the new times, ignoring the appointment's own old booking: at
    `location` when given, else where the booking is."""
    busy = (
        Appointment.objects.filter(start__lt=end, end__gt=start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=moved.pk)
    )
    # The same location as the booking it moves (the live floor stays where it was),
    # unless the demo puts it at another (Harbor Point's day).
    where = location.pk if location is not None else moved.chair.location_id
    return (
        Chair.objects.filter(is_active=True, location_id=where)
        .exclude(pk__in=busy.values("chair_id"))
        .order_by("display_order")
        .first()
    )


# Today's floor: (minutes since the appointment started, route, critical alert from minute)
HARBOR_POINT = "Harbor Point"  # the demo's second location (seed_demo)

LIVE_DAY = (
    (42, "iv", 30),
    (70, monitoring.ESKETAMINE, None),
    (78, "im", None),
    (8, None, None),
)


def _candidates(
    now: dt.datetime, route: str | None, used: set[int], home: Location | None
) -> Iterator[Appointment]:
    """Patients' sessions for the live day, best first: their bookings today, then their
    next session, for a patient with nothing else booked today. Only the patients whose
    home is `home` (each location's floor has its own patients)."""
    zone = clinic_settings().zone
    midnight = dt.datetime.combine(timezone.localdate(now, zone), dt.time.min, tzinfo=zone)
    scheduled = (
        Appointment.objects.filter(
            patient__journey_state=JourneyState.INDUCTION, status=AppointmentStatus.SCHEDULED
        )
        .filter(**({"plan__route": route} if route else {}))
        .filter(patient__home_location=home)
        .exclude(patient_id__in=used)
        .select_related("plan__protocol", "patient__psychiatrist")
        .order_by("start")
    )
    yield from scheduled.filter(start__gte=midnight, start__lt=midnight + dt.timedelta(days=1))
    later = scheduled.filter(start__gt=now + dt.timedelta(hours=4))[:20]
    yield from (a for a in later if not _booked_today(a.patient_id, midnight))


def _booked_today(patient_id: int, midnight: dt.datetime) -> bool:
    return (
        Appointment.objects.filter(
            patient_id=patient_id, start__gte=midnight, start__lt=midnight + dt.timedelta(days=1)
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exists()
    )


def _place_on_live_day(
    appointment: Appointment, start: dt.datetime, nurse: User, location: Location | None = None
) -> bool:
    """Put a booked session on the live day at `start`, in a free chair with `nurse` (at
    `location` when given: a patient seen at Harbor Point today for convenience).

    The one demo step that is not a service call: the live day is pinned to the real
    clock whenever the demo is started (before opening time, at night, the day after
    the patient's last session), and the coordinator's reschedule rightly refuses such
    times (opening hours, the protocol's gaps). Only the booking's time, chair and nurse
    change; everything charted on it goes through the services."""
    end = start + dt.timedelta(minutes=appointment.plan.protocol.chair_block_minutes)
    clash = (
        Appointment.objects.filter(patient=appointment.patient, start__lt=end, end__gt=start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=appointment.pk)
        .exists()
    )
    chair = _free_chair(start, end, appointment, location)
    if clash or chair is None:
        return False
    appointment.start, appointment.end = start, end
    appointment.chair, appointment.nurse = chair, nurse
    appointment.save(update_fields=["start", "end", "chair", "nurse"])
    return True


def live_day(now: dt.datetime, nurses: list[User], psychiatrist: User | None) -> None:
    used: set[int] = set()
    home = Location.objects.order_by("pk").first()  # Riverside, the clinic's first
    for index, (minutes, route, critical_at) in enumerate(LIVE_DAY):
        nurse = nurses[index % len(nurses)]
        _live_session(now, minutes, route, home, used, nurse, psychiatrist, critical_at=critical_at)
    _awaiting_cosign(now, nurses, used, home)
    harbor_day(now, nurses, psychiatrist, used)


# Harbor Point's floor today (minutes since the appointment started, route): a session over
# this morning (None: long enough ago to be discharged, signed and co-signed), one under
# way with its vitals, a patient just checked in, so the location picker switches to a
# real second clinic day (board, calendars).
HARBOR_DAY = ((None, "iv"), (55, "im"), (6, None))


def harbor_day(
    now: dt.datetime, nurses: list[User], psychiatrist: User | None, used: set[int]
) -> None:
    """Harbor Point's sessions today, charted by a nurse who works there, when it opens
    today (not on a Wednesday, a weekend or its training day: its calendar then says so)."""
    harbor = Location.objects.filter(name=HARBOR_POINT).first()
    if harbor is None:
        return
    if not opening_days(harbor.pk, timezone.localdate(now, harbor.zone), 1)[0].is_open:
        return
    there = [nurse for nurse in nurses if nurse.locations.filter(pk=harbor.pk).exists()]
    nurse = there[0] if there else nurses[-1]
    for minutes, route in HARBOR_DAY:
        _live_session(now, minutes, route, harbor, used, nurse, psychiatrist, chairs_at=harbor)


def _live_session(
    now: dt.datetime,
    minutes: int | None,
    route: str | None,
    home: Location | None,
    used: set[int],
    nurse: User,
    psychiatrist: User | None,
    *,
    chairs_at: Location | None = None,
    critical_at: int | None = None,
) -> None:
    """One session on a location's floor today: the first of `home`'s patients (not yet
    `used`) whose booking can be put at `_started(now, minutes)` with `nurse` (in a chair
    at `chairs_at` when given, else where it is booked), charted through the services."""
    appointment = next(
        (
            a
            for a in _candidates(now, route, used, home)
            if _place_on_live_day(a, _started(now, minutes, a), nurse, chairs_at)
        ),
        None,
    )
    if appointment is None:
        return
    used.add(appointment.patient_id)
    build_record(
        appointment,
        nurse=nurse,
        psychiatrist=appointment.patient.psychiatrist or psychiatrist,
        now=now,
        critical_at=critical_at,
    )


def _started(now: dt.datetime, minutes: int | None, appointment: Appointment) -> dt.datetime:
    """When a live session began: `minutes` ago, or (None) long enough ago for the whole
    record, the psychiatrist's co-signature included, to be over by `now`."""
    if minutes is None:
        minutes = timeline(appointment).discharge + 200
    return now - dt.timedelta(minutes=minutes)


def _awaiting_cosign(
    now: dt.datetime, nurses: list[User], used: set[int], home: Location | None
) -> None:
    """A session that ended this morning: discharged and signed by the nurse, waiting for
    the psychiatrist's co-signature."""
    appointment = (
        Appointment.objects.filter(
            patient__journey_state__in=[JourneyState.INDUCTION, JourneyState.MAINTENANCE],
            status=AppointmentStatus.SCHEDULED,
            start__gt=now + dt.timedelta(hours=4),
            patient__home_location=home,
        )
        .exclude(patient_id__in=used)
        .select_related("plan__protocol", "patient__psychiatrist")
        .order_by("start")
        .first()
    )
    if appointment is None:
        return
    start = now - dt.timedelta(minutes=timeline(appointment).discharge + 40)
    if _place_on_live_day(appointment, start, nurses[0]):
        build_record(appointment, nurse=nurses[0], psychiatrist=None, now=now)
