"""In-session monitoring rules (spec: session-monitoring.md, engine-api.md).

Pure functions only: no database, no request, no settings. The clinic's stored limits
are passed in by the caller as a `VitalLimits`. `validate_reading`, `vital_alerts`,
`predose_gate`, `latest_vitals`, `discharge_check` and their dataclasses are a fixed
contract (engine-api.md, version 2); the vitals schedule and device spacing below are the
product's own rules built on the same spec. Dose limits live in `sessions/dosing.py`.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
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
    "PREDOSE_BP_MISSING": "No pre-dose blood pressure pair (systolic and diastolic) in the "
    "30 minutes before the dose.",
    "PREDOSE_BP_HIGH": "Pre-dose blood pressure is above the limit for this route.",
    "PREDOSE_HR_MISSING": "No pre-dose heart rate in the 30 minutes before the dose.",
    "PREDOSE_HR": "Pre-dose heart rate is outside the safe range.",
    "PREDOSE_SPO2_MISSING": "No pre-dose SpO2 in the 30 minutes before the dose (a pulse "
    "oximeter must be used).",
    "PREDOSE_SPO2": "Pre-dose SpO2 is below the limit.",
}
PREDOSE_WINDOW_MINUTES = 30


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


def _judged_values(reading: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
    """The values `vital_alerts` judges one by one: systolic, heart rate, SpO2,
    respiratory rate and MOAA/S (None when missing)."""
    systolic = reading.get("systolic")
    heart_rate = reading.get("heart_rate")
    spo2 = reading.get("spo2")
    resp_rate = reading.get("resp_rate")
    moaas = reading.get("moaas")
    return systolic, heart_rate, spo2, resp_rate, moaas


def _risen_over_baseline(
    systolic: Any, baseline: Mapping[str, Any] | None, lim: VitalLimits
) -> Any:
    """The baseline systolic when one is given and the systolic has risen over it by the
    `BP_RISE` limit or more (>=); None otherwise."""
    baseline_systolic = baseline.get("systolic") if baseline else None
    if (
        baseline_systolic is not None
        and systolic is not None
        and systolic - baseline_systolic >= lim.bp_rise_warning
    ):
        return baseline_systolic
    return None


def vital_alerts(
    reading: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    limits: VitalLimits | None = None,
) -> list[Alert]:
    """One alert per code at the highest level reached, in the table's order."""
    lim = limits or VitalLimits()
    alerts: list[Alert] = []
    systolic, heart_rate, spo2, resp_rate, moaas = _judged_values(reading)
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
    baseline_systolic = _risen_over_baseline(systolic, baseline, lim)
    if baseline_systolic is not None:
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
    """Proceed or hold before dosing, with the reasons of session-monitoring.md §2 in their
    order. A missing BP, heart rate or SpO2 holds; each BP limit is judged on the values
    present. Judge `latest_vitals` of the pre-dose window, not a single row."""
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
    if heart_rate is None:
        reasons.append("PREDOSE_HR_MISSING")
    elif heart_rate >= high_hr or heart_rate < low_hr:
        reasons.append("PREDOSE_HR")
    spo2 = reading.get("spo2")
    if spo2 is None:
        reasons.append("PREDOSE_SPO2_MISSING")
    elif spo2 < lim.predose_spo2:
        reasons.append("PREDOSE_SPO2")
    return Gate(proceed=not reasons, reasons=tuple(reasons))


def gate_reason_text(code: str, *, route: str, age: int, limits: VitalLimits | None = None) -> str:
    """A hold reason in words, with the limit that applies to this route and age."""
    lim = limits or VitalLimits()
    if code == "PREDOSE_BP_HIGH":
        if route == ESKETAMINE:
            systolic, diastolic = (
                lim.predose_bp_esketamine_65 if age >= 65 else lim.predose_bp_esketamine
            )
            return (
                f"Pre-dose blood pressure is above {systolic}/{diastolic} mmHg "
                f"(the esketamine limit{' from age 65' if age >= 65 else ''})."
            )
        systolic, diastolic = lim.predose_bp_other
        return f"Pre-dose blood pressure is {systolic}/{diastolic} mmHg or above."
    if code == "PREDOSE_HR":
        low, high = lim.predose_hr
        return f"Pre-dose heart rate is outside {low}–{high - 1} bpm."
    if code == "PREDOSE_SPO2":
        return f"Pre-dose SpO2 is below {lim.predose_spo2} %."
    return GATE_REASON_TEXT[code]


def _ordered_by_time(readings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Oldest first; readings with the same time keep their given order (stable sort), so
    the later one of a tie counts as newer."""
    return sorted(readings, key=lambda reading: reading["taken_at"])


def latest_vitals(
    readings: Iterable[Mapping[str, Any]], *, now: dt.datetime, window_minutes: int = 30
) -> dict[str, Any]:
    """The newest value of each vital from the readings of the window `[now − window, now]`,
    with blood pressure taken as a pair from the newest reading that has either half.
    `taken_at` is the oldest of the chosen values' times (absent when nothing counts)."""
    start = now - dt.timedelta(minutes=window_minutes)
    counting = [r for r in _ordered_by_time(readings) if start <= r["taken_at"] <= now]
    result: dict[str, Any] = {}
    times: list[dt.datetime] = []
    bp_reading = next(
        (
            r
            for r in reversed(counting)
            if r.get("systolic") is not None or r.get("diastolic") is not None
        ),
        None,
    )
    if bp_reading is not None:
        for key in ("systolic", "diastolic"):
            if bp_reading.get(key) is not None:
                result[key] = bp_reading[key]
        times.append(bp_reading["taken_at"])
    for key in VITAL_KEYS:
        if key in ("systolic", "diastolic"):
            continue
        source = next((r for r in reversed(counting) if r.get(key) is not None), None)
        if source is not None:
            result[key] = source[key]
            times.append(source["taken_at"])
    if times:
        result["taken_at"] = min(times)
    return result


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


# --- Discharge (spec §6, engine-api.md `discharge_check`) ----------------------------

# Minimum observation after `observation_from` when the protocol gives none (scheduling §2).
OBSERVATION_MINUTES = {"iv": 30, "im": 60, ESKETAMINE: 120, "oral": 90}
ESKETAMINE_REMS_OBSERVATION_MINUTES = 120
RECENT_MINUTES = 15

# The four criteria a nurse confirms at the chair: (assessment key, label).
DISCHARGE_ASSESSMENT = (
    ("oriented", "Oriented to time, place and person"),
    ("steady_gait", "Walks steadily"),
    ("nausea_controlled", "Nausea controlled"),
    ("escort_present", "Escort present to take the patient home"),
)

CRITERION_LABELS = {
    "OBSERVATION_TIME": "Minimum observation time passed",
    "VITALS_RECENT": "Full set of vitals (BP, heart rate, SpO2) in the last 15 minutes",
    "BP_ACCEPTABLE": "Blood pressure back below 140/90 or within 20 % of the pre-dose baseline",
    "SPO2_OK": "SpO2 94 % or above",
    "NO_ALERT_LAST_SET": "No alert on the last full set of vitals",
    "MOAAS_5": "MOAA/S 5 (alert, responds readily) in the last 15 minutes",
    "DISSOCIATION_RESOLVED": "Dissociation resolved",
    "NO_OPEN_CRITICAL_ALERT": "No unacknowledged critical alert",
    **{key.upper(): label for key, label in DISCHARGE_ASSESSMENT},
}
# Criteria a psychiatrist can never waive: the esketamine 120-minute observation (REMS).
REMS_CRITERIA = ("OBSERVATION_TIME",)


@dataclass(frozen=True)
class Criterion:
    code: str
    met: bool
    detail: str  # plain language: why not, or when it will be met

    @property
    def label(self) -> str:
        return CRITERION_LABELS[self.code]


@dataclass(frozen=True)
class DischargeStatus:
    criteria: tuple[Criterion, ...]
    ready: bool
    observation_met_at: dt.datetime | None

    @property
    def unmet(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.criteria if not criterion.met)


def observation_minimum(route: str, observation_minutes: int | None = None) -> int:
    """The protocol's minimum observation, or the route's default; esketamine never below
    the REMS 120 minutes."""
    if route not in ROUTES:
        raise ValueError(f"Unknown route {route!r}; expected one of {', '.join(ROUTES)}.")
    minutes = OBSERVATION_MINUTES[route] if observation_minutes is None else observation_minutes
    if route == ESKETAMINE:
        minutes = max(minutes, ESKETAMINE_REMS_OBSERVATION_MINUTES)
    return minutes


def _full_set(reading: Mapping[str, Any]) -> bool:
    return all(
        reading.get(key) is not None for key in ("systolic", "diastolic", "heart_rate", "spo2")
    )


def _observation_criterion(
    now: dt.datetime, observation_from: dt.datetime | None, minimum: int
) -> tuple[Criterion, dt.datetime | None]:
    if observation_from is None:
        return Criterion(
            "OBSERVATION_TIME",
            False,
            f"The {minimum} min observation starts once the dose is given.",
        ), None
    met_at = observation_from + dt.timedelta(minutes=minimum)
    if now >= met_at:
        return Criterion("OBSERVATION_TIME", True, f"{minimum} min observation completed."), met_at
    remaining = math.ceil((met_at - now).total_seconds() / 60)
    return Criterion(
        "OBSERVATION_TIME",
        False,
        f"{minimum} min observation after the dose: {remaining} min to go.",
    ), met_at


def _bp_acceptable(last: Mapping[str, Any], baseline: Mapping[str, Any] | None) -> Criterion:
    systolic, diastolic = last["systolic"], last["diastolic"]
    shown = f"{systolic}/{diastolic} mmHg"
    if systolic < 90:
        return Criterion("BP_ACCEPTABLE", False, f"Systolic {systolic} mmHg is below 90.")
    if systolic >= 160 or diastolic >= 100:
        return Criterion("BP_ACCEPTABLE", False, f"Blood pressure {shown} is 160/100 or above.")
    if systolic < 140 and diastolic < 90:
        return Criterion("BP_ACCEPTABLE", True, f"Blood pressure {shown} is below 140/90.")
    base_systolic = baseline.get("systolic") if baseline else None
    base_diastolic = baseline.get("diastolic") if baseline else None
    if base_systolic is None or base_diastolic is None:
        return Criterion(
            "BP_ACCEPTABLE",
            False,
            f"Blood pressure {shown} is 140/90 or above and there is no pre-dose baseline "
            "to compare with.",
        )
    # Exact: systolic ≤ 1.2 × baseline  ⇔  5 × systolic ≤ 6 × baseline.
    within = (
        Decimal(systolic) * 5 <= Decimal(base_systolic) * 6
        and Decimal(diastolic) * 5 <= Decimal(base_diastolic) * 6
    )
    if within:
        return Criterion(
            "BP_ACCEPTABLE",
            True,
            f"Blood pressure {shown} is within 20 % of the pre-dose {base_systolic}/"
            f"{base_diastolic} mmHg.",
        )
    return Criterion(
        "BP_ACCEPTABLE",
        False,
        f"Blood pressure {shown} is more than 20 % above the pre-dose {base_systolic}/"
        f"{base_diastolic} mmHg and not below 140/90.",
    )


def _moaas_criterion(readings: Sequence[Mapping[str, Any]], now: dt.datetime) -> Criterion:
    since = now - dt.timedelta(minutes=RECENT_MINUTES)
    recent = [r for r in readings if r["taken_at"] >= since and r.get("moaas") is not None]
    if not recent:
        return Criterion("MOAAS_5", False, "No MOAA/S recorded in the last 15 minutes.")
    moaas = recent[-1]["moaas"]
    if moaas == 5:
        return Criterion("MOAAS_5", True, "MOAA/S 5 in the last 15 minutes.")
    return Criterion("MOAAS_5", False, f"Latest MOAA/S is {moaas} (needs 5).")


def _vitals_recent_criterion(last: Mapping[str, Any], now: dt.datetime) -> Criterion:
    age = now - last["taken_at"]
    minutes_ago = math.floor(age.total_seconds() / 60)
    if age <= dt.timedelta(minutes=RECENT_MINUTES):
        return Criterion("VITALS_RECENT", True, f"Last full set taken {minutes_ago} min ago.")
    return Criterion(
        "VITALS_RECENT",
        False,
        f"Last full set was taken {minutes_ago} min ago: take a new set (BP, heart rate, SpO2).",
    )


def _spo2_criterion(last: Mapping[str, Any]) -> Criterion:
    spo2 = last["spo2"]
    return Criterion(
        "SPO2_OK",
        spo2 >= 94,
        f"SpO2 {spo2} %." if spo2 >= 94 else f"SpO2 {spo2} % is below 94 %.",
    )


def _no_alert_criterion(
    last: Mapping[str, Any], baseline: Mapping[str, Any] | None, limits: VitalLimits | None
) -> Criterion:
    alerts = vital_alerts(last, baseline=baseline, limits=limits)
    return Criterion(
        "NO_ALERT_LAST_SET",
        not alerts,
        "No alert on the last full set."
        if not alerts
        else "Last full set: " + " ".join(alert.message for alert in alerts),
    )


def _last_set_criteria(
    last: Mapping[str, Any] | None,
    now: dt.datetime,
    baseline: Mapping[str, Any] | None,
    limits: VitalLimits | None,
) -> list[Criterion]:
    """`VITALS_RECENT`, `BP_ACCEPTABLE`, `SPO2_OK` and `NO_ALERT_LAST_SET`, judged on the
    last full set (all unmet when there is none)."""
    if last is None:
        no_set = "No full set of vitals (BP, heart rate and SpO2 together) yet."
        return [
            Criterion("VITALS_RECENT", False, no_set),
            Criterion("BP_ACCEPTABLE", False, no_set),
            Criterion("SPO2_OK", False, no_set),
            Criterion("NO_ALERT_LAST_SET", False, no_set),
        ]
    return [
        _vitals_recent_criterion(last, now),
        _bp_acceptable(last, baseline),
        _spo2_criterion(last),
        _no_alert_criterion(last, baseline, limits),
    ]


def _chair_criteria(
    dissociation_resolved: bool, open_critical_alerts: int, assessment: Mapping[str, bool]
) -> list[Criterion]:
    """`DISSOCIATION_RESOLVED`, `NO_OPEN_CRITICAL_ALERT` and the nurse's four assessment
    criteria, in that order."""
    criteria = [
        Criterion(
            "DISSOCIATION_RESOLVED",
            dissociation_resolved is True,
            "Dissociation resolved."
            if dissociation_resolved is True
            else "Dissociation not yet rated as resolved (rating 0 or CADSS items all 0).",
        ),
        Criterion(
            "NO_OPEN_CRITICAL_ALERT",
            open_critical_alerts == 0,
            "No unacknowledged critical alert."
            if open_critical_alerts == 0
            else f"{open_critical_alerts} critical alert(s) not yet acknowledged.",
        ),
    ]
    for key, _label in DISCHARGE_ASSESSMENT:
        met = assessment.get(key) is True
        criteria.append(Criterion(key.upper(), met, "Confirmed." if met else "Not confirmed yet."))
    return criteria


def discharge_check(
    *,
    route: str,
    now: dt.datetime,
    observation_from: dt.datetime | None,
    readings: Iterable[Mapping[str, Any]],
    baseline: Mapping[str, Any] | None,
    dissociation_resolved: bool,
    open_critical_alerts: int,
    assessment: Mapping[str, bool],
    limits: VitalLimits | None = None,
    observation_minutes: int | None = None,
) -> DischargeStatus:
    """Every discharge criterion of session-monitoring.md §6, in the contract's order, with
    why it is unmet or when it will be met."""
    minimum = observation_minimum(route, observation_minutes)
    observation, met_at = _observation_criterion(now, observation_from, minimum)
    criteria = [observation]
    past = [r for r in _ordered_by_time(readings) if r["taken_at"] <= now]
    full_sets = [r for r in past if _full_set(r)]
    last = full_sets[-1] if full_sets else None
    criteria += _last_set_criteria(last, now, baseline, limits)
    criteria.append(_moaas_criterion(past, now))
    criteria += _chair_criteria(dissociation_resolved, open_critical_alerts, assessment)
    return DischargeStatus(
        criteria=tuple(criteria),
        ready=all(criterion.met for criterion in criteria),
        observation_met_at=met_at,
    )
