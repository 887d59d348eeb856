"""Demo session records for `manage.py seed_demo`: every completed appointment gets a
signed, co-signed record with a realistic vitals curve, and today is a live treatment
day — sessions at different stages, one with an unacknowledged critical alert, one
awaiting the psychiatrist's co-signature.

Demo history is written straight through the models (services refuse back-dated entries
by design); each record is completed before it is locked, as in real use. Idempotent:
appointments that already have a record are left alone; live sessions left open from an
earlier day are closed first, so the board always shows today.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone

from clinic.choices import JourneyState, Role, SexAtBirth
from clinic.models import Chair, Patient, User
from clinic.selectors import clinic_settings
from intake.measures import ASQ, PHQ9, Score, score
from intake.models import MeasureContext, MeasureResult
from sessions import dosing, monitoring
from sessions.models import (
    Appointment,
    AppointmentStatus,
    DeviceDose,
    DoseRecord,
    RemsSubmission,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.records import (
    CheckInEntry,
    CheckInItem,
    Drug,
    PregnancyTest,
    ReadingPhase,
)
from sessions.record_rules import weight_of
from sessions.reminders import plan_session_reminders
from sessions.selectors.safety import vital_limits
from sessions.services.scheduling import benefit_review_record

MIN = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Timeline:
    """Minutes after the appointment start at which each step happens."""

    dose: int
    readings: tuple[int, ...]
    infusion_end: int | None
    devices: tuple[int, ...]
    discharge: int


def _timeline(appointment: Appointment) -> Timeline:
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


def _reading(
    session: TreatmentSession,
    nurse: User,
    at: dt.datetime,
    values: dict[str, int],
    phase: str,
    baseline: dict[str, int] | None,
) -> VitalReading:
    reading = VitalReading.objects.create(
        session=session,
        phase=phase,
        taken_at=at,
        recorded_at=at + MIN,
        recorded_by=nurse,
        dissociation=_dissociation_rating(values.get("moaas"), phase),
        **values,
    )
    if phase == ReadingPhase.MONITORING:
        for alert in monitoring.vital_alerts(values, baseline=baseline, limits=vital_limits()):
            VitalAlert.objects.create(
                session=session,
                reading=reading,
                code=alert.code,
                level=alert.level,
                message=alert.message,
                recorded_by=nurse,
                recorded_at=at + MIN,
            )
    return reading


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


def _measure(
    session: TreatmentSession,
    nurse: User,
    at: dt.datetime,
    result: Score,
    items: dict[str, int],
    item: str,
    shown: dict[str, object],
) -> None:
    """A questionnaire at check-in (backdated to the demo timeline) and its entry."""
    measure = MeasureResult.objects.create(
        patient=session.patient,
        instrument=result.instrument,
        items=items,
        total=result.total,
        band=result.band,
        flags=list(result.flags),
        context=MeasureContext.PRE_SESSION,
        taken_at=at,
        entered_by=nurse,
    )
    CheckInEntry.objects.create(
        session=session,
        item=item,
        value={"measure": measure.pk, **shown},
        recorded_by=nurse,
        recorded_at=at + MIN,
    )


def _checkin(session: TreatmentSession, nurse: User, at: dt.datetime, rng: random.Random) -> None:
    patient = session.patient
    items: list[tuple[str, object]] = [
        (CheckInItem.IDENTITY, True),
        (
            CheckInItem.WEIGHT,
            {"kg": str(Decimal(60 + (patient.pk * 7) % 35) + Decimal("0.4")), "confirmed": False},
        ),
        (CheckInItem.FASTING, True),
        (CheckInItem.ESCORT, True),
        (CheckInItem.NO_DRIVING, True),
        (CheckInItem.MEDICATION_CHANGES, "None"),
    ]
    if patient.sex_at_birth != SexAtBirth.MALE:
        items.append((CheckInItem.PREGNANCY, "not_pregnant"))
    for offset, (item, value) in enumerate(items):
        CheckInEntry.objects.create(
            session=session,
            item=item,
            value=value,
            recorded_by=nurse,
            recorded_at=at + offset * MIN,
        )
    answers = _items_for(_expected_phq9(session), 8, 3, rng) | {"q9": 0}
    phq9 = score(PHQ9, answers)
    _measure(session, nurse, at + 5 * MIN, phq9, answers, CheckInItem.PHQ9,
             {"total": phq9.total, "item9": 0})  # fmt: skip
    asq_items = {f"q{n}": 0 for n in range(1, 5)}
    asq = score(ASQ, asq_items)
    _measure(session, nurse, at + 7 * MIN, asq, asq_items, CheckInItem.ASQ, {"band": asq.band})
    first_dose = not DoseRecord.objects.filter(session__patient=patient).exists()
    if patient.sex_at_birth != SexAtBirth.MALE and first_dose:
        PregnancyTest.objects.create(
            patient=patient,
            session=session,
            tested_on=timezone.localdate(at, clinic_settings().zone),
            kind="urine",
            result="negative",
            recorded_by=nurse,
            recorded_at=at + 3 * MIN,
        )


def build_record(
    appointment: Appointment,
    *,
    nurse: User,
    psychiatrist: User | None,
    now: dt.datetime,
    critical_at: int | None = None,
    sign: bool = True,
) -> TreatmentSession:
    """Write the record of one appointment up to `now` (the whole session if it is over)."""
    rng = random.Random(appointment.pk)  # noqa: S311 -- demo vitals, not security
    plan = appointment.plan
    # Waste is witnessed by another staff member, never the nurse who gave the dose.
    witness = psychiatrist or (
        User.objects.filter(staff_roles__role=Role.NURSE)
        .exclude(pk=nurse.pk)
        .order_by("pk")
        .first()
    )
    start = appointment.start
    line = _timeline(appointment)
    session = TreatmentSession.objects.create(
        appointment=appointment,
        patient=appointment.patient,
        plan=plan,
        route=plan.route,
        supervising_psychiatrist=appointment.patient.psychiatrist or psychiatrist,
        opened_by=nurse,
        opened_at=start,
    )
    _checkin(session, nurse, start + MIN, rng)
    baseline = _curve(rng, -10, plan.route) | {"moaas": 5}
    baseline["systolic"] = min(baseline["systolic"], 132)
    if start + 10 * MIN <= now:
        _reading(session, nurse, start + 10 * MIN, baseline, ReadingPhase.PREDOSE, None)
    status = AppointmentStatus.CHECKED_IN
    dose_at = start + line.dose * MIN
    if dose_at <= now:
        weight = weight_of(
            CheckInEntry.objects.filter(session=session, item=CheckInItem.WEIGHT).get().value
        )
        esketamine = plan.route == monitoring.ESKETAMINE
        given_devices = [m for m in line.devices if start + m * MIN <= now]
        if esketamine:
            values = {"drug": Drug.ESKETAMINE, "total_mg": Decimal(28 * len(given_devices))}
        elif plan.dose_mg_per_kg:
            values = {
                "drug": Drug.KETAMINE,
                "weight_kg": weight,
                "mg_per_kg": plan.dose_mg_per_kg,
                "total_mg": dosing.dose_total_mg(weight, plan.dose_mg_per_kg),
            }
        else:
            values = {"drug": Drug.KETAMINE, "weight_kg": weight, "total_mg": plan.dose_mg}
        if not esketamine:
            # 10 mg/mL drawn up to the next whole mL; the rest is witnessed waste.
            drawn_ml = Decimal(math.ceil(values["total_mg"] / 10))
            waste = drawn_ml * 10 - values["total_mg"]
            values |= {
                "concentration_mg_per_ml": Decimal(10),
                "volume_drawn_ml": drawn_ml,
                "waste_mg": waste or None,
                "waste_witness": witness if waste else None,
            }
        ended = start + line.infusion_end * MIN if line.infusion_end else None
        if ended and ended <= now and not esketamine and appointment.pk % 9 == 0:
            # An infusion stopped early (a BP rise): 3/4 of what was drawn was given.
            given_ml = (values["volume_drawn_ml"] * 3 / 4).quantize(Decimal("0.01"))
            given = dosing.given_mg(given_ml, values["concentration_mg_per_ml"])
            values |= {
                "stopped_early": True,
                "volume_given_ml": given_ml,
                "given_mg": given,
                "waste_mg": values["volume_drawn_ml"] * 10 - given,
                "waste_witness": witness,
            }
            ended -= 10 * MIN
        DoseRecord.objects.create(
            session=session,
            order_text=plan.dose_order_text,
            planned_minutes=plan.infusion_minutes if plan.route == "iv" else None,
            started_at=dose_at,
            ended_at=ended if ended and ended <= now else None,
            lot_number=f"{'SPR' if esketamine else 'KET'}{24000 + appointment.pk % 900}",
            lot_expiry=(start + dt.timedelta(days=300)).date(),
            administered_by=nurse,
            recorded_by=nurse,
            recorded_at=dose_at + MIN,
            **values,
        )
        for number, minute in enumerate(given_devices, start=1):
            DeviceDose.objects.create(
                session=session, number=number, given_at=start + minute * MIN, recorded_by=nurse
            )
        status = AppointmentStatus.IN_SESSION
        for minute in line.readings:
            at = start + minute * MIN
            if at > now:
                break
            values = _curve(rng, minute - line.dose, plan.route)
            if critical_at is not None and minute >= critical_at:
                values |= {"systolic": 184, "diastolic": 112, "heart_rate": 104}
            _reading(session, nurse, at, values, ReadingPhase.MONITORING, baseline)
        discharged = start + line.discharge * MIN
        if discharged <= now:
            session.oriented = session.steady_gait = True
            if esketamine and appointment.pk % 5:
                # Every fifth form misses the nurse's "ready to leave" minutes, so the REMS
                # list shows what a missing field looks like.
                session.rems_ready_minutes = line.discharge - line.dose - 30
            session.nausea_controlled = session.escort_present = True
            session.assessed_by = nurse
            session.assessed_at = session.ready_to_leave_at = discharged - 2 * MIN
            session.discharged_at = discharged
            session.discharged_by = nurse
            status = AppointmentStatus.COMPLETED
            for alert in VitalAlert.objects.filter(session=session):
                alert.acknowledged_at = alert.recorded_at + 3 * MIN
                alert.acknowledged_by = nurse
                alert.action_taken = "Re-checked after 5 minutes; settled without treatment."
                alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
            if sign:
                session.nurse_signed_at = discharged + 10 * MIN
                session.nurse_signed_by = nurse
            session.save()
            if sign and psychiatrist is not None:
                session.cosigned_at = discharged + dt.timedelta(hours=3)
                session.cosigned_by = psychiatrist
                session.save(update_fields=["cosigned_at", "cosigned_by"])
    appointment.status = status
    appointment.save(update_fields=["status"])
    return session


def _free_chair(appointment: Appointment) -> Chair | None:
    """A chair free for the appointment's (new) times, ignoring its own old booking."""
    busy = (
        Appointment.objects.filter(start__lt=appointment.end, end__gt=appointment.start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=appointment.pk)
    )
    return (
        Chair.objects.filter(is_active=True)
        .exclude(pk__in=busy.values("chair_id"))
        .order_by("display_order")
        .first()
    )


# Today's floor: (minutes since the appointment started, route, critical alert from minute)
LIVE_DAY = (
    (42, "iv", 30),
    (70, monitoring.ESKETAMINE, None),
    (78, "im", None),
    (8, None, None),
)


def seed_records_demo() -> None:
    nurses = list(User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk"))
    psychiatrist = User.objects.filter(staff_roles__role=Role.PSYCHIATRIST).order_by("pk").first()
    if not nurses:
        return
    now = timezone.now()
    zone = clinic_settings().zone
    today = timezone.localdate(now, zone)
    midnight = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    live_day_seeded = TreatmentSession.objects.filter(opened_at__gte=midnight).exists()
    stale = TreatmentSession.objects.filter(discharged_at__isnull=True).select_related(
        "appointment__plan__protocol", "patient"
    )
    for session in stale:
        if session.opened_at < midnight:
            _close_open_record(session, psychiatrist)
    history = Appointment.objects.filter(
        status=AppointmentStatus.COMPLETED, treatment_session__isnull=True, end__lt=now
    ).select_related("plan__protocol", "patient__psychiatrist", "nurse")
    for appointment in history:
        build_record(
            appointment,
            nurse=appointment.nurse or nurses[0],
            psychiatrist=appointment.patient.psychiatrist or psychiatrist,
            now=now,
        )
    _rems_submitted(now, nurses[0])
    _benefit_reviews(psychiatrist)
    for appointment in Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, start__gt=now
    ).select_related("patient"):
        plan_session_reminders(appointment)
    if not live_day_seeded:
        _live_day(now, nurses, psychiatrist)


def _benefit_reviews(psychiatrist: User | None) -> None:
    """Maintenance patients had their end-of-induction benefit review, through the service
    (the one booster list entry left without one shows what is asked for)."""
    if psychiatrist is None:
        return
    patients = Patient.objects.filter(
        journey_state=JourneyState.MAINTENANCE, benefit_reviews=None
    ).annotate(last_done=Max("appointments__start", filter=Q(appointments__status="completed")))
    # The patient longest without a session (overdue on Boosters due) still waits for one.
    for index, patient in enumerate(patients.order_by("last_done", "pk")):
        if index == 0:
            continue
        benefit_review_record(
            patient=patient,
            decision="continue",
            note="PHQ-9 improved over the series and the patient wants to continue; "
            "boosters at the plan's interval.",
            actor=psychiatrist,
        )


READY_LABEL = (
    "Minutes after the first device when the patient would have been clinically ready to "
    "leave, had there been no 2-hour requirement"
)


def _rems_submitted(now: dt.datetime, nurse: User) -> None:
    """Older esketamine sessions had their REMS form submitted two days later; the last
    few days' forms are still due, so the list shows days left."""
    zone = clinic_settings().zone
    for session in TreatmentSession.objects.filter(
        route=monitoring.ESKETAMINE,
        discharged_at__lt=now - dt.timedelta(days=4),
        rems_submission__isnull=True,
    ):
        missing = [] if session.rems_ready_minutes is not None else [READY_LABEL]
        RemsSubmission.objects.create(
            session=session,
            submitted_on=timezone.localdate(session.discharged_at, zone) + dt.timedelta(days=2),
            confirmation=f"RMS-{700000 + session.pk}",
            missing_fields=missing,
            missing_note="Ready-to-leave time not charted; reported as unknown." if missing else "",
            recorded_by=nurse,
        )


def _close_open_record(session: TreatmentSession, psychiatrist: User | None) -> None:
    """An earlier demo day's unfinished record is closed, never deleted (clinical records
    are not deleted): alerts acknowledged, discharged by the psychiatrist with a reason,
    signed, so the board shows today only."""
    end = session.opened_at + dt.timedelta(hours=2)
    nurse = session.opened_by
    for alert in VitalAlert.objects.filter(session=session, acknowledged_at__isnull=True):
        alert.acknowledged_at, alert.acknowledged_by = end, nurse
        alert.action_taken = "Re-checked and settled (demo day closed)."
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
    session.discharged_at = session.ready_to_leave_at = end
    session.discharged_by = psychiatrist or nurse
    session.discharge_override_reason = "Demo: the demo day ended before discharge was charted."
    session.discharge_unmet = ["DEMO_DAY_CLOSED"]
    session.nurse_signed_at, session.nurse_signed_by = end, nurse
    session.save()
    appointment = session.appointment
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save(update_fields=["status"])


def _booked_today(patient_id: int, now: dt.datetime) -> bool:
    zone = clinic_settings().zone
    midnight = dt.datetime.combine(timezone.localdate(now, zone), dt.time.min, tzinfo=zone)
    return (
        Appointment.objects.filter(
            patient_id=patient_id, start__gte=midnight, start__lt=midnight + dt.timedelta(days=1)
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exists()
    )


def _candidate(now: dt.datetime, route: str | None, used: set[int]) -> Appointment | None:
    """A patient's session for the live day: their booking today if they have one,
    otherwise their next session, for a patient with nothing else booked today."""
    zone = clinic_settings().zone
    midnight = dt.datetime.combine(timezone.localdate(now, zone), dt.time.min, tzinfo=zone)
    scheduled = (
        Appointment.objects.filter(
            patient__journey_state=JourneyState.INDUCTION, status=AppointmentStatus.SCHEDULED
        )
        .filter(**({"plan__route": route} if route else {}))
        .exclude(patient_id__in=used)
        .select_related("plan__protocol", "patient__psychiatrist")
        .order_by("start")
    )
    today = scheduled.filter(start__gte=midnight, start__lt=midnight + dt.timedelta(days=1))
    if today.exists():
        return today.first()
    later = scheduled.filter(start__gt=now + dt.timedelta(hours=4))[:20]
    return next((a for a in later if not _booked_today(a.patient_id, now)), None)


def _live_day(now: dt.datetime, nurses: list[User], psychiatrist: User | None) -> None:
    used: set[int] = set()
    for index, (minutes, route, critical_at) in enumerate(LIVE_DAY):
        appointment = _candidate(now, route, used)
        if appointment is None:
            continue
        start = now - dt.timedelta(minutes=minutes)
        end = start + dt.timedelta(minutes=appointment.plan.protocol.chair_block_minutes)
        clash = (
            Appointment.objects.filter(patient=appointment.patient, start__lt=end, end__gt=start)
            .exclude(status=AppointmentStatus.CANCELLED)
            .exclude(pk=appointment.pk)
            .exists()
        )
        appointment.start, appointment.end = start, end
        chair = _free_chair(appointment)
        if clash or chair is None:
            continue
        used.add(appointment.patient_id)
        appointment.chair = chair
        appointment.nurse = nurses[index % len(nurses)]
        appointment.save(update_fields=["start", "end", "chair", "nurse"])
        build_record(
            appointment,
            nurse=appointment.nurse,
            psychiatrist=appointment.patient.psychiatrist or psychiatrist,
            now=now,
            critical_at=critical_at,
        )
    _awaiting_cosign(now, nurses, psychiatrist, used)


def _awaiting_cosign(
    now: dt.datetime, nurses: list[User], psychiatrist: User | None, used: set[int]
) -> None:
    """A session that ended this morning: discharged and signed by the nurse, waiting for
    the psychiatrist's co-signature."""
    appointment = (
        Appointment.objects.filter(
            patient__journey_state__in=[JourneyState.INDUCTION, JourneyState.MAINTENANCE],
            status=AppointmentStatus.SCHEDULED,
            start__gt=now + dt.timedelta(hours=4),
        )
        .exclude(patient_id__in=used)
        .select_related("plan__protocol", "patient__psychiatrist")
        .order_by("start")
        .first()
    )
    if appointment is None:
        return
    start = now - dt.timedelta(minutes=_timeline(appointment).discharge + 40)
    appointment.start = start
    appointment.end = start + dt.timedelta(minutes=appointment.plan.protocol.chair_block_minutes)
    chair = _free_chair(appointment)
    if chair is None:
        return
    appointment.chair = chair
    appointment.nurse = nurses[0]
    appointment.save(update_fields=["start", "end", "chair", "nurse"])
    build_record(appointment, nurse=nurses[0], psychiatrist=None, now=now)
