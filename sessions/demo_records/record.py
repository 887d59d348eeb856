"""One demo appointment charted through the services, each step at its own moment; a
step a service refuses stops the record there and is logged."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable

from django.core.exceptions import ValidationError

from clinic import clock
from clinic.models import User
from sessions import monitoring
from sessions.demo_records.checkin import chart_checkin
from sessions.demo_records.dose import dose_input, stop_early, waste_witness
from sessions.demo_records.patient_response import dissociation_rating, vitals_curve
from sessions.demo_records.timeline import MIN, timeline
from sessions.models import Appointment, TreatmentSession, VitalAlert
from sessions.models.vitals import ReadingPhase
from sessions.services.checkin import (
    session_open,
)
from sessions.services.discharge import discharge_assess, session_discharge
from sessions.services.dose import device_record, dose_record
from sessions.services.infusion import infusion_end
from sessions.services.signoff import session_cosign, session_sign
from sessions.services.vitals import alert_acknowledge, reading_record

# The demo's log of refused steps keeps the name it always had.
logger = logging.getLogger("sessions.demo_records")


def _steps(
    appointment: Appointment,
    session: TreatmentSession,
    *,
    nurse: User,
    psychiatrist: User | None,
    rng: random.Random,
    critical_at: int | None,
    sign: bool,
) -> list[tuple[dt.datetime, Callable[[], object]]]:
    """Everything after check-in, each step at its minute, in the order it happens."""
    plan = appointment.plan
    start = appointment.start
    line = timeline(appointment)
    steps: list[tuple[dt.datetime, Callable[[], object]]] = []

    def step(minute: float, action: Callable[[], object]) -> None:
        steps.append((start + dt.timedelta(minutes=minute), action))

    baseline = vitals_curve(rng, -10, plan.route) | {"moaas": 5}
    baseline["systolic"] = min(baseline["systolic"], 132)
    step(10, lambda: reading_record(session=session, values=baseline, taken_at=None, actor=nurse))
    witness = waste_witness(nurse, psychiatrist)
    step(line.dose, lambda: dose_record(session=session, dose=dose_input(session, witness),
                                        actor=nurse))  # fmt: skip
    for minute in line.devices[1:]:
        step(minute, lambda: device_record(session=session, given_at=None, actor=nurse))
    if line.infusion_end is not None:
        if appointment.pk % 9 == 0:
            # An infusion stopped early (a BP rise): 3/4 of what was drawn was given.
            step(line.infusion_end - 10, lambda: stop_early(session, witness, nurse))
        else:
            step(line.infusion_end, lambda: infusion_end(session=session, at=None, actor=nurse))
    for minute in line.readings:
        values = vitals_curve(rng, minute - line.dose, plan.route)
        if critical_at is not None and minute >= critical_at:
            values |= {"systolic": 184, "diastolic": 112, "heart_rate": 104}
        step(minute, _vitals(session, nurse, values))
        if critical_at is None:
            step(minute + 3, lambda: _acknowledge_open_alerts(session, nurse))
    discharged = line.discharge
    answers = {key: True for key, _label in monitoring.DISCHARGE_ASSESSMENT}
    step(discharged - 2, lambda: discharge_assess(session=session, answers=answers, actor=nurse))
    ready = line.discharge - line.dose - 30 if plan.route == monitoring.ESKETAMINE else None
    step(discharged, lambda: session_discharge(session=session, rems_ready_minutes=ready,
                                               actor=nurse))  # fmt: skip
    if sign:
        step(discharged + 10, lambda: session_sign(session=session, actor=nurse))
        if psychiatrist is not None:
            step(discharged + 180, lambda: session_cosign(session=session, actor=psychiatrist))
    return steps


def _vitals(session: TreatmentSession, nurse: User, values: dict[str, int]) -> Callable[[], object]:
    return lambda: reading_record(
        session=session,
        values=values,
        taken_at=None,
        dissociation=dissociation_rating(values.get("moaas"), ReadingPhase.MONITORING),
        actor=nurse,
    )


def _acknowledge_open_alerts(session: TreatmentSession, nurse: User) -> None:
    for alert in VitalAlert.objects.filter(session=session, acknowledged_at__isnull=True):
        alert_acknowledge(
            alert=alert,
            action_taken="Re-checked after 5 minutes; settled without treatment.",
            actor=nurse,
        )


def build_record(
    appointment: Appointment,
    *,
    nurse: User,
    psychiatrist: User | None,
    now: dt.datetime,
    critical_at: int | None = None,
    sign: bool = True,
) -> TreatmentSession | None:
    """Chart one appointment up to `now` (the whole session if it is over), each step at
    its own moment through the services. A step a service refuses stops the record
    there (nothing is forced); None when the patient could not be checked in."""
    rng = random.Random(appointment.pk)  # noqa: S311 -- demo vitals, not security
    start = appointment.start
    try:
        with clock.at(start):
            session = session_open(appointment=appointment, actor=nurse)
        chart_checkin(session, nurse, start + MIN, rng)
    except ValidationError as refusal:
        log_refusal(appointment, "check-in", refusal)
        return None
    steps = _steps(
        appointment,
        session,
        nurse=nurse,
        psychiatrist=psychiatrist,
        rng=rng,
        critical_at=critical_at,
        sign=sign,
    )
    for moment, action in sorted(steps, key=lambda pair: pair[0]):
        if moment > now:
            break
        try:
            with clock.at(moment):
                action()
        except ValidationError as refusal:
            log_refusal(appointment, f"{moment:%H:%M}", refusal)
            break
    return session


def log_refusal(appointment: Appointment, step: str, refusal: ValidationError) -> None:
    """A service refused a demo step: the demo does not force it; say so in the log."""
    logger.warning("Demo appointment %s: %s refused: %s", appointment.pk, step, refusal.messages)
