"""Demo session records for `manage.py seed_demo`: every past appointment gets a signed,
co-signed record with a realistic vitals curve, made by the same service calls a nurse
and a psychiatrist make at the chair, each at the moment it happened (`clinic.clock.at`);
then the benefit reviews, the boosters and the REMS submissions, and today's live floor
(`sessions.demo_live_day`).

Alerts are raised by the vitals service itself, the appointment's status moves with the
record, and a step the services refuse is not forced (it is logged). Idempotent:
appointments that already have a record are left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.choices import ReminderStatus, Role
from clinic.models import Reminder, User
from clinic.notifications import reminders
from clinic.selectors import clinic_settings
from controlled.models import Lot
from controlled.selectors.stock import usable_lots
from intake.measures import PHQ9
from intake.models import MeasureResult
from sessions import monitoring
from sessions.demo import maintenance_patients, seed_booster_history, waits_for_benefit_review
from sessions.models import (
    Appointment,
    AppointmentStatus,
    DoseRecord,
    TreatmentSession,
    VitalAlert,
)
from sessions.models.checkin import CheckInItem
from sessions.models.vitals import ReadingPhase
from sessions.record_rules import checkin_required_items
from sessions.reminders import BOOKING_CONFIRMATION, plan_session_reminders
from sessions.selectors.before_dose import previous_weight
from sessions.selectors.location import session_location
from sessions.services import ledger
from sessions.services.checkin import (
    checkin_asq,
    checkin_medications,
    checkin_phq9,
    checkin_record,
    pregnancy_test_record,
    session_open,
)
from sessions.services.discharge import discharge_assess, session_discharge
from sessions.services.dose import DoseInput, device_record, dose_record
from sessions.services.infusion import infusion_end, infusion_stop
from sessions.services.rems import rems_submission_record
from sessions.services.scheduling import benefit_review_record
from sessions.services.signoff import session_cosign, session_sign
from sessions.services.vitals import alert_acknowledge, reading_record

logger = logging.getLogger(__name__)
MIN = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Timeline:
    """Minutes after the appointment start at which each step happens."""

    dose: int
    readings: tuple[int, ...]
    infusion_end: int | None
    devices: tuple[int, ...]
    discharge: int


def timeline(appointment: Appointment) -> Timeline:
    protocol = appointment.plan.protocol
    route = appointment.plan.route
    dose = 15
    if route == "iv":
        end = dose + (appointment.plan.infusion_minutes or 40)
        discharge = end + protocol.observation_minutes + 5
        readings = tuple(range(dose + 15, discharge, 15))
        return Timeline(dose, readings, end, (), discharge)
    if route == monitoring.ESKETAMINE:
        discharge = dose + protocol.observation_minutes + 5
        readings = (dose + 40, *range(dose + 70, discharge, 30), discharge - 3)
        devices = tuple(dose + 5 * n for n in range(appointment.plan.esketamine_devices or 2))
        return Timeline(dose, readings, None, devices, discharge)
    discharge = dose + protocol.observation_minutes + 5
    return Timeline(dose, tuple(range(dose + 15, discharge, 15)), None, (), discharge)


def _curve(rng: random.Random, minutes_after_dose: int, route: str) -> dict[str, int]:
    """A typical ketamine response: BP and HR rise to a peak about 20–40 minutes after
    the dose and settle by an hour; sedation lifts as the dose wears off."""
    peak = 40 if route == monitoring.ESKETAMINE else 25
    rise = max(0.0, 1 - abs(minutes_after_dose - peak) / 45)
    systolic = int(122 + rng.randint(-6, 6) + 22 * rise)
    diastolic = int(78 + rng.randint(-4, 4) + 10 * rise)
    moaas = 5 if minutes_after_dose > 50 else (4 if minutes_after_dose > 20 else 3 + (rise < 0.6))
    return {
        "systolic": systolic,
        "diastolic": diastolic,
        "heart_rate": int(72 + rng.randint(-5, 5) + 12 * rise),
        "spo2": rng.choice((96, 97, 98, 98, 99)),
        "resp_rate": rng.choice((12, 14, 14, 16)),
        "moaas": moaas,
    }


def _dissociation_rating(moaas: int | None, phase: str) -> int | None:
    """The clinician's 0–4 rating charted with the sedation score after the dose."""
    if phase != ReadingPhase.MONITORING or moaas is None:
        return None
    return {5: 0, 4: 1}.get(moaas, 2)


# How a demo patient's PHQ-9 falls per completed session: a strong responder, a partial
# responder and a non-responder, so the outcome charts and the clinic page show all three.
RESPONSE_PER_SESSION = (0.25, 0.1, 0.0)


def _expected_phq9(session: TreatmentSession) -> int:
    baseline = (
        MeasureResult.objects.filter(patient=session.patient, instrument=PHQ9, context="intake")
        .values_list("total", flat=True)
        .first()
    ) or 18
    done = Appointment.objects.filter(
        patient=session.patient,
        status=AppointmentStatus.COMPLETED,
        start__lt=session.appointment.start,
    ).count()
    rate = RESPONSE_PER_SESSION[session.patient.pk % len(RESPONSE_PER_SESSION)]
    return max(2, round(baseline * (1 - rate) ** done))


def _items_for(total: int, items: int, top: int, rng: random.Random) -> dict[str, int]:
    """Spread a total over `items` answers of 0..top (demo questionnaires)."""
    values = [0] * items
    for _ in range(min(total, items * top)):
        choices = [i for i, v in enumerate(values) if v < top]
        values[rng.choice(choices)] += 1
    return {f"q{n}": v for n, v in enumerate(values, start=1)}


def _demo_weight(session: TreatmentSession) -> Decimal:
    """The weight the nurse measures: the patient's last recorded one (an earlier check-in,
    else the intake's), so the demo's records do not all carry a re-measured warning."""
    last = previous_weight(session)
    if last is not None:
        return last
    return Decimal(60 + (session.patient_id * 7) % 35) + Decimal("0.4")


def _checkin(session: TreatmentSession, nurse: User, at: dt.datetime, rng: random.Random) -> None:
    """The nurse's check-in at the chair, one item a minute, then the questionnaires."""
    answers: dict[str, object] = {
        CheckInItem.IDENTITY: True,
        CheckInItem.WEIGHT: str(_demo_weight(session)),
        CheckInItem.FASTING: True,
        CheckInItem.ESCORT: True,
        CheckInItem.NO_DRIVING: True,
        CheckInItem.PREGNANCY: "not_pregnant",
    }
    first_dose = not Appointment.objects.filter(
        patient_id=session.patient_id, status=AppointmentStatus.COMPLETED
    ).exists()
    for minute, item in enumerate(checkin_required_items(session)):
        with clock.at(at + minute * MIN):
            if item == CheckInItem.MEDICATION_CHANGES:
                checkin_medications(session=session, changes="None", medicines={}, actor=nurse)
            elif item == CheckInItem.PHQ9:
                phq9 = _items_for(_expected_phq9(session), 8, 3, rng) | {"q9": 0}
                checkin_phq9(session=session, items=phq9, actor=nurse)
            elif item == CheckInItem.ASQ:
                asq = {f"q{n}": 0 for n in range(1, 5)}
                checkin_asq(session=session, items=asq, actor=nurse)
            else:
                checkin_record(session=session, item=item, value=answers[item], actor=nurse)
            if item == CheckInItem.PREGNANCY and first_dose:
                pregnancy_test_record(
                    session=session,
                    tested_on=clock.localdate(clinic_settings().zone),
                    kind="urine",
                    result="negative",
                    actor=nurse,
                )


def _dose_input(session: TreatmentSession, witness: User | None) -> DoseInput:
    """What the nurse types in the dose form: the plan's order, the lot, what was drawn up
    (10 mg/mL to the next whole mL; the rest is witnessed waste)."""
    plan = session.plan
    opened = timezone.localdate(session.opened_at, clinic_settings().zone)
    ledger_lot = _ledger_lot(session)
    lot = DoseInput(
        started_at=None,
        lot_number=f"{'SPR' if session.route == monitoring.ESKETAMINE else 'KET'}"
        f"{24000 + session.appointment_id % 900}",
        lot_expiry=opened + dt.timedelta(days=300),
        planned_minutes=plan.infusion_minutes if plan.route == "iv" else None,
        lot=ledger_lot,
        witness_password=_demo_password(),
    )
    if session.route == monitoring.ESKETAMINE:
        return lot
    if plan.dose_mg_per_kg:
        total = (_demo_weight(session) * plan.dose_mg_per_kg).quantize(Decimal("0.1"))
        dose = {"mg_per_kg": plan.dose_mg_per_kg}
    else:
        total = plan.dose_mg
        dose = {"mg": plan.dose_mg}
    drawn_ml = Decimal(math.ceil(total / 10))
    return dataclasses.replace(
        lot,
        **dose,
        concentration_mg_per_ml=Decimal(10),
        volume_drawn_ml=drawn_ml,
        waste_witness=witness,
    )


def _ledger_lot(session: TreatmentSession) -> Lot | None:
    """The lot the nurse picks on the dose form where the location keeps the drug on the
    ledger (controlled.demo received it long before): the first usable one."""
    location = session_location(session)
    today = timezone.localdate(clock.now(), clinic_settings().zone)
    lots = usable_lots(location, ledger.session_drug(session), session.patient, today)
    return lots[0] if lots else None


def _demo_password() -> str:
    from clinic.management.commands.seed_demo import STAFF_PASSWORD

    return STAFF_PASSWORD


def _witness(nurse: User, psychiatrist: User | None) -> User | None:
    """Waste is witnessed by another staff member, never the nurse who gave the dose."""
    return psychiatrist or (
        User.objects.filter(staff_roles__role=Role.NURSE)
        .exclude(pk=nurse.pk)
        .order_by("pk")
        .first()
    )


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

    baseline = _curve(rng, -10, plan.route) | {"moaas": 5}
    baseline["systolic"] = min(baseline["systolic"], 132)
    step(10, lambda: reading_record(session=session, values=baseline, taken_at=None, actor=nurse))
    witness = _witness(nurse, psychiatrist)
    step(line.dose, lambda: dose_record(session=session, dose=_dose_input(session, witness),
                                        actor=nurse))  # fmt: skip
    for minute in line.devices[1:]:
        step(minute, lambda: device_record(session=session, given_at=None, actor=nurse))
    if line.infusion_end is not None:
        if appointment.pk % 9 == 0:
            # An infusion stopped early (a BP rise): 3/4 of what was drawn was given.
            step(line.infusion_end - 10, lambda: _stop_early(session, witness, nurse))
        else:
            step(line.infusion_end, lambda: infusion_end(session=session, at=None, actor=nurse))
    for minute in line.readings:
        values = _curve(rng, minute - line.dose, plan.route)
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
        dissociation=_dissociation_rating(values.get("moaas"), ReadingPhase.MONITORING),
        actor=nurse,
    )


def _stop_early(session: TreatmentSession, witness: User | None, nurse: User) -> object:
    """The infusion stopped 10 minutes early (a BP rise): what ran in at the ordered rate
    was given, the rest of what was drawn up is witnessed waste."""
    dose = DoseRecord.objects.get(session=session)
    planned = dose.planned_minutes or 40
    ran_in = dose.total_mg * (planned - 10) / planned
    volume = (ran_in / (dose.concentration_mg_per_ml or 10)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )
    return infusion_stop(
        session=session,
        at=None,
        volume_given_ml=volume,
        waste_witness=witness,
        witness_password=_demo_password(),
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
        _checkin(session, nurse, start + MIN, rng)
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


def _closing(appointment: Appointment) -> dt.datetime:
    """When the last step of an appointment's record happens (its co-signature)."""
    return appointment.start + dt.timedelta(minutes=timeline(appointment).discharge + 180)


def seed_records_demo() -> None:
    from sessions.demo_live_day import close_open_record, live_day  # it builds on this module

    nurses = list(User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk"))
    psychiatrist = User.objects.filter(staff_roles__role=Role.PSYCHIATRIST).order_by("pk").first()
    if not nurses:
        return
    now = clock.now()
    zone = clinic_settings().zone
    midnight = dt.datetime.combine(timezone.localdate(now, zone), dt.time.min, tzinfo=zone)
    live_day_seeded = TreatmentSession.objects.filter(opened_at__gte=midnight).exists()
    stale = TreatmentSession.objects.filter(discharged_at__isnull=True).select_related(
        "appointment__plan__protocol", "patient"
    )
    for session in stale:
        if session.opened_at < midnight:
            close_open_record(session, psychiatrist)
    # Today's bookings stay for the live day to take first (a patient booked this morning
    # is the one on the floor now); the ones it leaves are charted after it.
    _history(now if live_day_seeded else midnight, now, nurses, psychiatrist)
    _benefit_reviews(psychiatrist, now)
    seed_booster_history(
        record=lambda appointment: _chart_history(appointment, nurses, psychiatrist, now)
    )
    _rems_submitted(now, nurses[0])
    _past_confirmations_cancelled(now)
    for appointment in Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, start__gt=now
    ).select_related("patient"):
        plan_session_reminders(appointment)
    if not live_day_seeded:
        live_day(now, nurses, psychiatrist)
        _history(now, now, nurses, psychiatrist)


def _history(
    until: dt.datetime, now: dt.datetime, nurses: list[User], psychiatrist: User | None
) -> None:
    """Every booked appointment over by `until` gets its record, oldest first, as it
    happened: a record reads what earlier ones stored (the weight, the first dose)."""
    history = (
        Appointment.objects.filter(
            status=AppointmentStatus.SCHEDULED, treatment_session__isnull=True, end__lt=until
        )
        .select_related("plan__protocol", "patient__psychiatrist", "nurse")
        .order_by("start", "pk")
    )
    for appointment in history:
        _chart_history(appointment, nurses, psychiatrist, now)


def _chart_history(
    appointment: Appointment, nurses: list[User], psychiatrist: User | None, now: dt.datetime
) -> None:
    build_record(
        appointment,
        nurse=appointment.nurse or nurses[0],
        psychiatrist=appointment.patient.psychiatrist or psychiatrist,
        now=now,
    )


def _benefit_reviews(psychiatrist: User | None, now: dt.datetime) -> None:
    """Maintenance patients had their end-of-induction benefit review, the day after their
    last induction session (the one left without it shows what Boosters due asks for: it
    is the patient longest without a session, as no booster can be booked before it)."""
    if psychiatrist is None:
        return
    for index, patient in enumerate(maintenance_patients()):
        if waits_for_benefit_review(index) or patient.benefit_reviews.exists():
            continue
        last = (
            Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED)
            .order_by("-start")
            .first()
        )
        if last is None:
            continue
        with clock.at(min(now, _closing(last) + dt.timedelta(days=1))):
            benefit_review_record(
                patient=patient,
                decision="continue",
                note="PHQ-9 improved over the series and the patient wants to continue; "
                "boosters at the plan's interval.",
                actor=patient.psychiatrist or psychiatrist,
            )


def _past_confirmations_cancelled(now: dt.datetime) -> None:
    """The booking service queues a confirmation at the real time; one for bookings the
    demo made weeks ago, whose sessions are all over, is cancelled, not sent."""
    targets = Reminder.objects.filter(
        kind=BOOKING_CONFIRMATION,
        status=ReminderStatus.PENDING,
        target__startswith="booked:",
    ).values_list("target", flat=True)
    for subject in {target.split("/")[0] for target in targets}:
        ids = [int(pk) for pk in subject.removeprefix("booked:").split("-") if pk.isdigit()]
        if ids and not Appointment.objects.filter(pk__in=ids, end__gte=now).exists():
            reminders.cancel_pending(subject, kinds=[BOOKING_CONFIRMATION])


def _rems_submitted(now: dt.datetime, nurse: User) -> None:
    """Older esketamine sessions had their REMS form submitted two days later; the last
    few days' forms are still due, so the list shows days left."""
    zone = clinic_settings().zone
    for session in TreatmentSession.objects.filter(
        route=monitoring.ESKETAMINE,
        discharged_at__lt=now - dt.timedelta(days=4),
        rems_submission__isnull=True,
    ).order_by("discharged_at"):
        submitted = timezone.localdate(session.discharged_at, zone) + dt.timedelta(days=2)
        with clock.at(dt.datetime.combine(submitted, dt.time(11), tzinfo=zone)):
            rems_submission_record(
                session=session,
                submitted_on=submitted,
                confirmation=f"RMS-{700000 + session.pk}",
                missing_note="Not charted in the record; reported as unknown.",
                actor=nurse,
            )
