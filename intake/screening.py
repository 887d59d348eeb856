"""Contraindication screening: intake answers → flags and a level. Pure: no I/O.

Fixed contract: ../shared/spec/engine-api.md (`screen`, `Flag`, `Screening`,
`RULESET_VERSION`). Rules and their order: intake-and-screening.md §3, ruleset 2026.2.
Changing a rule means a new RULESET_VERSION; stored results are never recomputed (a
2026.1 result keeps its flags, reasons and answers as they were stored).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

RULESET_VERSION = "2026.2"

ABSOLUTE = "absolute"
RELATIVE = "relative"
URGENT = "urgent"
INFO = "info"

CLEAR = "clear"
CAUTION = "caution"
CONTRAINDICATED = "contraindicated"

RECENT_WINDOW_DAYS = 183  # "within 6 months" = on or after today minus 183 days

# NIAAA heavy drinking: more than 14 drinks a week for men, more than 7 otherwise.
HEAVY_DRINKING_ABOVE = {"male": 14}
HEAVY_DRINKING_ABOVE_DEFAULT = 7


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
        "psychotic_symptoms_current",
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
        "sedative_hypnotic",
        "theophylline",
        "naltrexone",
        "has_escort",
    }
)

SUICIDE_RISK_BANDS = ("negative", "non_acute_positive", "acute_positive")

ENUM_KEYS: dict[str, frozenset[str]] = {
    "sex_at_birth": frozenset({"female", "male", "intersex", "prefer_not_to_say"}),
    "bipolar_dx": frozenset({"none", "bipolar_1", "bipolar_2", "unsure"}),
    "substance_use": frozenset({"none", "remission", "current"}),
    "ketamine_misuse": frozenset({"never", "over_12m", "within_12m"}),
    "liver_disease": frozenset({"none", "mild", "moderate", "severe"}),
    "pregnancy_status": frozenset({"not_applicable", "not_pregnant", "unsure", "pregnant"}),
    "suicide_risk_screen": frozenset(SUICIDE_RISK_BANDS),
}

DATE_KEYS = frozenset({"date_of_birth", "mi_date", "stroke_date"})

# Whole numbers with their allowed range (None: no upper bound).
INTEGER_RANGES: dict[str, tuple[int, int | None]] = {
    "alcohol_drinks_per_week": (0, None),
    "phq9_item9": (0, 3),
    "screening_bp_systolic": (50, 300),
    "screening_bp_diastolic": (20, 200),
}

# The safety questions whose absence fires INCOMPLETE, in the order the reason lists them.
INCOMPLETE_KEYS = (
    "date_of_birth",
    "sex_at_birth",
    "psychotic_disorder_dx",
    "psychotic_symptoms_current",
    "psychotic_symptoms_12m",
    "family_psychosis",
    "bipolar_dx",
    "mania_12m",
    "suicide_attempt_ever",
    "substance_use",
    "ketamine_misuse",
    "hypertension_dx",
    "aneurysm_history",
    "avm_history",
    "ich_history",
    "coronary_disease",
    "heart_failure",
    "arrhythmia",
    "raised_icp",
    "liver_disease",
    "pregnancy_status",
    "ketamine_allergy",
    "benzodiazepine",
    "maoi",
    "stimulant",
    "opioid",
    "suicide_risk_screen",
    "phq9_item9",
)

# Questions asked only when another answer makes them relevant: {key: (parent, condition)}.
# The intake shows them only then; a missing one is not "unanswered" unless the condition
# holds (and only suicide_attempt_12m is then a safety question).
CONDITIONAL_KEYS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "hypertension_controlled": ("hypertension_dx", lambda value: value is True),
    "mood_stabilizer": ("bipolar_dx", lambda value: value is not None and value != "none"),
    "breastfeeding": ("sex_at_birth", lambda value: value != "male"),
    "suicide_attempt_12m": ("suicide_attempt_ever", lambda value: value is True),
}


def is_asked(key: str, answers: Mapping[str, Any]) -> bool:
    """Whether a conditional question applies to these answers (other keys: always)."""
    if key not in CONDITIONAL_KEYS:
        return True
    parent, condition = CONDITIONAL_KEYS[key]
    return condition(answers.get(parent))


def unanswered_safety_keys(answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The INCOMPLETE keys missing from `answers`, in the reason's order (suicide_attempt_12m
    last when an attempt was reported without its recency)."""
    missing = [key for key in INCOMPLETE_KEYS if answers.get(key) is None]
    if answers.get("suicide_attempt_ever") is True and answers.get("suicide_attempt_12m") is None:
        missing.append("suicide_attempt_12m")
    return tuple(missing)


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


def _check_weight(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"weight_kg: expected a number, got {value!r}")
    if isinstance(value, Decimal):
        finite = value.is_finite()
    else:
        finite = not (math.isnan(value) or math.isinf(value))
    if not finite or value <= 0:
        raise ValueError(f"weight_kg: {value!r} is not a body weight")


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
            _check_weight(value)
        else:
            continue  # keys outside §2's typed keys (free text, lists) are ignored
        clean[key] = value
    return clean


def age_on(born: datetime.date, today: datetime.date) -> int:
    """Whole years completed; a 29 February birthday falls on 1 March in common years."""
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


# --- The rules, in the order of the rule table ----------------------------------------------

Check = Callable[[dict[str, Any], datetime.date], str | None]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    keys: tuple[str, ...]  # the answers the rule reads, shown to the psychiatrist
    check: Check


def _yes(key: str, reason: str) -> Check:
    return lambda a, today: reason if a.get(key) is True else None


def _equals(key: str, value: str, reason: str) -> Check:
    return lambda a, today: reason if a.get(key) == value else None


def _is_recent(day: datetime.date, today: datetime.date) -> bool:
    return day >= today - datetime.timedelta(days=RECENT_WINDOW_DAYS)


def _attempt_within_12m(a: dict[str, Any]) -> bool:
    """An attempt of unknown recency is treated as recent."""
    if a.get("suicide_attempt_12m") is True:
        return True
    return a.get("suicide_attempt_ever") is True and "suicide_attempt_12m" not in a


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


def _recent(key: str, what: str) -> Check:
    def rule(a: dict[str, Any], today: datetime.date) -> str | None:
        day = a.get(key)
        if day is not None and _is_recent(day, today):
            return f"{what} on {day.isoformat()}, within the last 6 months."
        return None

    return rule


def _psychosis_recent(a: dict[str, Any], today: datetime.date) -> str | None:
    if a.get("psychotic_symptoms_12m") is True and a.get("psychotic_symptoms_current") is not True:
        return (
            "Hallucinations or delusions in the past 12 months but not in the past month "
            "(needs the psychiatrist's judgement)."
        )
    return None


def _bipolar_no_stabilizer(a: dict[str, Any], today: datetime.date) -> str | None:
    diagnosis = a.get("bipolar_dx")
    if diagnosis in ("bipolar_1", "bipolar_2") and a.get("mood_stabilizer") is not True:
        label = "bipolar I" if diagnosis == "bipolar_1" else "bipolar II"
        if "mood_stabilizer" in a:
            return f"Diagnosed with {label} disorder and not taking a mood stabilizer."
        return (
            f"Diagnosed with {label} disorder; whether a mood stabilizer is taken was not answered."
        )
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


def _alcohol_heavy(a: dict[str, Any], today: datetime.date) -> str | None:
    drinks = a.get("alcohol_drinks_per_week")
    limit = HEAVY_DRINKING_ABOVE.get(a.get("sex_at_birth"), HEAVY_DRINKING_ABOVE_DEFAULT)
    if drinks is not None and drinks > limit:
        return f"{drinks} alcoholic drinks a week (heavy drinking is more than {limit})."
    return None


def _suicide_attempt_past(a: dict[str, Any], today: datetime.date) -> str | None:
    if a.get("suicide_attempt_ever") is True and not _attempt_within_12m(a):
        return (
            "A suicide attempt more than 12 months ago: a structured suicide risk assessment "
            "is needed."
        )
    return None


def _incomplete(a: dict[str, Any], today: datetime.date) -> str | None:
    missing = unanswered_safety_keys(a)
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
    elif _attempt_within_12m(a):
        reasons.append("a suicide attempt of unknown date (treated as within 12 months)")
    band = a.get("suicide_risk_screen")
    if band == "acute_positive":
        reasons.append(
            "ASQ suicide risk screen acute positive (thoughts of killing themself right now)"
        )
    elif band == "non_acute_positive":
        reasons.append("ASQ suicide risk screen positive, not acute")
    if reasons:
        text = "; ".join(reasons)
        return text[0].upper() + text[1:] + "."
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


_BP_KEYS = ("screening_bp_systolic", "screening_bp_diastolic")

RULES: tuple[Rule, ...] = (
    Rule("UNDER_18", ABSOLUTE, ("date_of_birth",), _under_18),
    Rule(
        "PSYCHOTIC_DISORDER",
        ABSOLUTE,
        ("psychotic_disorder_dx",),
        _yes(
            "psychotic_disorder_dx",
            "Diagnosed with schizophrenia, schizoaffective or another psychotic disorder.",
        ),
    ),
    Rule(
        "PSYCHOSIS_ACTIVE",
        ABSOLUTE,
        ("psychotic_symptoms_current",),
        _yes(
            "psychotic_symptoms_current",
            "Hallucinations or delusions now or in the past month.",
        ),
    ),
    Rule(
        "VASCULAR_ANEURYSM",
        ABSOLUTE,
        ("aneurysm_history",),
        _yes("aneurysm_history", "History of an aneurysm (aorta, brain or other arteries)."),
    ),
    Rule(
        "AVM",
        ABSOLUTE,
        ("avm_history",),
        _yes("avm_history", "History of an arteriovenous malformation."),
    ),
    Rule(
        "INTRACEREBRAL_HEMORRHAGE",
        ABSOLUTE,
        ("ich_history",),
        _yes("ich_history", "History of bleeding in the brain (intracerebral hemorrhage)."),
    ),
    Rule("HYPERTENSION_SEVERE", ABSOLUTE, _BP_KEYS, _hypertension_severe),
    Rule("RECENT_MI", ABSOLUTE, ("mi_date",), _recent("mi_date", "Heart attack")),
    Rule("RECENT_STROKE", ABSOLUTE, ("stroke_date",), _recent("stroke_date", "Stroke or TIA")),
    Rule(
        "PREGNANT",
        ABSOLUTE,
        ("pregnancy_status",),
        _equals("pregnancy_status", "pregnant", "Currently pregnant."),
    ),
    Rule(
        "KETAMINE_HYPERSENSITIVITY",
        ABSOLUTE,
        ("ketamine_allergy",),
        _yes("ketamine_allergy", "Allergy or hypersensitivity to ketamine or esketamine."),
    ),
    Rule(
        "KETAMINE_MISUSE_RECENT",
        ABSOLUTE,
        ("ketamine_misuse",),
        _equals(
            "ketamine_misuse",
            "within_12m",
            "Non-medical use of ketamine or PCP in the past 12 months.",
        ),
    ),
    Rule(
        "HEPATIC_SEVERE",
        ABSOLUTE,
        ("liver_disease",),
        _equals("liver_disease", "severe", "Severe liver disease (cirrhosis with complications)."),
    ),
    Rule(
        "PSYCHOSIS_RECENT",
        RELATIVE,
        ("psychotic_symptoms_12m", "psychotic_symptoms_current"),
        _psychosis_recent,
    ),
    Rule(
        "BIPOLAR_RECENT_MANIA",
        RELATIVE,
        ("mania_12m",),
        _yes("mania_12m", "A manic or hypomanic episode in the past 12 months."),
    ),
    Rule(
        "BIPOLAR_NO_STABILIZER",
        RELATIVE,
        ("bipolar_dx", "mood_stabilizer"),
        _bipolar_no_stabilizer,
    ),
    Rule(
        "BIPOLAR_UNCERTAIN",
        RELATIVE,
        ("bipolar_dx",),
        _equals("bipolar_dx", "unsure", "Unsure whether they have bipolar disorder."),
    ),
    Rule(
        "FAMILY_PSYCHOSIS",
        RELATIVE,
        ("family_psychosis",),
        _yes("family_psychosis", "A parent, sibling or child with a psychotic disorder."),
    ),
    Rule("HYPERTENSION_ELEVATED", RELATIVE, _BP_KEYS, _hypertension_elevated),
    Rule(
        "HYPERTENSION_UNCONTROLLED",
        RELATIVE,
        ("hypertension_dx", "hypertension_controlled"),
        _hypertension_uncontrolled,
    ),
    Rule(
        "CARDIAC_DISEASE",
        RELATIVE,
        ("coronary_disease", "heart_failure", "arrhythmia", "mi_date"),
        _cardiac_disease,
    ),
    Rule("PRIOR_STROKE", RELATIVE, ("stroke_date",), _prior_stroke),
    Rule(
        "HYPERTENSIVE_ENCEPHALOPATHY",
        RELATIVE,
        ("hypertensive_encephalopathy",),
        _yes("hypertensive_encephalopathy", "History of hypertensive encephalopathy."),
    ),
    Rule(
        "RAISED_ICP",
        RELATIVE,
        ("raised_icp",),
        _yes("raised_icp", "Raised pressure in the skull, a brain mass, or a recent head injury."),
    ),
    Rule(
        "RAISED_IOP",
        RELATIVE,
        ("glaucoma",),
        _yes("glaucoma", "Glaucoma, raised eye pressure or an open eye injury."),
    ),
    Rule(
        "HYPERTHYROIDISM_UNTREATED",
        RELATIVE,
        ("hyperthyroidism_untreated",),
        _yes("hyperthyroidism_untreated", "Overactive thyroid that is not treated."),
    ),
    Rule(
        "HEPATIC_MODERATE",
        RELATIVE,
        ("liver_disease",),
        _equals("liver_disease", "moderate", "Moderate liver disease."),
    ),
    Rule(
        "SUBSTANCE_USE_ACTIVE",
        RELATIVE,
        ("substance_use",),
        _equals("substance_use", "current", "A current alcohol or drug use disorder."),
    ),
    Rule(
        "SUBSTANCE_USE_HISTORY",
        RELATIVE,
        ("substance_use",),
        _equals(
            "substance_use",
            "remission",
            "An alcohol or drug use disorder, in remission for 12 months or more.",
        ),
    ),
    Rule(
        "ALCOHOL_HEAVY",
        RELATIVE,
        ("alcohol_drinks_per_week", "sex_at_birth"),
        _alcohol_heavy,
    ),
    Rule(
        "KETAMINE_MISUSE_PAST",
        RELATIVE,
        ("ketamine_misuse",),
        _equals(
            "ketamine_misuse",
            "over_12m",
            "Non-medical use of ketamine or PCP more than 12 months ago.",
        ),
    ),
    Rule(
        "SUICIDE_ATTEMPT_PAST",
        RELATIVE,
        ("suicide_attempt_ever", "suicide_attempt_12m"),
        _suicide_attempt_past,
    ),
    Rule(
        "PREGNANCY_POSSIBLE",
        RELATIVE,
        ("pregnancy_status",),
        _equals(
            "pregnancy_status",
            "unsure",
            "May be pregnant: a pregnancy test is needed before the first dose.",
        ),
    ),
    Rule(
        "BREASTFEEDING",
        RELATIVE,
        ("breastfeeding",),
        _yes("breastfeeding", "Currently breastfeeding."),
    ),
    Rule(
        "BLADDER_DISEASE",
        RELATIVE,
        ("interstitial_cystitis",),
        _yes(
            "interstitial_cystitis", "Interstitial cystitis or ketamine-related bladder problems."
        ),
    ),
    Rule(
        "SLEEP_APNEA_UNTREATED",
        RELATIVE,
        ("sleep_apnea_untreated",),
        _yes("sleep_apnea_untreated", "Untreated sleep apnea."),
    ),
    Rule("PORPHYRIA", RELATIVE, ("porphyria",), _yes("porphyria", "Porphyria.")),
    Rule(
        "MAOI",
        RELATIVE,
        ("maoi",),
        _yes("maoi", "Takes an MAO inhibitor (blood-pressure rise with esketamine)."),
    ),
    Rule("STIMULANT", RELATIVE, ("stimulant",), _yes("stimulant", "Takes a stimulant.")),
    Rule(
        "OPIOID",
        RELATIVE,
        ("opioid",),
        _yes("opioid", "Takes an opioid (sedation, breathing)."),
    ),
    Rule(
        "THEOPHYLLINE",
        RELATIVE,
        ("theophylline",),
        _yes(
            "theophylline",
            "Takes theophylline or aminophylline (lowers the seizure threshold with ketamine).",
        ),
    ),
    Rule("INCOMPLETE", RELATIVE, (*INCOMPLETE_KEYS, "suicide_attempt_12m"), _incomplete),
    Rule(
        "SUICIDAL_IDEATION",
        URGENT,
        ("phq9_item9", "suicide_attempt_ever", "suicide_attempt_12m", "suicide_risk_screen"),
        _suicidal_ideation,
    ),
    Rule(
        "BENZODIAZEPINE",
        INFO,
        ("benzodiazepine",),
        _yes(
            "benzodiazepine",
            "Takes a benzodiazepine (may blunt response; adds sedation; REMS co-medication).",
        ),
    ),
    Rule(
        "SEDATIVE_HYPNOTIC",
        INFO,
        ("sedative_hypnotic",),
        _yes(
            "sedative_hypnotic",
            "Takes a non-benzodiazepine sleeping pill (adds sedation; REMS co-medication).",
        ),
    ),
    Rule(
        "LAMOTRIGINE",
        INFO,
        ("lamotrigine",),
        _yes("lamotrigine", "Takes lamotrigine (may blunt response)."),
    ),
    Rule(
        "NALTREXONE",
        INFO,
        ("naltrexone",),
        _yes("naltrexone", "Takes naltrexone (may blunt the antidepressant effect)."),
    ),
    Rule("AGE_65_PLUS", INFO, ("date_of_birth",), _age_65_plus),
    Rule("NO_ESCORT", INFO, ("has_escort",), _no_escort),
    Rule("BP_NOT_RECORDED", INFO, _BP_KEYS, _bp_not_recorded),
)

FLAG_CODES: tuple[str, ...] = tuple(rule.code for rule in RULES)

# The answers each rule reads, so a reviewer can see what triggered a flag. Codes of
# ruleset 2026.1 that 2026.2 reads differently keep their old keys for stored results.
TRIGGER_KEYS: dict[str, tuple[str, ...]] = {rule.code: rule.keys for rule in RULES}
TRIGGER_KEYS_2026_1: dict[str, tuple[str, ...]] = {
    **TRIGGER_KEYS,
    "PSYCHOSIS_ACTIVE": ("psychotic_symptoms_12m",),
    "SUICIDAL_IDEATION": ("phq9_item9", "suicide_attempt_12m"),
    "INCOMPLETE": (
        "date_of_birth",
        "psychotic_disorder_dx",
        "psychotic_symptoms_12m",
        "aneurysm_history",
        "avm_history",
        "ich_history",
        "pregnancy_status",
        "ketamine_allergy",
    ),
}
SEVERITY_OF: dict[str, str] = {rule.code: rule.severity for rule in RULES}

# The medication rules a check-in medication change re-runs (session-monitoring.md §1).
MEDICATION_KEYS = (
    "benzodiazepine",
    "sedative_hypnotic",
    "lamotrigine",
    "maoi",
    "stimulant",
    "opioid",
    "theophylline",
    "naltrexone",
)


def trigger_keys(code: str, ruleset_version: str) -> tuple[str, ...]:
    """The answers a stored flag of that ruleset was read from."""
    table = TRIGGER_KEYS_2026_1 if ruleset_version == "2026.1" else TRIGGER_KEYS
    return table.get(code, ())


def level_of(flags: tuple[Flag, ...]) -> str:
    severities = {flag.severity for flag in flags}
    if ABSOLUTE in severities:
        return CONTRAINDICATED
    if severities & {RELATIVE, URGENT}:
        return CAUTION
    return CLEAR


def screen(answers: Mapping[str, Any], *, today: datetime.date) -> Screening:
    """Run every rule of the ruleset on the answers; deterministic for the same inputs."""
    if isinstance(today, datetime.datetime) or not isinstance(today, datetime.date):
        raise ValueError("today: expected a date")
    clean = _normalise(answers, today)
    flags = []
    for rule in RULES:
        reason = rule.check(clean, today)
        if reason is not None:
            flags.append(Flag(code=rule.code, severity=rule.severity, reason=reason))
    flags_tuple = tuple(flags)
    return Screening(
        level=level_of(flags_tuple), flags=flags_tuple, ruleset_version=RULESET_VERSION
    )
