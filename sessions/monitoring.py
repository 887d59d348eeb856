"""In-session monitoring rules (spec: session-monitoring.md, engine-api.md).

Pure functions only: no database, no request, no settings. The clinic's stored limits
are passed in by the caller as a `VitalLimits`. `validate_reading`, `vital_alerts`,
`predose_gate`, `VitalLimits`, `Alert` and `Gate` are a fixed contract (engine-api.md);
the vitals schedule, discharge criteria and dose arithmetic below are the product's own
rules built on the same spec.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError

ROUTES = ("iv", "im", "intranasal_esketamine", "oral")
ESKETAMINE = "intranasal_esketamine"

WHOLE_NUMBER_VITALS: dict[str, tuple[int, int, str]] = {
    "systolic": (50, 300, "Systolic blood pressure"),
    "diastolic": (20, 200, "Diastolic blood pressure"),
    "heart_rate": (20, 250, "Heart rate"),
    "spo2": (50, 100, "SpO2"),
    "resp_rate": (2, 80, "Respiratory rate"),
}
UNITS = {
    "systolic": "mmHg",
    "diastolic": "mmHg",
    "heart_rate": "bpm",
    "spo2": "%",
    "resp_rate": "/min",
}
TEMPERATURE_RANGE = (30.0, 45.0)
VITAL_KEYS = (*WHOLE_NUMBER_VITALS, "temperature_c", "moaas")


@dataclass(frozen=True)
class VitalLimits:
    """Alert and pre-dose limits; the defaults are engine-api.md's tables."""

    bp_high_warning: tuple[int, int] = (160, 100)
    bp_high_critical: tuple[int, int] = (180, 110)
    bp_low_warning: int = 90
    bp_low_critical: int = 80
    hr_high_warning: int = 120
    hr_high_critical: int = 140
    hr_low_warning: int = 50
    hr_low_critical: int = 40
    spo2_low_warning: int = 94
    spo2_low_critical: int = 90
    rr_low_warning: int = 10
    rr_low_critical: int = 8
    rr_high_warning: int = 30
    rr_high_critical: int = 40
    bp_rise_warning: int = 40
    predose_bp_esketamine: tuple[int, int] = (140, 90)
    predose_bp_esketamine_65: tuple[int, int] = (150, 90)
    predose_bp_other: tuple[int, int] = (160, 100)
    predose_hr: tuple[int, int] = (45, 120)
    predose_spo2: int = 94


@dataclass(frozen=True)
class Alert:
    code: str
    level: str
    message: str


@dataclass(frozen=True)
class Gate:
    proceed: bool
    reasons: tuple[str, ...]


WARNING = "warning"
CRITICAL = "critical"

GATE_REASON_TEXT = {
    "PREDOSE_BP_MISSING": "No pre-dose blood pressure (systolic and diastolic) recorded.",
    "PREDOSE_BP_HIGH": "Pre-dose blood pressure is above the limit for this route.",
    "PREDOSE_HR": "Pre-dose heart rate is outside the safe range.",
    "PREDOSE_SPO2": "Pre-dose SpO2 is below the limit.",
}


def _present(reading: Mapping[str, Any], key: str) -> bool:
    return reading.get(key) is not None


def _number_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return "Enter a number."
    if isinstance(value, complex):
        return "Enter a number."
    if isinstance(value, Decimal) and value.is_nan():
        return "Enter a number."
    if isinstance(value, float) and math.isnan(value):
        return "Enter a number."
    return None


def _is_whole(value: numbers.Number) -> bool:
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return math.isfinite(float(value)) and float(value).is_integer()


def validate_reading(reading: Mapping[str, Any]) -> None:
    """Refuse an implausible reading; raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    if not any(_present(reading, key) for key in VITAL_KEYS):
        raise ValidationError({"__all__": ["Enter at least one vital sign."]})
    for key, (low, high, label) in WHOLE_NUMBER_VITALS.items():
        if not _present(reading, key):
            continue
        value = reading[key]
        problem = _number_problem(value)
        if problem is None and not _is_whole(value):
            problem = f"{label} is a whole number."
        if problem is None and not low <= value <= high:
            problem = f"{label} must be between {low} and {high} {UNITS[key]}."
        if problem:
            errors[key] = [problem]
    if _present(reading, "temperature_c"):
        value = reading["temperature_c"]
        problem = _number_problem(value)
        low, high = TEMPERATURE_RANGE
        if problem is None and not low <= value <= high:
            problem = f"Temperature must be between {low:.1f} and {high:.1f} °C."
        if problem:
            errors["temperature_c"] = [problem]
    if _present(reading, "moaas"):
        value = reading["moaas"]
        problem = _number_problem(value)
        if problem is None and (not _is_whole(value) or not 0 <= value <= 5):
            problem = "MOAA/S is a whole number from 0 to 5."
        if problem:
            errors["moaas"] = ["MOAA/S is a whole number from 0 to 5."]
    if (
        _present(reading, "systolic")
        and _present(reading, "diastolic")
        and "systolic" not in errors
        and "diastolic" not in errors
        and reading["diastolic"] >= reading["systolic"]
    ):
        errors["diastolic"] = ["Diastolic must be below systolic."]
    if errors:
        raise ValidationError(errors)


def _bp_text(reading: Mapping[str, Any]) -> str:
    systolic = reading.get("systolic")
    diastolic = reading.get("diastolic")
    return (
        f"{systolic if systolic is not None else '–'}/{diastolic if diastolic is not None else '–'}"
    )


def _at_or_above(reading: Mapping[str, Any], limit: tuple[int, int]) -> bool:
    systolic, diastolic = reading.get("systolic"), reading.get("diastolic")
    return (systolic is not None and systolic >= limit[0]) or (
        diastolic is not None and diastolic >= limit[1]
    )


def _above(reading: Mapping[str, Any], limit: tuple[int, int]) -> bool:
    systolic, diastolic = reading.get("systolic"), reading.get("diastolic")
    return (systolic is not None and systolic > limit[0]) or (
        diastolic is not None and diastolic > limit[1]
    )


def vital_alerts(
    reading: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    limits: VitalLimits | None = None,
) -> list[Alert]:
    """One alert per code at the highest level reached, in the table's order."""
    lim = limits or VitalLimits()
    alerts: list[Alert] = []
    systolic = reading.get("systolic")
    heart_rate = reading.get("heart_rate")
    spo2 = reading.get("spo2")
    resp_rate = reading.get("resp_rate")
    moaas = reading.get("moaas")
    bp = _bp_text(reading)

    if _at_or_above(reading, lim.bp_high_critical):
        alerts.append(Alert("BP_HIGH", CRITICAL, f"Blood pressure {bp} mmHg is critically high."))
    elif _at_or_above(reading, lim.bp_high_warning):
        alerts.append(Alert("BP_HIGH", WARNING, f"Blood pressure {bp} mmHg is high."))
    if systolic is not None and systolic < lim.bp_low_critical:
        alerts.append(Alert("BP_LOW", CRITICAL, f"Systolic {systolic} mmHg is critically low."))
    elif systolic is not None and systolic < lim.bp_low_warning:
        alerts.append(Alert("BP_LOW", WARNING, f"Systolic {systolic} mmHg is low."))
    if heart_rate is not None and heart_rate >= lim.hr_high_critical:
        alerts.append(
            Alert("HR_HIGH", CRITICAL, f"Heart rate {heart_rate} bpm is critically high.")
        )
    elif heart_rate is not None and heart_rate >= lim.hr_high_warning:
        alerts.append(Alert("HR_HIGH", WARNING, f"Heart rate {heart_rate} bpm is high."))
    if heart_rate is not None and heart_rate < lim.hr_low_critical:
        alerts.append(Alert("HR_LOW", CRITICAL, f"Heart rate {heart_rate} bpm is critically low."))
    elif heart_rate is not None and heart_rate < lim.hr_low_warning:
        alerts.append(Alert("HR_LOW", WARNING, f"Heart rate {heart_rate} bpm is low."))
    if spo2 is not None and spo2 < lim.spo2_low_critical:
        alerts.append(Alert("SPO2_LOW", CRITICAL, f"SpO2 {spo2} % is critically low."))
    elif spo2 is not None and spo2 < lim.spo2_low_warning:
        alerts.append(Alert("SPO2_LOW", WARNING, f"SpO2 {spo2} % is low."))
    if resp_rate is not None and resp_rate < lim.rr_low_critical:
        alerts.append(
            Alert("RR_LOW", CRITICAL, f"Respiratory rate {resp_rate}/min is critically low.")
        )
    elif resp_rate is not None and resp_rate < lim.rr_low_warning:
        alerts.append(Alert("RR_LOW", WARNING, f"Respiratory rate {resp_rate}/min is low."))
    if resp_rate is not None and resp_rate >= lim.rr_high_critical:
        alerts.append(
            Alert("RR_HIGH", CRITICAL, f"Respiratory rate {resp_rate}/min is critically high.")
        )
    elif resp_rate is not None and resp_rate >= lim.rr_high_warning:
        alerts.append(Alert("RR_HIGH", WARNING, f"Respiratory rate {resp_rate}/min is high."))
    if moaas is not None and moaas <= 2:
        alerts.append(Alert("SEDATION", CRITICAL, f"MOAA/S {moaas}: deep sedation."))
    elif moaas is not None and moaas == 3:
        alerts.append(Alert("SEDATION", WARNING, "MOAA/S 3: responds only to loud voice."))
    baseline_systolic = baseline.get("systolic") if baseline else None
    if (
        baseline_systolic is not None
        and systolic is not None
        and systolic - baseline_systolic >= lim.bp_rise_warning
    ):
        alerts.append(
            Alert(
                "BP_RISE",
                WARNING,
                f"Systolic rose {systolic - baseline_systolic} mmHg over the pre-dose "
                f"{baseline_systolic} mmHg.",
            )
        )
    return alerts


def predose_gate(
    reading: Mapping[str, Any], *, route: str, age: int, limits: VitalLimits | None = None
) -> Gate:
    """Proceed or hold before dosing, with the reasons of session-monitoring.md §2."""
    if route not in ROUTES:
        raise ValueError(f"Unknown route {route!r}; expected one of {', '.join(ROUTES)}.")
    lim = limits or VitalLimits()
    reasons: list[str] = []
    if reading.get("systolic") is None or reading.get("diastolic") is None:
        reasons.append("PREDOSE_BP_MISSING")
    if route == ESKETAMINE:
        high = _above(
            reading, lim.predose_bp_esketamine_65 if age >= 65 else lim.predose_bp_esketamine
        )
    else:
        high = _at_or_above(reading, lim.predose_bp_other)
    if high:
        reasons.append("PREDOSE_BP_HIGH")
    heart_rate = reading.get("heart_rate")
    low_hr, high_hr = lim.predose_hr
    if heart_rate is not None and (heart_rate >= high_hr or heart_rate < low_hr):
        reasons.append("PREDOSE_HR")
    spo2 = reading.get("spo2")
    if spo2 is not None and spo2 < lim.predose_spo2:
        reasons.append("PREDOSE_SPO2")
    return Gate(proceed=not reasons, reasons=tuple(reasons))


# --- Vitals schedule (spec §4) -------------------------------------------------------

INTERVAL_MINUTES = 15
ESKETAMINE_FIRST_CHECK_MINUTES = 40
ESKETAMINE_INTERVAL_MINUTES = 30
# A reading up to five minutes early still counts as the esketamine 40-minute check.
ESKETAMINE_EARLY_TOLERANCE_MINUTES = 5


@dataclass(frozen=True)
class VitalsDue:
    """The next reading owed: `due_at` is None when no timed reading is owed."""

    due_at: dt.datetime | None
    label: str
    overdue: bool


def vitals_due(
    route: str,
    *,
    dose_started_at: dt.datetime | None,
    reading_times: Iterable[dt.datetime],
    now: dt.datetime,
    has_baseline: bool,
    finished: bool = False,
) -> VitalsDue:
    """When the next reading is due: baseline before the dose, then every 15 minutes from
    the dose (IV/IM/oral), or at 40 minutes after the first device and then at least
    every 30 minutes (esketamine), until discharge."""
    if finished:
        return VitalsDue(None, "Monitoring finished", False)
    if dose_started_at is None:
        if has_baseline:
            return VitalsDue(None, "Baseline taken; next reading due once dosing starts", False)
        return VitalsDue(None, "Baseline reading needed before the dose", False)
    after_dose = sorted(t for t in reading_times if t >= dose_started_at)
    if route == ESKETAMINE:
        first_check = dose_started_at + dt.timedelta(minutes=ESKETAMINE_FIRST_CHECK_MINUTES)
        window = first_check - dt.timedelta(minutes=ESKETAMINE_EARLY_TOLERANCE_MINUTES)
        counted = [t for t in after_dose if t >= window]
        if not counted:
            due, label = first_check, "40-minute check"
        else:
            due = counted[-1] + dt.timedelta(minutes=ESKETAMINE_INTERVAL_MINUTES)
            label = "30-minute check"
    else:
        last = after_dose[-1] if after_dose else dose_started_at
        due, label = last + dt.timedelta(minutes=INTERVAL_MINUTES), "15-minute check"
    return VitalsDue(due, label, now > due)


# --- Dose arithmetic (spec §3) -------------------------------------------------------

ESKETAMINE_DEVICE_MG = 28
DEVICE_MIN_GAP_MINUTES = 5


def dose_total_mg(weight_kg: Decimal, mg_per_kg: Decimal) -> Decimal:
    """Weight × mg/kg, rounded half-up to 0.1 mg (the figure shown and recorded)."""
    return (Decimal(weight_kg) * Decimal(mg_per_kg)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def device_spacing_warnings(times: Sequence[dt.datetime]) -> list[str]:
    """Esketamine devices should be at least 5 minutes apart; one warning per short gap."""
    ordered = sorted(times)
    warnings = []
    for number, (earlier, later) in enumerate(itertools.pairwise(ordered), start=2):
        gap = (later - earlier).total_seconds() / 60
        if gap < DEVICE_MIN_GAP_MINUTES:
            warnings.append(
                f"Device {number} was given {gap:.0f} min after device {number - 1} "
                f"(at least {DEVICE_MIN_GAP_MINUTES} min apart is recommended)."
            )
    return warnings


# --- Discharge (spec §6) -------------------------------------------------------------

DISCHARGE_ASSESSMENT = (
    ("oriented", "Oriented to time, place and person"),
    ("steady_walking", "Walks steadily"),
    ("nausea_controlled", "Nausea controlled"),
    ("escort_present", "Escort present to take the patient home"),
)


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    met: bool
    detail: str


@dataclass(frozen=True)
class DischargeStatus:
    criteria: tuple[Criterion, ...]
    observation_met_at: dt.datetime | None

    @property
    def ready(self) -> bool:
        return all(criterion.met for criterion in self.criteria)

    @property
    def unmet(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.criteria if not criterion.met)


def discharge_check(
    *,
    observation_start: dt.datetime | None,
    observation_minutes: int,
    observation_from: str,
    now: dt.datetime,
    last_reading: Mapping[str, Any] | None,
    last_reading_alerts: Sequence[Alert],
    latest_moaas: int | None,
    assessment: Mapping[str, bool],
) -> DischargeStatus:
    """Which discharge criteria are met, and when the observation time will be met."""
    criteria = []
    met_at = None
    if observation_start is None:
        criteria.append(
            Criterion(
                "OBSERVATION_TIME",
                f"{observation_minutes} min observation after {observation_from}",
                False,
                f"Starts when {observation_from.removeprefix('the ')} is recorded.",
            )
        )
    else:
        met_at = observation_start + dt.timedelta(minutes=observation_minutes)
        remaining = math.ceil((met_at - now).total_seconds() / 60)
        criteria.append(
            Criterion(
                "OBSERVATION_TIME",
                f"{observation_minutes} min observation after {observation_from}",
                now >= met_at,
                "Met." if now >= met_at else f"Met in {remaining} min.",
            )
        )
    if last_reading is None:
        criteria.append(
            Criterion("LAST_READING_CLEAR", "Last vitals without alerts", False, "No reading yet.")
        )
    else:
        names = ", ".join(alert.code for alert in last_reading_alerts)
        criteria.append(
            Criterion(
                "LAST_READING_CLEAR",
                "Last vitals without alerts",
                not last_reading_alerts,
                "Met." if not last_reading_alerts else f"Last reading has alerts: {names}.",
            )
        )
    criteria.append(
        Criterion(
            "MOAAS_5",
            "MOAA/S 5 (alert, responds readily)",
            latest_moaas == 5,
            "Met."
            if latest_moaas == 5
            else (
                "No MOAA/S recorded."
                if latest_moaas is None
                else f"Latest MOAA/S is {latest_moaas}."
            ),
        )
    )
    for key, label in DISCHARGE_ASSESSMENT:
        met = bool(assessment.get(key))
        criteria.append(Criterion(key.upper(), label, met, "Met." if met else "Not confirmed yet."))
    return DischargeStatus(tuple(criteria), met_at)
