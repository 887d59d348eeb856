"""Ruleset 2026.2, to the letter of engine-api.md and intake-and-screening.md §2–§3.

An independent check of the screening contract: every (v2) rule, the exact INCOMPLETE
list and its order, the conditional keys, the table order of flags, levels and type errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from intake.screening import RULESET_VERSION, Flag, Screening, screen
from tests.intake.answers import MISSING, minimal_clean

TODAY = dt.date(2026, 11, 21)

# The INCOMPLETE list of §3, in its order (suicide_attempt_12m is conditional and comes last).
INCOMPLETE_KEYS = [
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
]

# Every code of the §3 table, in the table's order, with its severity.
TABLE = [
    ("UNDER_18", "absolute"),
    ("PSYCHOTIC_DISORDER", "absolute"),
    ("PSYCHOSIS_ACTIVE", "absolute"),
    ("VASCULAR_ANEURYSM", "absolute"),
    ("AVM", "absolute"),
    ("INTRACEREBRAL_HEMORRHAGE", "absolute"),
    ("HYPERTENSION_SEVERE", "absolute"),
    ("RECENT_MI", "absolute"),
    ("RECENT_STROKE", "absolute"),
    ("PREGNANT", "absolute"),
    ("KETAMINE_HYPERSENSITIVITY", "absolute"),
    ("KETAMINE_MISUSE_RECENT", "absolute"),
    ("HEPATIC_SEVERE", "absolute"),
    ("PSYCHOSIS_RECENT", "relative"),
    ("BIPOLAR_RECENT_MANIA", "relative"),
    ("BIPOLAR_NO_STABILIZER", "relative"),
    ("BIPOLAR_UNCERTAIN", "relative"),
    ("FAMILY_PSYCHOSIS", "relative"),
    ("HYPERTENSION_ELEVATED", "relative"),
    ("HYPERTENSION_UNCONTROLLED", "relative"),
    ("CARDIAC_DISEASE", "relative"),
    ("PRIOR_STROKE", "relative"),
    ("HYPERTENSIVE_ENCEPHALOPATHY", "relative"),
    ("RAISED_ICP", "relative"),
    ("RAISED_IOP", "relative"),
    ("HYPERTHYROIDISM_UNTREATED", "relative"),
    ("HEPATIC_MODERATE", "relative"),
    ("SUBSTANCE_USE_ACTIVE", "relative"),
    ("SUBSTANCE_USE_HISTORY", "relative"),
    ("ALCOHOL_HEAVY", "relative"),
    ("KETAMINE_MISUSE_PAST", "relative"),
    ("SUICIDE_ATTEMPT_PAST", "relative"),
    ("PREGNANCY_POSSIBLE", "relative"),
    ("BREASTFEEDING", "relative"),
    ("BLADDER_DISEASE", "relative"),
    ("SLEEP_APNEA_UNTREATED", "relative"),
    ("PORPHYRIA", "relative"),
    ("MAOI", "relative"),
    ("STIMULANT", "relative"),
    ("OPIOID", "relative"),
    ("THEOPHYLLINE", "relative"),
    ("INCOMPLETE", "relative"),
    ("SUICIDAL_IDEATION", "urgent"),
    ("BENZODIAZEPINE", "info"),
    ("SEDATIVE_HYPNOTIC", "info"),
    ("LAMOTRIGINE", "info"),
    ("NALTREXONE", "info"),
    ("AGE_65_PLUS", "info"),
    ("NO_ESCORT", "info"),
    ("BP_NOT_RECORDED", "info"),
]
TABLE_ORDER = [code for code, _ in TABLE]
SEVERITY = dict(TABLE)


def full_clean(**overrides: Any) -> dict[str, Any]:
    """Every non-conditional key of §2 answered in the unremarkable way."""
    answers = minimal_clean(
        alcohol_drinks_per_week=2,
        glaucoma=False,
        hypertensive_encephalopathy=False,
        hyperthyroidism_untreated=False,
        interstitial_cystitis=False,
        sleep_apnea_untreated=False,
        porphyria=False,
        lamotrigine=False,
        sedative_hypnotic=False,
        theophylline=False,
        naltrexone=False,
        weight_kg=82.5,
    )
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not MISSING}


def run(answers: dict[str, Any], today: dt.date = TODAY) -> Screening:
    return screen(answers, today=today)


def codes_of(answers: dict[str, Any], today: dt.date = TODAY) -> list[str]:
    return [flag.code for flag in run(answers, today).flags]


def flag_named(result: Screening, code: str) -> Flag:
    matching = [flag for flag in result.flags if flag.code == code]
    assert len(matching) == 1, f"{code} should fire exactly once: {result.flags}"
    return matching[0]


def position(reason: str, key: str) -> int:
    found = re.search(rf"\b{re.escape(key)}\b", reason)
    assert found, f"{key} is not named in the reason {reason!r}"
    return found.start()


# --- version, clean answers, result shape ------------------------------------------


def test_the_ruleset_version_is_2026_2() -> None:
    assert RULESET_VERSION == "2026.2"


@pytest.mark.parametrize("build", [minimal_clean, full_clean], ids=["minimal", "full"])
def test_a_fully_answered_clean_intake_is_clear_with_no_flags(build: Any) -> None:
    result = run(build())
    assert isinstance(result, Screening)
    assert isinstance(result.flags, tuple)
    assert result.level == "clear"
    assert result.flags == ()
    assert result.ruleset_version == "2026.2"


def test_screening_is_deterministic_for_the_same_answers_and_day() -> None:
    answers = full_clean(suicide_risk_screen="acute_positive", maoi=True, has_escort=MISSING)
    assert run(dict(answers)) == run(dict(answers))


def test_dates_as_iso_strings_and_as_date_objects_give_the_same_result() -> None:
    as_strings = minimal_clean(date_of_birth="1960-01-10", mi_date="2026-10-01")
    as_dates = minimal_clean(date_of_birth=dt.date(1960, 1, 10), mi_date=dt.date(2026, 10, 1))
    assert run(as_strings) == run(as_dates)
    assert codes_of(as_dates) == ["RECENT_MI", "AGE_65_PLUS"]


def test_keys_outside_the_questionnaire_are_ignored() -> None:
    answers = minimal_clean(free_text_history="I take 1 pill", favourite_number=True, extra=[1])
    assert run(answers).flags == ()


# --- the (v2) rules -------------------------------------------------------------------


def test_current_psychotic_symptoms_fire_psychosis_active_and_contraindicate() -> None:
    result = run(minimal_clean(psychotic_symptoms_current=True))
    assert [flag.code for flag in result.flags] == ["PSYCHOSIS_ACTIVE"]
    assert result.flags[0].severity == "absolute"
    assert result.level == "contraindicated"


def test_current_and_past_year_psychosis_fire_only_psychosis_active() -> None:
    answers = minimal_clean(psychotic_symptoms_current=True, psychotic_symptoms_12m=True)
    assert codes_of(answers) == ["PSYCHOSIS_ACTIVE"]


def test_psychosis_in_the_past_year_but_not_now_is_recent_and_relative() -> None:
    result = run(minimal_clean(psychotic_symptoms_12m=True))
    assert [flag.code for flag in result.flags] == ["PSYCHOSIS_RECENT"]
    assert result.flags[0].severity == "relative"
    assert result.level == "caution"


def test_past_year_psychosis_with_current_unanswered_is_recent_and_incomplete() -> None:
    answers = minimal_clean(psychotic_symptoms_12m=True, psychotic_symptoms_current=MISSING)
    assert codes_of(answers) == ["PSYCHOSIS_RECENT", "INCOMPLETE"]


def test_bipolar_unsure_fires_bipolar_uncertain_only() -> None:
    result = run(minimal_clean(bipolar_dx="unsure"))
    assert [flag.code for flag in result.flags] == ["BIPOLAR_UNCERTAIN"]
    assert result.flags[0].severity == "relative"
    assert result.level == "caution"


@pytest.mark.parametrize(
    ("substance_use", "expected"),
    [
        ("none", []),
        ("remission", ["SUBSTANCE_USE_HISTORY"]),
        ("current", ["SUBSTANCE_USE_ACTIVE"]),
    ],
)
def test_substance_use_history_and_current_use_are_separate_relative_flags(
    substance_use: str, expected: list[str]
) -> None:
    result = run(minimal_clean(substance_use=substance_use))
    assert [flag.code for flag in result.flags] == expected
    assert all(flag.severity == "relative" for flag in result.flags)


@pytest.mark.parametrize(
    ("sex", "drinks", "heavy"),
    [
        ("male", 14, False),
        ("male", 15, True),
        ("female", 7, False),
        ("female", 8, True),
        ("intersex", 7, False),
        ("intersex", 8, True),
        ("prefer_not_to_say", 7, False),
        ("prefer_not_to_say", 8, True),
        (MISSING, 7, False),
        (MISSING, 8, True),
        (None, 7, False),
        (None, 8, True),
        ("female", 0, False),
    ],
)
def test_alcohol_heavy_uses_14_a_week_for_men_and_7_for_everyone_else(
    sex: Any, drinks: int, heavy: bool
) -> None:
    answers = minimal_clean(sex_at_birth=sex, alcohol_drinks_per_week=drinks)
    result = run(answers)
    assert ("ALCOHOL_HEAVY" in [flag.code for flag in result.flags]) is heavy
    if heavy:
        assert flag_named(result, "ALCOHOL_HEAVY").severity == "relative"


def test_an_attempt_ever_but_not_in_the_past_year_fires_suicide_attempt_past() -> None:
    result = run(minimal_clean(suicide_attempt_ever=True, suicide_attempt_12m=False))
    assert [flag.code for flag in result.flags] == ["SUICIDE_ATTEMPT_PAST"]
    assert result.flags[0].severity == "relative"
    assert result.level == "caution"


def test_an_attempt_in_the_past_year_is_suicidal_ideation_not_a_past_attempt() -> None:
    answers = minimal_clean(suicide_attempt_ever=True, suicide_attempt_12m=True)
    assert codes_of(answers) == ["SUICIDAL_IDEATION"]


@pytest.mark.parametrize(
    ("key", "code", "level"),
    [
        ("theophylline", "THEOPHYLLINE", "caution"),
        ("sedative_hypnotic", "SEDATIVE_HYPNOTIC", "clear"),
        ("naltrexone", "NALTREXONE", "clear"),
    ],
)
def test_each_new_medicine_fires_its_flag_with_the_tables_severity(
    key: str, code: str, level: str
) -> None:
    result = run(full_clean(**{key: True}))
    assert [flag.code for flag in result.flags] == [code]
    assert result.flags[0].severity == SEVERITY[code]
    assert result.level == level


@pytest.mark.parametrize("band", ["non_acute_positive", "acute_positive"])
def test_a_positive_asq_fires_urgent_suicidal_ideation(band: str) -> None:
    result = run(minimal_clean(suicide_risk_screen=band))
    assert [flag.code for flag in result.flags] == ["SUICIDAL_IDEATION"]
    assert result.flags[0].severity == "urgent"
    assert result.level == "caution"


def test_an_acute_positive_asq_says_acute_in_the_reason() -> None:
    flag = flag_named(run(minimal_clean(suicide_risk_screen="acute_positive")), "SUICIDAL_IDEATION")
    assert "acute" in flag.reason.lower()


def test_suicidal_ideation_fires_once_and_still_says_acute_with_every_trigger() -> None:
    # Several triggers at once: the acute ASQ must not be hidden behind PHQ-9 item 9 (safer).
    answers = minimal_clean(
        phq9_item9=3,
        suicide_attempt_ever=True,
        suicide_attempt_12m=True,
        suicide_risk_screen="acute_positive",
    )
    result = run(answers)
    assert [flag.code for flag in result.flags] == ["SUICIDAL_IDEATION"]
    assert "acute" in result.flags[0].reason.lower()


@pytest.mark.parametrize(("item9", "fires"), [(0, False), (1, True), (3, True)])
def test_phq9_item9_of_one_or_more_fires_suicidal_ideation(item9: int, fires: bool) -> None:
    assert ("SUICIDAL_IDEATION" in codes_of(minimal_clean(phq9_item9=item9))) is fires


# --- INCOMPLETE -----------------------------------------------------------------------


@pytest.mark.parametrize("unanswered", [MISSING, None], ids=["missing", "none"])
@pytest.mark.parametrize("key", INCOMPLETE_KEYS)
def test_each_unanswered_safety_question_fires_only_incomplete_naming_it(
    key: str, unanswered: Any
) -> None:
    result = run(minimal_clean(**{key: unanswered}))
    assert [flag.code for flag in result.flags] == ["INCOMPLETE"]
    assert result.flags[0].severity == "relative"
    assert result.level == "caution"
    position(result.flags[0].reason, key)


def test_incomplete_lists_every_missing_key_in_the_tables_order_attempt_recency_last() -> None:
    result = run({"suicide_attempt_ever": True})
    reason = flag_named(result, "INCOMPLETE").reason
    expected = [key for key in INCOMPLETE_KEYS if key != "suicide_attempt_ever"]
    expected.append("suicide_attempt_12m")
    positions = [position(reason, key) for key in expected]
    assert positions == sorted(positions)
    assert not re.search(r"\bsuicide_attempt_ever\b", reason)


def test_incomplete_order_follows_the_table_not_the_order_the_answers_were_given() -> None:
    answers = minimal_clean(
        opioid=MISSING, date_of_birth=MISSING, phq9_item9=MISSING, liver_disease=MISSING
    )
    reordered = dict(reversed(list(answers.items())))
    reason = flag_named(run(reordered), "INCOMPLETE").reason
    keys = ["date_of_birth", "liver_disease", "opioid", "phq9_item9"]
    positions = [position(reason, key) for key in keys]
    assert positions == sorted(positions)


def test_an_unknown_attempt_recency_is_named_after_phq9_item9() -> None:
    answers = minimal_clean(suicide_attempt_ever=True, phq9_item9=MISSING, date_of_birth=MISSING)
    reason = flag_named(run(answers), "INCOMPLETE").reason
    order = [
        position(reason, key) for key in ("date_of_birth", "phq9_item9", "suicide_attempt_12m")
    ]
    assert order == sorted(order)


def test_an_answered_key_is_not_named_as_missing() -> None:
    reason = flag_named(run(minimal_clean(maoi=MISSING)), "INCOMPLETE").reason
    for key in INCOMPLETE_KEYS:
        if key != "maoi":
            assert not re.search(rf"\b{key}\b", reason), key


NOT_IN_THE_INCOMPLETE_LIST = [
    "has_escort",
    "hypertension_controlled",
    "mood_stabilizer",
    "breastfeeding",
    "suicide_attempt_12m",
    "alcohol_drinks_per_week",
    "weight_kg",
    "mi_date",
    "stroke_date",
    "glaucoma",
    "hypertensive_encephalopathy",
    "hyperthyroidism_untreated",
    "interstitial_cystitis",
    "sleep_apnea_untreated",
    "porphyria",
    "lamotrigine",
    "sedative_hypnotic",
    "theophylline",
    "naltrexone",
    "screening_bp_systolic",
    "screening_bp_diastolic",
]


@pytest.mark.parametrize("key", NOT_IN_THE_INCOMPLETE_LIST)
def test_a_missing_key_outside_the_incomplete_list_does_not_fire_incomplete(key: str) -> None:
    codes = codes_of(full_clean(**{key: MISSING}))
    assert "INCOMPLETE" not in codes
    assert codes == (["NO_ESCORT"] if key == "has_escort" else [])


def test_missing_blood_pressure_does_not_fire_incomplete_only_bp_not_recorded() -> None:
    answers = full_clean(screening_bp_systolic=MISSING, screening_bp_diastolic=None)
    result = run(answers)
    assert [flag.code for flag in result.flags] == ["BP_NOT_RECORDED"]
    assert result.flags[0].severity == "info"
    assert result.level == "clear"


@pytest.mark.parametrize("escort", [MISSING, None, False])
def test_an_escort_not_confirmed_fires_no_escort_as_info(escort: Any) -> None:
    result = run(minimal_clean(has_escort=escort))
    assert [flag.code for flag in result.flags] == ["NO_ESCORT"]
    assert result.flags[0].severity == "info"
    assert result.level == "clear"


# --- conditional keys -----------------------------------------------------------------


@pytest.mark.parametrize("unanswered", [MISSING, None], ids=["missing", "none"])
def test_an_attempt_of_unknown_recency_is_incomplete_and_treated_as_recent(
    unanswered: Any,
) -> None:
    result = run(minimal_clean(suicide_attempt_ever=True, suicide_attempt_12m=unanswered))
    assert [flag.code for flag in result.flags] == ["INCOMPLETE", "SUICIDAL_IDEATION"]
    position(flag_named(result, "INCOMPLETE").reason, "suicide_attempt_12m")
    assert "SUICIDE_ATTEMPT_PAST" not in [flag.code for flag in result.flags]
    assert result.level == "caution"


def test_no_attempt_ever_and_no_recency_answer_is_complete() -> None:
    answers = minimal_clean(suicide_attempt_ever=False, suicide_attempt_12m=MISSING)
    assert codes_of(answers) == []


def test_a_recent_attempt_answered_without_attempt_ever_still_counts() -> None:
    answers = minimal_clean(suicide_attempt_ever=False, suicide_attempt_12m=True)
    assert codes_of(answers) == ["SUICIDAL_IDEATION"]


@pytest.mark.parametrize("bipolar", ["bipolar_1", "bipolar_2"])
@pytest.mark.parametrize("stabilizer", [MISSING, None, False])
def test_bipolar_without_a_known_mood_stabilizer_fires_no_stabilizer(
    bipolar: str, stabilizer: Any
) -> None:
    answers = minimal_clean(bipolar_dx=bipolar, mood_stabilizer=stabilizer)
    assert codes_of(answers) == ["BIPOLAR_NO_STABILIZER"]


@pytest.mark.parametrize("bipolar", ["bipolar_1", "bipolar_2"])
def test_bipolar_on_a_mood_stabilizer_fires_nothing(bipolar: str) -> None:
    assert codes_of(minimal_clean(bipolar_dx=bipolar, mood_stabilizer=True)) == []


@pytest.mark.parametrize("stabilizer", [MISSING, False, True])
def test_bipolar_unsure_is_uncertain_whatever_the_stabilizer_answer(stabilizer: Any) -> None:
    answers = minimal_clean(bipolar_dx="unsure", mood_stabilizer=stabilizer)
    assert codes_of(answers) == ["BIPOLAR_UNCERTAIN"]


def test_no_bipolar_and_no_stabilizer_answer_fires_nothing() -> None:
    assert codes_of(minimal_clean(bipolar_dx="none", mood_stabilizer=MISSING)) == []


@pytest.mark.parametrize("sex", ["male", "female", "intersex", "prefer_not_to_say"])
def test_breastfeeding_fires_whatever_sex_at_birth_says(sex: str) -> None:
    assert codes_of(minimal_clean(sex_at_birth=sex, breastfeeding=True)) == ["BREASTFEEDING"]


@pytest.mark.parametrize(
    ("controlled", "fires"), [(MISSING, True), (None, True), (False, True), (True, False)]
)
def test_hypertension_with_unknown_or_no_control_is_uncontrolled(
    controlled: Any, fires: bool
) -> None:
    answers = minimal_clean(hypertension_dx=True, hypertension_controlled=controlled)
    assert codes_of(answers) == (["HYPERTENSION_UNCONTROLLED"] if fires else [])


# --- flag order -----------------------------------------------------------------------


def maximal_absolute_set() -> dict[str, Any]:
    return {
        "date_of_birth": "2010-01-01",
        "sex_at_birth": "female",
        "psychotic_disorder_dx": True,
        "psychotic_symptoms_current": True,
        "psychotic_symptoms_12m": True,
        "family_psychosis": True,
        "bipolar_dx": "bipolar_1",
        "mania_12m": True,
        "mood_stabilizer": False,
        "suicide_attempt_ever": True,
        "suicide_attempt_12m": False,
        "phq9_item9": 2,
        "substance_use": "current",
        "ketamine_misuse": "within_12m",
        "alcohol_drinks_per_week": 10,
        "hypertension_dx": True,
        "hypertension_controlled": False,
        "screening_bp_systolic": 190,
        "screening_bp_diastolic": 115,
        "aneurysm_history": True,
        "avm_history": True,
        "ich_history": True,
        "mi_date": TODAY - dt.timedelta(days=10),
        "stroke_date": (TODAY - dt.timedelta(days=20)).isoformat(),
        "coronary_disease": True,
        "heart_failure": True,
        "arrhythmia": True,
        "hypertensive_encephalopathy": True,
        "raised_icp": True,
        "glaucoma": True,
        "hyperthyroidism_untreated": True,
        "liver_disease": "severe",
        "interstitial_cystitis": True,
        "sleep_apnea_untreated": True,
        "porphyria": True,
        "ketamine_allergy": True,
        "pregnancy_status": "pregnant",
        "breastfeeding": True,
        "benzodiazepine": True,
        "lamotrigine": True,
        "maoi": True,
        "stimulant": True,
        "opioid": True,
        "sedative_hypnotic": True,
        "theophylline": True,
        "naltrexone": True,
        "has_escort": False,
        # suicide_risk_screen left unanswered: INCOMPLETE
    }


def maximal_relative_set() -> dict[str, Any]:
    return {
        "date_of_birth": "1950-03-10",
        "sex_at_birth": "male",
        "psychotic_disorder_dx": False,
        "psychotic_symptoms_current": False,
        "psychotic_symptoms_12m": True,
        "family_psychosis": True,
        "bipolar_dx": "unsure",
        "mania_12m": True,
        "suicide_attempt_ever": True,
        # suicide_attempt_12m unanswered: INCOMPLETE and SUICIDAL_IDEATION
        "suicide_risk_screen": "non_acute_positive",
        "phq9_item9": 0,
        "substance_use": "remission",
        "ketamine_misuse": "over_12m",
        "alcohol_drinks_per_week": 15,
        "hypertension_dx": True,
        # hypertension_controlled unanswered; no screening BP yet
        "aneurysm_history": False,
        "avm_history": False,
        "ich_history": False,
        "mi_date": TODAY - dt.timedelta(days=400),
        "stroke_date": TODAY - dt.timedelta(days=184),
        "coronary_disease": False,
        "heart_failure": False,
        "arrhythmia": False,
        "hypertensive_encephalopathy": True,
        "raised_icp": True,
        "glaucoma": True,
        "hyperthyroidism_untreated": True,
        "liver_disease": "moderate",
        "interstitial_cystitis": True,
        "sleep_apnea_untreated": True,
        "porphyria": True,
        "ketamine_allergy": False,
        "pregnancy_status": "unsure",
        "breastfeeding": True,
        "benzodiazepine": True,
        "lamotrigine": True,
        "maoi": True,
        "stimulant": True,
        "opioid": True,
        "sedative_hypnotic": True,
        "theophylline": True,
        "naltrexone": True,
        # has_escort unanswered: NO_ESCORT
    }


def test_a_maximal_absolute_intake_lists_its_flags_in_the_tables_order() -> None:
    result = run(maximal_absolute_set())
    assert [flag.code for flag in result.flags] == [
        "UNDER_18",
        "PSYCHOTIC_DISORDER",
        "PSYCHOSIS_ACTIVE",
        "VASCULAR_ANEURYSM",
        "AVM",
        "INTRACEREBRAL_HEMORRHAGE",
        "HYPERTENSION_SEVERE",
        "RECENT_MI",
        "RECENT_STROKE",
        "PREGNANT",
        "KETAMINE_HYPERSENSITIVITY",
        "KETAMINE_MISUSE_RECENT",
        "HEPATIC_SEVERE",
        "BIPOLAR_RECENT_MANIA",
        "BIPOLAR_NO_STABILIZER",
        "FAMILY_PSYCHOSIS",
        "HYPERTENSION_UNCONTROLLED",
        "CARDIAC_DISEASE",
        "HYPERTENSIVE_ENCEPHALOPATHY",
        "RAISED_ICP",
        "RAISED_IOP",
        "HYPERTHYROIDISM_UNTREATED",
        "SUBSTANCE_USE_ACTIVE",
        "ALCOHOL_HEAVY",
        "SUICIDE_ATTEMPT_PAST",
        "BREASTFEEDING",
        "BLADDER_DISEASE",
        "SLEEP_APNEA_UNTREATED",
        "PORPHYRIA",
        "MAOI",
        "STIMULANT",
        "OPIOID",
        "THEOPHYLLINE",
        "INCOMPLETE",
        "SUICIDAL_IDEATION",
        "BENZODIAZEPINE",
        "SEDATIVE_HYPNOTIC",
        "LAMOTRIGINE",
        "NALTREXONE",
        "NO_ESCORT",
    ]
    assert result.level == "contraindicated"


def test_a_maximal_relative_intake_lists_its_flags_in_the_tables_order() -> None:
    result = run(maximal_relative_set())
    assert [flag.code for flag in result.flags] == [
        "PSYCHOSIS_RECENT",
        "BIPOLAR_RECENT_MANIA",
        "BIPOLAR_UNCERTAIN",
        "FAMILY_PSYCHOSIS",
        "HYPERTENSION_UNCONTROLLED",
        "CARDIAC_DISEASE",
        "PRIOR_STROKE",
        "HYPERTENSIVE_ENCEPHALOPATHY",
        "RAISED_ICP",
        "RAISED_IOP",
        "HYPERTHYROIDISM_UNTREATED",
        "HEPATIC_MODERATE",
        "SUBSTANCE_USE_HISTORY",
        "ALCOHOL_HEAVY",
        "KETAMINE_MISUSE_PAST",
        "PREGNANCY_POSSIBLE",
        "BREASTFEEDING",
        "BLADDER_DISEASE",
        "SLEEP_APNEA_UNTREATED",
        "PORPHYRIA",
        "MAOI",
        "STIMULANT",
        "OPIOID",
        "THEOPHYLLINE",
        "INCOMPLETE",
        "SUICIDAL_IDEATION",
        "BENZODIAZEPINE",
        "SEDATIVE_HYPNOTIC",
        "LAMOTRIGINE",
        "NALTREXONE",
        "AGE_65_PLUS",
        "NO_ESCORT",
        "BP_NOT_RECORDED",
    ]
    assert result.level == "caution"


def test_elevated_blood_pressure_sits_between_family_psychosis_and_uncontrolled() -> None:
    answers = minimal_clean(
        family_psychosis=True,
        hypertension_dx=True,
        hypertension_controlled=False,
        screening_bp_systolic=150,
        screening_bp_diastolic=95,
    )
    assert codes_of(answers) == [
        "FAMILY_PSYCHOSIS",
        "HYPERTENSION_ELEVATED",
        "HYPERTENSION_UNCONTROLLED",
    ]


@pytest.mark.parametrize("build", [maximal_absolute_set, maximal_relative_set])
def test_every_flag_carries_the_tables_severity_and_a_reason_and_appears_once(
    build: Any,
) -> None:
    flags = run(build()).flags
    codes = [flag.code for flag in flags]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes, key=TABLE_ORDER.index)
    for flag in flags:
        assert isinstance(flag, Flag)
        assert flag.severity == SEVERITY[flag.code], flag.code
        assert flag.reason.strip(), flag.code


# --- levels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "level"),
    [
        ({}, "clear"),
        ({"benzodiazepine": True, "lamotrigine": True, "has_escort": False}, "clear"),
        ({"date_of_birth": "1955-01-01"}, "clear"),
        ({"phq9_item9": 1}, "caution"),
        ({"family_psychosis": True, "benzodiazepine": True}, "caution"),
        ({"ketamine_allergy": True}, "contraindicated"),
        ({"ketamine_allergy": True, "phq9_item9": 2, "maoi": True}, "contraindicated"),
        ({"liver_disease": "severe"}, "contraindicated"),
        ({"liver_disease": "mild"}, "clear"),
        ({"ketamine_misuse": "within_12m"}, "contraindicated"),
        ({"pregnancy_status": "pregnant", "sex_at_birth": "female"}, "contraindicated"),
        ({"pregnancy_status": "not_pregnant", "sex_at_birth": "female"}, "clear"),
    ],
)
def test_level_is_the_worst_of_absolute_then_relative_or_urgent_then_clear(
    overrides: dict[str, Any], level: str
) -> None:
    assert run(full_clean(**overrides)).level == level


# --- type and range errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("psychotic_disorder_dx", 1),
        ("psychotic_symptoms_current", 1),
        ("psychotic_symptoms_12m", 0),
        ("theophylline", 1),
        ("sedative_hypnotic", 0),
        ("naltrexone", "no"),
        ("has_escort", "yes"),
        ("mood_stabilizer", 1),
        ("suicide_attempt_12m", 0),
        ("breastfeeding", 1),
        ("phq9_item9", True),
        ("phq9_item9", False),
        ("alcohol_drinks_per_week", True),
        ("screening_bp_systolic", True),
        ("screening_bp_diastolic", False),
        ("phq9_item9", 4),
        ("phq9_item9", -1),
        ("phq9_item9", 1.5),
        ("alcohol_drinks_per_week", -1),
        ("screening_bp_systolic", 49),
        ("screening_bp_systolic", 301),
        ("screening_bp_diastolic", 19),
        ("screening_bp_diastolic", 201),
        ("sex_at_birth", "other"),
        ("bipolar_dx", "maybe"),
        ("bipolar_dx", True),
        ("substance_use", "past"),
        ("ketamine_misuse", "sometimes"),
        ("liver_disease", "unknown"),
        ("pregnancy_status", "no"),
        ("suicide_risk_screen", "positive"),
        ("suicide_risk_screen", "ACUTE_POSITIVE"),
        ("suicide_risk_screen", True),
        ("suicide_risk_screen", 1),
        ("weight_kg", "82"),
        # bool is not "a number" for a weight: refusing it is the safer reading.
        ("weight_kg", True),
        ("date_of_birth", "15/06/1985"),
        ("date_of_birth", 1985),
        ("mi_date", "yesterday"),
    ],
)
def test_a_value_of_the_wrong_type_or_outside_its_enum_raises_naming_the_key(
    key: str, value: Any
) -> None:
    with pytest.raises(ValueError, match=key):
        screen(minimal_clean(**{key: value}), today=TODAY)


@pytest.mark.parametrize("key", ["date_of_birth", "mi_date", "stroke_date"])
@pytest.mark.parametrize("as_string", [False, True], ids=["date", "iso"])
def test_a_date_after_today_raises_naming_the_key(key: str, as_string: bool) -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    value = tomorrow.isoformat() if as_string else tomorrow
    with pytest.raises(ValueError, match=key):
        screen(minimal_clean(**{key: value}), today=TODAY)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("screening_bp_systolic", 50),
        ("screening_bp_systolic", 300),
        ("screening_bp_diastolic", 20),
        ("screening_bp_diastolic", 200),
        ("phq9_item9", 3),
        ("alcohol_drinks_per_week", 0),
        ("weight_kg", 80),
        ("weight_kg", 80.5),
        ("mi_date", TODAY),
        ("stroke_date", TODAY.isoformat()),
    ],
)
def test_values_at_the_edge_of_their_range_are_accepted(key: str, value: Any) -> None:
    screen(minimal_clean(**{key: value}), today=TODAY)


# --- ages, 29 February and the 6-month window ------------------------------------------


@pytest.mark.parametrize(
    ("birthday", "today", "under_18"),
    [
        ("2008-02-29", dt.date(2026, 2, 28), True),
        ("2008-02-29", dt.date(2026, 3, 1), False),
        ("2008-11-21", TODAY, False),
        ("2008-11-22", TODAY, True),
    ],
)
def test_age_is_whole_years_and_a_leap_day_birthday_falls_on_1_march(
    birthday: str, today: dt.date, under_18: bool
) -> None:
    assert ("UNDER_18" in codes_of(minimal_clean(date_of_birth=birthday), today)) is under_18


@pytest.mark.parametrize(
    ("birthday", "today", "over_65"),
    [
        ("1960-02-29", dt.date(2025, 2, 28), False),
        ("1960-02-29", dt.date(2025, 3, 1), True),
        ("1960-02-29", dt.date(2024, 2, 29), False),
        ("1961-11-21", TODAY, True),
        ("1961-11-22", TODAY, False),
    ],
)
def test_age_65_plus_turns_on_the_birthday_with_leap_days_on_1_march(
    birthday: str, today: dt.date, over_65: bool
) -> None:
    codes = codes_of(minimal_clean(date_of_birth=birthday), today)
    assert ("AGE_65_PLUS" in codes) is over_65


@pytest.mark.parametrize(
    ("days_ago", "mi_code", "stroke_code"),
    [
        (0, "RECENT_MI", "RECENT_STROKE"),
        (183, "RECENT_MI", "RECENT_STROKE"),
        (184, "CARDIAC_DISEASE", "PRIOR_STROKE"),
        (3650, "CARDIAC_DISEASE", "PRIOR_STROKE"),
    ],
)
def test_the_six_month_window_is_today_minus_183_days_inclusive(
    days_ago: int, mi_code: str, stroke_code: str
) -> None:
    when = TODAY - dt.timedelta(days=days_ago)
    assert codes_of(minimal_clean(mi_date=when)) == [mi_code]
    assert codes_of(minimal_clean(stroke_date=when.isoformat())) == [stroke_code]


def test_a_recent_mi_with_coronary_disease_fires_both_and_cardiac_disease_once() -> None:
    answers = minimal_clean(
        mi_date=TODAY - dt.timedelta(days=30), coronary_disease=True, arrhythmia=True
    )
    assert codes_of(answers) == ["RECENT_MI", "CARDIAC_DISEASE"]


# --- blood pressure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [
        (185, MISSING, ["HYPERTENSION_SEVERE"]),
        (180, None, ["HYPERTENSION_SEVERE"]),
        (MISSING, 110, ["HYPERTENSION_SEVERE"]),
        (179, MISSING, ["HYPERTENSION_ELEVATED"]),
        (140, MISSING, ["HYPERTENSION_ELEVATED"]),
        (139, MISSING, []),
        (MISSING, 109, ["HYPERTENSION_ELEVATED"]),
        (MISSING, 90, ["HYPERTENSION_ELEVATED"]),
        (MISSING, 89, []),
        (185, 95, ["HYPERTENSION_SEVERE"]),
        (150, 112, ["HYPERTENSION_SEVERE"]),
        (179, 109, ["HYPERTENSION_ELEVATED"]),
        (139, 89, []),
        (120, 95, ["HYPERTENSION_ELEVATED"]),
        (MISSING, MISSING, ["BP_NOT_RECORDED"]),
        (None, None, ["BP_NOT_RECORDED"]),
    ],
)
def test_blood_pressure_rules_are_judged_on_the_values_present(
    systolic: Any, diastolic: Any, expected: list[str]
) -> None:
    answers = minimal_clean(screening_bp_systolic=systolic, screening_bp_diastolic=diastolic)
    assert codes_of(answers) == expected
