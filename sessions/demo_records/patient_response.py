"""How a demo patient responds: the vitals curve after the dose, sedation and
dissociation, the PHQ-9 falling over the series, and the weight the nurse measures."""

from __future__ import annotations

import random
from decimal import Decimal

from intake.measures import PHQ9
from intake.models import MeasureResult
from sessions import monitoring
from sessions.models import Appointment, AppointmentStatus, TreatmentSession
from sessions.models.vitals import ReadingPhase
from sessions.selectors.before_dose import previous_weight


def vitals_curve(rng: random.Random, minutes_after_dose: int, route: str) -> dict[str, int]:
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


def dissociation_rating(moaas: int | None, phase: str) -> int | None:
    """The clinician's 0–4 rating charted with the sedation score after the dose."""
    if phase != ReadingPhase.MONITORING or moaas is None:
        return None
    return {5: 0, 4: 1}.get(moaas, 2)


# How a demo patient's PHQ-9 falls per completed session: a strong responder, a partial
# responder and a non-responder, so the outcome charts and the clinic page show all three.
RESPONSE_PER_SESSION = (0.25, 0.1, 0.0)


def expected_phq9(session: TreatmentSession) -> int:
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


def items_for(total: int, items: int, top: int, rng: random.Random) -> dict[str, int]:
    """Spread a total over `items` answers of 0..top (demo questionnaires)."""
    values = [0] * items
    for _ in range(min(total, items * top)):
        choices = [i for i, v in enumerate(values) if v < top]
        values[rng.choice(choices)] += 1
    return {f"q{n}": v for n, v in enumerate(values, start=1)}


def demo_weight(session: TreatmentSession) -> Decimal:
    """The weight the nurse measures: the patient's last recorded one (an earlier check-in,
    else the intake's), so the demo's records do not all carry a re-measured warning."""
    last = previous_weight(session)
    if last is not None:
        return last
    return Decimal(60 + (session.patient_id * 7) % 35) + Decimal("0.4")
