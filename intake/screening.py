"""Contraindication screening: intake answers → flags and a level. Pure: no I/O.

Fixed contract: ../shared/spec/engine-api.md (`screen`, `Flag`, `Screening`,
`RULESET_VERSION`). Rules and their order: intake-and-screening.md §3, ruleset 2026.1.
Changing a rule means a new RULESET_VERSION; stored results are never recomputed.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RULESET_VERSION = "2026.1"

ABSOLUTE = "absolute"
RELATIVE = "relative"
URGENT = "urgent"
INFO = "info"

CLEAR = "clear"
CAUTION = "caution"
CONTRAINDICATED = "contraindicated"

RECENT_WINDOW_DAYS = 183  # "within 6 months" = on or after today minus 183 days


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str  # "absolute" | "relative" | "urgent" | "info"
    reason: str  # plain language, names the answer(s) that triggered it


@dataclass(frozen=True)
class Screening:
    level: str  # "clear" | "caution" | "contraindicated"
    flags: tuple[Flag, ...]
    ruleset_version: str


# --- Answer keys and their types (intake-and-screening.md §2) ----------------------------

BOOLEAN_KEYS = frozenset(
    {
        "psychotic_disorder_dx",
        "psychotic_symptoms_12m",
        "family_psychosis",
        "mania_12m",
        "mood_stabilizer",
        "suicide_attempt_ever",
        "suicide_attempt_12m",
        "hypertension_dx",
        "hypertension_controlled",
        "aneurysm_history",
        "avm_history",
        "ich_history",
        "coronary_disease",
        "heart_failure",
        "arrhythmia",
        "hypertensive_encephalopathy",
        "raised_icp",
        "glaucoma",
        "hyperthyroidism_untreated",
        "interstitial_cystitis",
        "sleep_apnea_untreated",
        "porphyria",
        "ketamine_allergy",
        "breastfeeding",
        "benzodiazepine",
        "lamotrigine",
        "maoi",
        "stimulant",
        "opioid",
        "has_escort",
    }
)

ENUM_KEYS: dict[str, frozenset[str]] = {
    "sex_at_birth": frozenset({"female", "male", "intersex", "prefer_not_to_say"}),
    "bipolar_dx": frozenset({"none", "bipolar_1", "bipolar_2", "unsure"}),
    "substance_use": frozenset({"none", "remission", "current"}),
    "ketamine_misuse": frozenset({"never", "over_12m", "within_12m"}),
    "liver_disease": frozenset({"none", "mild", "moderate", "severe"}),
    "pregnancy_status": frozenset({"not_applicable", "not_pregnant", "unsure", "pregnant"}),
}

DATE_KEYS = frozenset({"date_of_birth", "mi_date", "stroke_date"})

# Whole numbers with their allowed range (None: no upper bound).
INTEGER_RANGES: dict[str, tuple[int, int | None]] = {
    "alcohol_drinks_per_week": (0, None),
    "phq9_item9": (0, 3),
    "screening_bp_systolic": (50, 300),
    "screening_bp_diastolic": (20, 200),
}

INCOMPLETE_KEYS = (
    "date_of_birth",
    "psychotic_disorder_dx",
    "psychotic_symptoms_12m",
    "aneurysm_history",
    "avm_history",
    "ich_history",
    "pregnancy_status",
    "ketamine_allergy",
)


# --- Normalising the answers ---------------------------------------------------------------


def _as_date(key: str, value: Any, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{key}: {value!r} is not a date in YYYY-MM-DD form") from None
    elif not isinstance(value, datetime.date):
        raise ValueError(f"{key}: expected a date, got {type(value).__name__}")
    if value > today:
        raise ValueError(f"{key}: {value.isoformat()} is after today ({today.isoformat()})")
    return value


def _normalise(answers: Mapping[str, Any], today: datetime.date) -> dict[str, Any]:
    """Check every known key's type and range; drop unanswered (missing/None) keys."""
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        if value is None:
            continue
        if key in BOOLEAN_KEYS:
            if not isinstance(value, bool):
                raise ValueError(f"{key}: expected true or false, got {value!r}")
        elif key in ENUM_KEYS:
            if not isinstance(value, str) or value not in ENUM_KEYS[key]:
                allowed = ", ".join(sorted(ENUM_KEYS[key]))
                raise ValueError(f"{key}: {value!r} is not one of {allowed}")
        elif key in DATE_KEYS:
            value = _as_date(key, value, today)
        elif key in INTEGER_RANGES:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key}: expected a whole number, got {value!r}")
            low, high = INTEGER_RANGES[key]
            if value < low or (high is not None and value > high):
                bounds = f"{low}–{high}" if high is not None else f"at least {low}"
                raise ValueError(f"{key}: {value} is outside {bounds}")
        elif key == "weight_kg":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"weight_kg: expected a number, got {value!r}")
            if math.isnan(value) or math.isinf(value) or value <= 0:
                raise ValueError(f"weight_kg: {value!r} is not a body weight")
        else:
            continue  # keys outside §2 (free text and the like) are ignored
        clean[key] = value
    return clean


def age_on(born: datetime.date, today: datetime.date) -> int:
    """Whole years completed; a 29 February birthday falls on 1 March in common years."""
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


# --- The rules, in the order of the rule table ----------------------------------------------

Rule = Callable[[dict[str, Any], datetime.date], str | None]


def _yes(key: str, reason: str) -> Rule:
    return lambda a, today: reason if a.get(key) is True else None


def _equals(key: str, value: str, reason: str) -> Rule:
    return lambda a, today: reason if a.get(key) == value else None


def _is_recent(day: datetime.date, today: datetime.date) -> bool:
    return day >= today - datetime.timedelta(days=RECENT_WINDOW_DAYS)


def _under_18(a: dict[str, Any], today: datetime.date) -> str | None:
    born = a.get("date_of_birth")
    if born is not None and age_on(born, today) < 18:
        years = age_on(born, today)
        return f"Date of birth {born.isoformat()}: {years} years old (the program is for adults)."
    return None


def _bp(a: dict[str, Any]) -> str:
    shown = [a.get(key, "—") for key in ("screening_bp_systolic", "screening_bp_diastolic")]
    return f"{shown[0]}/{shown[1]} mmHg"


def _bp_severe_values(a: dict[str, Any]) -> bool:
    systolic, diastolic = a.get("screening_bp_systolic"), a.get("screening_bp_diastolic")
    return (systolic is not None and systolic >= 180) or (
        diastolic is not None and diastolic >= 110
    )


def _hypertension_severe(a: dict[str, Any], today: datetime.date) -> str | None:
    if _bp_severe_values(a):
        return f"Screening blood pressure {_bp(a)} (180/110 or above)."
    return None


def _hypertension_elevated(a: dict[str, Any], today: datetime.date) -> str | None:
    if _bp_severe_values(a):
        return None
    systolic, diastolic = a.get("screening_bp_systolic"), a.get("screening_bp_diastolic")
    if (systolic is not None and 140 <= systolic <= 179) or (
        diastolic is not None and 90 <= diastolic <= 109
    ):
        return f"Screening blood pressure {_bp(a)} (140/90 to 179/109)."
    return None


def _recent(key: str, what: str) -> Rule:
    def rule(a: dict[str, Any], today: datetime.date) -> str | None:
        day = a.get(key)
        if day is not None and _is_recent(day, today):
            return f"{what} on {day.isoformat()}, within the last 6 months."
        return None

    return rule


def _bipolar_no_stabilizer(a: dict[str, Any], today: datetime.date) -> str | None:
    diagnosis = a.get("bipolar_dx")
    if diagnosis in ("bipolar_1", "bipolar_2") and a.get("mood_stabilizer") is not True:
        label = "bipolar I" if diagnosis == "bipolar_1" else "bipolar II"
        return f"Diagnosed with {label} disorder and not taking a mood stabilizer."
    return None


def _hypertension_uncontrolled(a: dict[str, Any], today: datetime.date) -> str | None:
    if a.get("hypertension_dx") is True and a.get("hypertension_controlled") is not True:
        if "hypertension_controlled" in a:
            return "High blood pressure that is not controlled now."
        return "High blood pressure; whether it is controlled now was not answered."
    return None


def _cardiac_disease(a: dict[str, Any], today: datetime.date) -> str | None:
    reasons = [
        text
        for key, text in (
            ("coronary_disease", "angina, coronary stents or bypass"),
            ("heart_failure", "heart failure"),
            ("arrhythmia", "an irregular heartbeat needing treatment"),
        )
        if a.get(key) is True
    ]
    heart_attack = a.get("mi_date")
    if heart_attack is not None and not _is_recent(heart_attack, today):
        reasons.append(f"a heart attack on {heart_attack.isoformat()}")
    if reasons:
        return "Heart disease: " + "; ".join(reasons) + "."
    return None


def _prior_stroke(a: dict[str, Any], today: datetime.date) -> str | None:
    day = a.get("stroke_date")
    if day is not None and not _is_recent(day, today):
        return f"Stroke or TIA on {day.isoformat()} (more than 6 months ago)."
    return None


def _incomplete(a: dict[str, Any], today: datetime.date) -> str | None:
    missing = [key for key in INCOMPLETE_KEYS if key not in a]
    if missing:
        return "Not answered: " + ", ".join(missing) + "."
    return None


def _suicidal_ideation(a: dict[str, Any], today: datetime.date) -> str | None:
    reasons = []
    item9 = a.get("phq9_item9")
    if item9 is not None and item9 >= 1:
        reasons.append(
            f"PHQ-9 question 9 (thoughts of being better off dead or of self-harm) answered {item9}"
        )
    if a.get("suicide_attempt_12m") is True:
        reasons.append("a suicide attempt in the past 12 months")
    if reasons:
        return "; ".join(reasons).capitalize() + "."
    return None


def _age_65_plus(a: dict[str, Any], today: datetime.date) -> str | None:
    born = a.get("date_of_birth")
    if born is not None and age_on(born, today) >= 65:
        return f"Age {age_on(born, today)}: esketamine starts at 28 mg; pre-dose BP limit 150/90."
    return None


def _no_escort(a: dict[str, Any], today: datetime.date) -> str | None:
    if a.get("has_escort") is not True:
        if "has_escort" in a:
            return "No adult escort home yet: arrange transport before the first session."
        return "Escort home not answered: arrange transport before the first session."
    return None


def _bp_not_recorded(a: dict[str, Any], today: datetime.date) -> str | None:
    if "screening_bp_systolic" not in a and "screening_bp_diastolic" not in a:
        return "No screening blood pressure yet: it must be measured before approval."
    return None


RULES: tuple[tuple[str, str, Rule], ...] = (
    ("UNDER_18", ABSOLUTE, _under_18),
    (
        "PSYCHOTIC_DISORDER",
        ABSOLUTE,
        _yes(
            "psychotic_disorder_dx",
            "Diagnosed with schizophrenia, schizoaffective or another psychotic disorder.",
        ),
    ),
    (
        "PSYCHOSIS_ACTIVE",
        ABSOLUTE,
        _yes("psychotic_symptoms_12m", "Hallucinations or delusions in the past 12 months."),
    ),
    (
        "VASCULAR_ANEURYSM",
        ABSOLUTE,
        _yes("aneurysm_history", "History of an aneurysm (aorta, brain or other arteries)."),
    ),
    ("AVM", ABSOLUTE, _yes("avm_history", "History of an arteriovenous malformation.")),
    (
        "INTRACEREBRAL_HEMORRHAGE",
        ABSOLUTE,
        _yes("ich_history", "History of bleeding in the brain (intracerebral hemorrhage)."),
    ),
    ("HYPERTENSION_SEVERE", ABSOLUTE, _hypertension_severe),
    ("RECENT_MI", ABSOLUTE, _recent("mi_date", "Heart attack")),
    ("RECENT_STROKE", ABSOLUTE, _recent("stroke_date", "Stroke or TIA")),
    ("PREGNANT", ABSOLUTE, _equals("pregnancy_status", "pregnant", "Currently pregnant.")),
    (
        "KETAMINE_HYPERSENSITIVITY",
        ABSOLUTE,
        _yes("ketamine_allergy", "Allergy or hypersensitivity to ketamine or esketamine."),
    ),
    (
        "KETAMINE_MISUSE_RECENT",
        ABSOLUTE,
        _equals(
            "ketamine_misuse",
            "within_12m",
            "Non-medical use of ketamine or PCP in the past 12 months.",
        ),
    ),
    (
        "HEPATIC_SEVERE",
        ABSOLUTE,
        _equals("liver_disease", "severe", "Severe liver disease (cirrhosis with complications)."),
    ),
    (
        "BIPOLAR_RECENT_MANIA",
        RELATIVE,
        _yes("mania_12m", "A manic or hypomanic episode in the past 12 months."),
    ),
    ("BIPOLAR_NO_STABILIZER", RELATIVE, _bipolar_no_stabilizer),
    (
        "FAMILY_PSYCHOSIS",
        RELATIVE,
        _yes("family_psychosis", "A parent, sibling or child with a psychotic disorder."),
    ),
    ("HYPERTENSION_ELEVATED", RELATIVE, _hypertension_elevated),
    ("HYPERTENSION_UNCONTROLLED", RELATIVE, _hypertension_uncontrolled),
    ("CARDIAC_DISEASE", RELATIVE, _cardiac_disease),
    ("PRIOR_STROKE", RELATIVE, _prior_stroke),
    (
        "HYPERTENSIVE_ENCEPHALOPATHY",
        RELATIVE,
        _yes("hypertensive_encephalopathy", "History of hypertensive encephalopathy."),
    ),
    (
        "RAISED_ICP",
        RELATIVE,
        _yes("raised_icp", "Raised pressure in the skull, a brain mass, or a recent head injury."),
    ),
    (
        "RAISED_IOP",
        RELATIVE,
        _yes("glaucoma", "Glaucoma, raised eye pressure or an open eye injury."),
    ),
    (
        "HYPERTHYROIDISM_UNTREATED",
        RELATIVE,
        _yes("hyperthyroidism_untreated", "Overactive thyroid that is not treated."),
    ),
    ("HEPATIC_MODERATE", RELATIVE, _equals("liver_disease", "moderate", "Moderate liver disease.")),
    (
        "SUBSTANCE_USE_ACTIVE",
        RELATIVE,
        _equals("substance_use", "current", "A current alcohol or drug use disorder."),
    ),
    (
        "KETAMINE_MISUSE_PAST",
        RELATIVE,
        _equals(
            "ketamine_misuse",
            "over_12m",
            "Non-medical use of ketamine or PCP more than 12 months ago.",
        ),
    ),
    (
        "PREGNANCY_POSSIBLE",
        RELATIVE,
        _equals(
            "pregnancy_status",
            "unsure",
            "May be pregnant: a pregnancy test is needed before the first dose.",
        ),
    ),
    ("BREASTFEEDING", RELATIVE, _yes("breastfeeding", "Currently breastfeeding.")),
    (
        "BLADDER_DISEASE",
        RELATIVE,
        _yes(
            "interstitial_cystitis", "Interstitial cystitis or ketamine-related bladder problems."
        ),
    ),
    ("SLEEP_APNEA_UNTREATED", RELATIVE, _yes("sleep_apnea_untreated", "Untreated sleep apnea.")),
    ("PORPHYRIA", RELATIVE, _yes("porphyria", "Porphyria.")),
    (
        "MAOI",
        RELATIVE,
        _yes("maoi", "Takes an MAO inhibitor (blood-pressure rise with esketamine)."),
    ),
    ("STIMULANT", RELATIVE, _yes("stimulant", "Takes a stimulant.")),
    ("OPIOID", RELATIVE, _yes("opioid", "Takes an opioid (sedation, breathing).")),
    ("INCOMPLETE", RELATIVE, _incomplete),
    ("SUICIDAL_IDEATION", URGENT, _suicidal_ideation),
    (
        "BENZODIAZEPINE",
        INFO,
        _yes("benzodiazepine", "Takes a benzodiazepine (may blunt response; adds sedation)."),
    ),
    ("LAMOTRIGINE", INFO, _yes("lamotrigine", "Takes lamotrigine (may blunt response).")),
    ("AGE_65_PLUS", INFO, _age_65_plus),
    ("NO_ESCORT", INFO, _no_escort),
    ("BP_NOT_RECORDED", INFO, _bp_not_recorded),
)

FLAG_CODES: tuple[str, ...] = tuple(code for code, _, _ in RULES)

# The answers each rule reads, so a reviewer can see what triggered a flag.
TRIGGER_KEYS: dict[str, tuple[str, ...]] = {
    "UNDER_18": ("date_of_birth",),
    "PSYCHOTIC_DISORDER": ("psychotic_disorder_dx",),
    "PSYCHOSIS_ACTIVE": ("psychotic_symptoms_12m",),
    "VASCULAR_ANEURYSM": ("aneurysm_history",),
    "AVM": ("avm_history",),
    "INTRACEREBRAL_HEMORRHAGE": ("ich_history",),
    "HYPERTENSION_SEVERE": ("screening_bp_systolic", "screening_bp_diastolic"),
    "RECENT_MI": ("mi_date",),
    "RECENT_STROKE": ("stroke_date",),
    "PREGNANT": ("pregnancy_status",),
    "KETAMINE_HYPERSENSITIVITY": ("ketamine_allergy",),
    "KETAMINE_MISUSE_RECENT": ("ketamine_misuse",),
    "HEPATIC_SEVERE": ("liver_disease",),
    "BIPOLAR_RECENT_MANIA": ("mania_12m",),
    "BIPOLAR_NO_STABILIZER": ("bipolar_dx", "mood_stabilizer"),
    "FAMILY_PSYCHOSIS": ("family_psychosis",),
    "HYPERTENSION_ELEVATED": ("screening_bp_systolic", "screening_bp_diastolic"),
    "HYPERTENSION_UNCONTROLLED": ("hypertension_dx", "hypertension_controlled"),
    "CARDIAC_DISEASE": ("coronary_disease", "heart_failure", "arrhythmia", "mi_date"),
    "PRIOR_STROKE": ("stroke_date",),
    "HYPERTENSIVE_ENCEPHALOPATHY": ("hypertensive_encephalopathy",),
    "RAISED_ICP": ("raised_icp",),
    "RAISED_IOP": ("glaucoma",),
    "HYPERTHYROIDISM_UNTREATED": ("hyperthyroidism_untreated",),
    "HEPATIC_MODERATE": ("liver_disease",),
    "SUBSTANCE_USE_ACTIVE": ("substance_use",),
    "KETAMINE_MISUSE_PAST": ("ketamine_misuse",),
    "PREGNANCY_POSSIBLE": ("pregnancy_status",),
    "BREASTFEEDING": ("breastfeeding",),
    "BLADDER_DISEASE": ("interstitial_cystitis",),
    "SLEEP_APNEA_UNTREATED": ("sleep_apnea_untreated",),
    "PORPHYRIA": ("porphyria",),
    "MAOI": ("maoi",),
    "STIMULANT": ("stimulant",),
    "OPIOID": ("opioid",),
    "INCOMPLETE": INCOMPLETE_KEYS,
    "SUICIDAL_IDEATION": ("phq9_item9", "suicide_attempt_12m"),
    "BENZODIAZEPINE": ("benzodiazepine",),
    "LAMOTRIGINE": ("lamotrigine",),
    "AGE_65_PLUS": ("date_of_birth",),
    "NO_ESCORT": ("has_escort",),
    "BP_NOT_RECORDED": ("screening_bp_systolic", "screening_bp_diastolic"),
}
SEVERITY_OF: dict[str, str] = {code: severity for code, severity, _ in RULES}


def screen(answers: Mapping[str, Any], *, today: datetime.date) -> Screening:
    """Run every rule of the ruleset on the answers; deterministic for the same inputs."""
    if isinstance(today, datetime.datetime) or not isinstance(today, datetime.date):
        raise ValueError("today: expected a date")
    clean = _normalise(answers, today)
    flags = []
    for code, severity, rule in RULES:
        reason = rule(clean, today)
        if reason is not None:
            flags.append(Flag(code=code, severity=severity, reason=reason))
    severities = {flag.severity for flag in flags}
    if ABSOLUTE in severities:
        level = CONTRAINDICATED
    elif severities & {RELATIVE, URGENT}:
        level = CAUTION
    else:
        level = CLEAR
    return Screening(level=level, flags=tuple(flags), ruleset_version=RULESET_VERSION)
