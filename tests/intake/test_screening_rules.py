"""Every screening rule of ruleset 2026.2 with its boundaries (intake-and-screening.md §3).
The v2 contract is also tested to the letter in test_screening_v2_contract.py."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.screening import FLAG_CODES, RULESET_VERSION, screen
from tests.intake.answers import MISSING, minimal_clean

TODAY = dt.date(2026, 11, 21)


def complete(**overrides: object) -> dict[str, object]:
    """The unremarkable intake of `tests.intake.answers` with a screening BP of 122/78;
    an override of `...` leaves that question unanswered."""
    values = {"screening_bp_systolic": 122, "screening_bp_diastolic": 78, **overrides}
    return minimal_clean(
        **{key: MISSING if value is ... else value for key, value in values.items()}
    )


def codes(**overrides: object) -> list[str]:
    return [flag.code for flag in screen(complete(**overrides), today=TODAY).flags]


def test_a_complete_unremarkable_intake_is_clear() -> None:
    result = screen(complete(), today=TODAY)
    assert result.level == "clear"
    assert result.flags == ()
    assert result.ruleset_version == RULESET_VERSION == "2026.2"


ABSOLUTE_BOOLEANS = [
    ("psychotic_disorder_dx", "PSYCHOTIC_DISORDER"),
    ("psychotic_symptoms_current", "PSYCHOSIS_ACTIVE"),
    ("aneurysm_history", "VASCULAR_ANEURYSM"),
    ("avm_history", "AVM"),
    ("ich_history", "INTRACEREBRAL_HEMORRHAGE"),
    ("ketamine_allergy", "KETAMINE_HYPERSENSITIVITY"),
]


@pytest.mark.parametrize(("key", "code"), ABSOLUTE_BOOLEANS)
def test_each_absolute_yes_answer_contraindicates(key: str, code: str) -> None:
    result = screen(complete(**{key: True}), today=TODAY)
    assert result.level == "contraindicated"
    assert [flag.code for flag in result.flags] == [code]
    assert result.flags[0].severity == "absolute"


RELATIVE_BOOLEANS = [
    ("mania_12m", "BIPOLAR_RECENT_MANIA"),
    ("family_psychosis", "FAMILY_PSYCHOSIS"),
    ("hypertensive_encephalopathy", "HYPERTENSIVE_ENCEPHALOPATHY"),
    ("raised_icp", "RAISED_ICP"),
    ("glaucoma", "RAISED_IOP"),
    ("hyperthyroidism_untreated", "HYPERTHYROIDISM_UNTREATED"),
    ("breastfeeding", "BREASTFEEDING"),
    ("interstitial_cystitis", "BLADDER_DISEASE"),
    ("sleep_apnea_untreated", "SLEEP_APNEA_UNTREATED"),
    ("porphyria", "PORPHYRIA"),
    ("maoi", "MAOI"),
    ("stimulant", "STIMULANT"),
    ("opioid", "OPIOID"),
    ("coronary_disease", "CARDIAC_DISEASE"),
    ("heart_failure", "CARDIAC_DISEASE"),
    ("arrhythmia", "CARDIAC_DISEASE"),
]


@pytest.mark.parametrize(("key", "code"), RELATIVE_BOOLEANS)
def test_each_relative_yes_answer_needs_caution(key: str, code: str) -> None:
    result = screen(complete(**{key: True}), today=TODAY)
    assert result.level == "caution"
    assert [(flag.code, flag.severity) for flag in result.flags] == [(code, "relative")]


@pytest.mark.parametrize(
    ("key", "value", "code", "level"),
    [
        ("pregnancy_status", "pregnant", "PREGNANT", "contraindicated"),
        ("pregnancy_status", "unsure", "PREGNANCY_POSSIBLE", "caution"),
        ("ketamine_misuse", "within_12m", "KETAMINE_MISUSE_RECENT", "contraindicated"),
        ("ketamine_misuse", "over_12m", "KETAMINE_MISUSE_PAST", "caution"),
        ("liver_disease", "severe", "HEPATIC_SEVERE", "contraindicated"),
        ("liver_disease", "moderate", "HEPATIC_MODERATE", "caution"),
        ("substance_use", "current", "SUBSTANCE_USE_ACTIVE", "caution"),
    ],
)
def test_enum_answers_that_flag(key: str, value: str, code: str, level: str) -> None:
    result = screen(complete(**{key: value}), today=TODAY)
    assert (result.level, [flag.code for flag in result.flags]) == (level, [code])


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("pregnancy_status", "not_pregnant"),
        ("ketamine_misuse", "never"),
        ("liver_disease", "mild"),
        ("liver_disease", "none"),
        ("substance_use", "none"),
        ("bipolar_dx", "none"),
    ],
)
def test_enum_answers_that_do_not_flag(key: str, value: str) -> None:
    assert codes(**{key: value}) == []


@pytest.mark.parametrize(
    ("born", "flagged"),
    [
        ("2008-11-22", True),  # 17 until tomorrow
        ("2008-11-21", False),  # 18 today
        ("2010-01-01", True),
    ],
)
def test_under_18_is_judged_on_whole_years_completed_today(born: str, flagged: bool) -> None:
    assert ("UNDER_18" in codes(date_of_birth=born)) is flagged


def test_a_29_february_birthday_falls_on_1_march_in_common_years() -> None:
    born = dt.date(2008, 2, 29)
    assert "UNDER_18" in [
        f.code for f in screen(complete(date_of_birth=born), today=dt.date(2026, 2, 28)).flags
    ]
    assert "UNDER_18" not in [
        f.code for f in screen(complete(date_of_birth=born), today=dt.date(2026, 3, 1)).flags
    ]
    assert "UNDER_18" not in [
        f.code for f in screen(complete(date_of_birth=born), today=dt.date(2028, 2, 29)).flags
    ]


@pytest.mark.parametrize(
    ("born", "flagged"), [("1961-11-21", True), ("1961-11-22", False), ("1950-01-01", True)]
)
def test_age_65_plus_is_information_only(born: str, flagged: bool) -> None:
    result = screen(complete(date_of_birth=born), today=TODAY)
    assert ("AGE_65_PLUS" in [flag.code for flag in result.flags]) is flagged
    assert result.level == "clear"


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [
        (139, 89, []),
        (140, 80, ["HYPERTENSION_ELEVATED"]),
        (120, 90, ["HYPERTENSION_ELEVATED"]),
        (179, 109, ["HYPERTENSION_ELEVATED"]),
        (180, 80, ["HYPERTENSION_SEVERE"]),
        (150, 110, ["HYPERTENSION_SEVERE"]),
        (185, ..., ["HYPERTENSION_SEVERE"]),  # judged on the value present
        (..., 95, ["HYPERTENSION_ELEVATED"]),
        (..., 60, []),
        (..., ..., ["BP_NOT_RECORDED"]),
        (None, None, ["BP_NOT_RECORDED"]),
    ],
)
def test_screening_blood_pressure_bands(systolic, diastolic, expected) -> None:
    assert codes(screening_bp_systolic=systolic, screening_bp_diastolic=diastolic) == expected


def test_severe_blood_pressure_is_not_also_elevated() -> None:
    result = screen(complete(screening_bp_systolic=200, screening_bp_diastolic=100), today=TODAY)
    assert [flag.code for flag in result.flags] == ["HYPERTENSION_SEVERE"]
    assert "200/100" in result.flags[0].reason


@pytest.mark.parametrize(
    ("controlled", "expected"),
    [(True, []), (False, ["HYPERTENSION_UNCONTROLLED"]), (..., ["HYPERTENSION_UNCONTROLLED"])],
)
def test_hypertension_without_known_control_needs_caution(controlled, expected) -> None:
    assert codes(hypertension_dx=True, hypertension_controlled=controlled) == expected


def test_controlled_answer_alone_means_nothing_without_the_diagnosis() -> None:
    assert codes(hypertension_controlled=False) == []


SIX_MONTHS_AGO = TODAY - dt.timedelta(days=183)


@pytest.mark.parametrize(
    ("day", "recent_code", "old_code"),
    [
        ("mi_date", "RECENT_MI", "CARDIAC_DISEASE"),
        ("stroke_date", "RECENT_STROKE", "PRIOR_STROKE"),
    ],
)
def test_heart_attack_and_stroke_within_183_days_contraindicate(day, recent_code, old_code):
    assert codes(**{day: SIX_MONTHS_AGO}) == [recent_code]
    assert codes(**{day: TODAY}) == [recent_code]
    assert codes(**{day: SIX_MONTHS_AGO - dt.timedelta(days=1)}) == [old_code]
    assert screen(complete(**{day: SIX_MONTHS_AGO}), today=TODAY).level == "contraindicated"


def test_bipolar_without_a_mood_stabilizer() -> None:
    assert codes(bipolar_dx="bipolar_1") == ["BIPOLAR_NO_STABILIZER"]
    assert codes(bipolar_dx="bipolar_2", mood_stabilizer=False) == ["BIPOLAR_NO_STABILIZER"]
    assert codes(bipolar_dx="bipolar_2", mood_stabilizer=True) == []
    assert codes(bipolar_dx="bipolar_1", mood_stabilizer=True, mania_12m=True) == [
        "BIPOLAR_RECENT_MANIA"
    ]


@pytest.mark.parametrize(
    ("overrides", "flagged"),
    [
        ({"phq9_item9": 0}, False),
        ({"phq9_item9": 1}, True),
        ({"phq9_item9": 3}, True),
        ({"suicide_attempt_ever": True, "suicide_attempt_12m": True}, True),
        ({"suicide_attempt_ever": True, "suicide_attempt_12m": False}, False),
        # v2: an attempt of unknown recency is treated as recent
        ({"suicide_attempt_ever": True}, True),
        ({"suicide_risk_screen": "non_acute_positive"}, True),
        ({"suicide_risk_screen": "acute_positive"}, True),
    ],
)
def test_suicidal_ideation_is_urgent(overrides, flagged) -> None:
    result = screen(complete(**overrides), today=TODAY)
    urgent = [flag for flag in result.flags if flag.code == "SUICIDAL_IDEATION"]
    assert bool(urgent) is flagged
    if flagged:
        assert urgent[0].severity == "urgent"
        assert result.level == "caution"


def test_an_urgent_flag_beside_an_absolute_one_is_still_contraindicated() -> None:
    result = screen(complete(phq9_item9=2, avm_history=True), today=TODAY)
    assert result.level == "contraindicated"
    assert [flag.code for flag in result.flags] == ["AVM", "SUICIDAL_IDEATION"]


@pytest.mark.parametrize(
    ("key", "code"), [("benzodiazepine", "BENZODIAZEPINE"), ("lamotrigine", "LAMOTRIGINE")]
)
def test_information_flags_do_not_change_the_level(key, code) -> None:
    result = screen(complete(**{key: True}), today=TODAY)
    assert (result.level, [flag.code for flag in result.flags]) == ("clear", [code])
    assert result.flags[0].severity == "info"


def test_no_escort_or_a_missing_escort_answer_is_information() -> None:
    assert codes(has_escort=False) == ["NO_ESCORT"]
    assert codes(has_escort=...) == ["NO_ESCORT"]
    assert screen(complete(has_escort=False), today=TODAY).level == "clear"


INCOMPLETE_KEYS = [
    "date_of_birth",
    "psychotic_disorder_dx",
    "psychotic_symptoms_12m",
    "aneurysm_history",
    "avm_history",
    "ich_history",
    "pregnancy_status",
    "ketamine_allergy",
]


@pytest.mark.parametrize("key", INCOMPLETE_KEYS)
@pytest.mark.parametrize("how", ["missing", "null"])
def test_each_required_answer_missing_or_null_is_incomplete(key: str, how: str) -> None:
    answers = complete(**{key: ... if how == "missing" else None})
    result = screen(answers, today=TODAY)
    incomplete = [flag for flag in result.flags if flag.code == "INCOMPLETE"]
    assert len(incomplete) == 1
    assert key in incomplete[0].reason
    assert result.level == "caution"


def test_an_empty_intake_lists_every_missing_key_and_treats_booleans_as_no() -> None:
    result = screen({}, today=TODAY)
    assert [flag.code for flag in result.flags] == ["INCOMPLETE", "NO_ESCORT", "BP_NOT_RECORDED"]
    for key in INCOMPLETE_KEYS:
        assert key in result.flags[0].reason


def test_flags_follow_the_rule_table_order_and_each_code_appears_once() -> None:
    everything = complete(
        date_of_birth="2010-01-01",
        psychotic_disorder_dx=True,
        psychotic_symptoms_12m=True,
        aneurysm_history=True,
        avm_history=True,
        ich_history=True,
        screening_bp_systolic=190,
        screening_bp_diastolic=120,
        mi_date=TODAY,
        stroke_date=TODAY,
        pregnancy_status="pregnant",
        ketamine_allergy=True,
        ketamine_misuse="within_12m",
        liver_disease="severe",
        mania_12m=True,
        bipolar_dx="bipolar_1",
        family_psychosis=True,
        hypertension_dx=True,
        coronary_disease=True,
        hypertensive_encephalopathy=True,
        raised_icp=True,
        glaucoma=True,
        hyperthyroidism_untreated=True,
        substance_use="current",
        breastfeeding=True,
        interstitial_cystitis=True,
        sleep_apnea_untreated=True,
        porphyria=True,
        maoi=True,
        stimulant=True,
        opioid=True,
        phq9_item9=3,
        suicide_attempt_12m=True,
        benzodiazepine=True,
        lamotrigine=True,
        has_escort=False,
    )
    found = [flag.code for flag in screen(everything, today=TODAY).flags]
    assert found == [code for code in FLAG_CODES if code in found]
    assert len(found) == len(set(found))
    assert "HYPERTENSION_ELEVATED" not in found
    assert "INCOMPLETE" not in found


def test_every_flag_reason_is_plain_language() -> None:
    result = screen(
        complete(ketamine_allergy=True, stroke_date="2020-03-04", hypertension_dx=True), today=TODAY
    )
    for flag in result.flags:
        assert flag.reason[0].isupper()
        assert flag.reason.endswith(".")
    assert "2020-03-04" in result.flags[-1].reason


def test_screening_is_deterministic_and_accepts_dates_or_iso_strings() -> None:
    with_string = screen(complete(mi_date="2026-08-01"), today=TODAY)
    with_date = screen(complete(mi_date=dt.date(2026, 8, 1)), today=TODAY)
    assert with_string == with_date == screen(complete(mi_date="2026-08-01"), today=TODAY)


def test_keys_outside_the_questionnaire_contract_are_ignored() -> None:
    assert codes(favourite_colour=17, notes="<b>anything</b>", psychotherapy_tried="x") == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("avm_history", 1),
        ("avm_history", 0),
        ("has_escort", "yes"),
        ("phq9_item9", True),
        ("phq9_item9", 4),
        ("phq9_item9", -1),
        ("phq9_item9", 1.0),
        ("alcohol_drinks_per_week", -2),
        ("alcohol_drinks_per_week", "3"),
        ("screening_bp_systolic", 49),
        ("screening_bp_systolic", 301),
        ("screening_bp_diastolic", 19),
        ("screening_bp_diastolic", 201),
        ("screening_bp_systolic", 120.0),
        ("weight_kg", "70"),
        ("weight_kg", True),
        ("weight_kg", float("nan")),
        ("pregnancy_status", "maybe"),
        ("bipolar_dx", "bipolar_3"),
        ("liver_disease", 2),
        ("sex_at_birth", "other"),
        ("date_of_birth", "2030-01-01"),
        ("mi_date", "2026-11-22"),
        ("stroke_date", "21/11/2020"),
        ("date_of_birth", 19850615),
    ],
)
def test_a_wrong_type_or_out_of_range_value_raises_naming_the_key(key, value) -> None:
    with pytest.raises(ValueError, match=key):
        screen(complete(**{key: value}), today=TODAY)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("screening_bp_systolic", 50),
        ("screening_bp_systolic", 300),
        ("screening_bp_diastolic", 20),
        ("screening_bp_diastolic", 200),
        ("weight_kg", 72.5),
        ("weight_kg", 80),
        ("alcohol_drinks_per_week", 0),
        ("date_of_birth", TODAY.isoformat()),
    ],
)
def test_values_at_the_edge_of_their_range_are_accepted(key, value) -> None:
    screen(complete(**{key: value}), today=TODAY)
