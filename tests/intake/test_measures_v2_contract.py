"""ASQ scoring and the (v2) change-from-baseline table, to the letter of engine-api.md."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.measures import Score, change, score

CATEGORIES = {"remission", "response", "partial", "no_change", "worse"}
RANGES = {"phq9": 27, "gad7": 21, "pcl5": 80}
CASENESS = {"phq9": 10, "gad7": 10, "pcl5": 33}


# --- ASQ ---------------------------------------------------------------------------


def asq(q1: int = 0, q2: int = 0, q3: int = 0, q4: int = 0, **rest: int) -> Score:
    return score("asq", {"q1": q1, "q2": q2, "q3": q3, "q4": q4, **rest})


@pytest.mark.parametrize("with_q5", [False, True], ids=["q5-absent", "q5-no"])
def test_an_asq_with_no_yes_answers_is_negative(with_q5: bool) -> None:
    result = asq(**({"q5": 0} if with_q5 else {}))
    assert isinstance(result, Score)
    assert result.instrument == "asq"
    assert result.total == 0
    assert result.band == "negative"
    assert result.flags == ()


def test_yes_to_q5_alone_is_acute_positive() -> None:
    result = asq(q5=1)
    assert result.band == "acute_positive"
    assert result.flags == ("SUICIDE_RISK_ACUTE",)
    assert result.total == 1


@pytest.mark.parametrize("item", ["q1", "q2", "q3", "q4"])
def test_one_yes_among_q1_to_q4_with_no_to_q5_is_non_acute_positive(item: str) -> None:
    result = asq(**{item: 1, "q5": 0})
    assert result.band == "non_acute_positive"
    assert result.flags == ("SUICIDE_RISK",)
    assert result.total == 1


def test_four_yes_answers_and_no_to_q5_count_four() -> None:
    result = asq(1, 1, 1, 1, q5=0)
    assert (result.total, result.band, result.flags) == (4, "non_acute_positive", ("SUICIDE_RISK",))


def test_five_yes_answers_are_acute_and_count_five() -> None:
    result = asq(1, 1, 1, 1, q5=1)
    assert (result.total, result.band, result.flags) == (
        5,
        "acute_positive",
        ("SUICIDE_RISK_ACUTE",),
    )


ALL_Q1_TO_Q4 = list(itertools.product((0, 1), repeat=4))


@pytest.mark.parametrize("answers", ALL_Q1_TO_Q4)
@pytest.mark.parametrize("q5", [None, 0, 1], ids=["q5-absent", "q5-no", "q5-yes"])
def test_every_asq_answer_pattern_scores_by_the_contract(
    answers: tuple[int, ...], q5: int | None
) -> None:
    items: dict[str, int] = {f"q{n}": value for n, value in enumerate(answers, start=1)}
    if q5 is not None:
        items["q5"] = q5
    if any(answers) and q5 is None:
        with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
            score("asq", items)
        return
    result = score("asq", items)
    assert result.total == sum(items.values())
    if q5 == 1:
        assert (result.band, result.flags) == ("acute_positive", ("SUICIDE_RISK_ACUTE",))
    elif any(answers):
        assert (result.band, result.flags) == ("non_acute_positive", ("SUICIDE_RISK",))
    else:
        assert (result.band, result.flags) == ("negative", ())


@pytest.mark.parametrize(
    "items",
    [
        {"q1": 1, "q2": 0, "q3": 0, "q4": 0},
        {"q1": 0, "q2": 0, "q3": 0, "q4": 1},
        {"q1": 2, "q2": 0, "q3": 0, "q4": 0, "q5": 0},
        {"q1": -1, "q2": 0, "q3": 0, "q4": 0},
        {"q1": True, "q2": 0, "q3": 0, "q4": 0},
        {"q1": 0, "q2": 0, "q3": 0, "q4": False},
        {"q1": "1", "q2": 0, "q3": 0, "q4": 0, "q5": 0},
        {"q1": 1.0, "q2": 0, "q3": 0, "q4": 0, "q5": 0},
        {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 2},
        {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": True},
        {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": None},
        {"q2": 0, "q3": 0, "q4": 0},
        {"q1": 0, "q2": 0, "q3": 0},
        {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q6": 0},
        {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "difficulty": 0},
        {},
    ],
)
def test_a_missing_unknown_or_out_of_range_asq_item_raises(items: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        score("asq", items)


# --- change from baseline ---------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (4, 4, "no_change"),
        (4, 5, "no_change"),
        (4, 8, "no_change"),
        (4, 9, "worse"),
        (0, 0, "no_change"),
        (0, 4, "no_change"),
        (0, 5, "worse"),
        (10, 4, "remission"),
        (27, 0, "remission"),
        (10, 5, "response"),
        (9, 0, "response"),
        (9, 4, "response"),
        (14, 7, "response"),
        (13, 6, "response"),
        (13, 7, "partial"),
        (14, 8, "partial"),
        (12, 9, "partial"),
        (15, 11, "partial"),
        (7, 4, "partial"),
        (7, 3, "response"),
        (12, 10, "no_change"),
        (15, 12, "no_change"),
        (20, 16, "no_change"),
        (20, 15, "partial"),
        (20, 10, "response"),
        (10, 15, "worse"),
        (10, 14, "no_change"),
        (22, 27, "worse"),
        (1, 0, "response"),
    ],
)
def test_phq9_change_follows_the_v2_table(baseline: int, current: int, expected: str) -> None:
    assert change("phq9", baseline, current) == expected


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (10, 4, "remission"),
        (21, 0, "remission"),
        (10, 5, "response"),
        (9, 0, "response"),
        (4, 4, "no_change"),
        (4, 5, "no_change"),
        (5, 8, "no_change"),
        (5, 9, "worse"),
        (0, 3, "no_change"),
        (0, 4, "worse"),
        (17, 21, "worse"),
        (12, 9, "partial"),
        (12, 10, "no_change"),
        (14, 7, "response"),
        (13, 7, "partial"),
        (8, 6, "partial"),
        (8, 7, "no_change"),
    ],
)
def test_gad7_change_follows_the_v2_table(baseline: int, current: int, expected: str) -> None:
    assert change("gad7", baseline, current) == expected


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (33, 23, "remission"),
        (42, 32, "remission"),
        (80, 0, "remission"),
        (40, 32, "partial"),
        (33, 24, "partial"),
        (33, 28, "partial"),
        (33, 29, "no_change"),
        (32, 20, "response"),
        (32, 22, "response"),
        (50, 40, "response"),
        (43, 33, "response"),
        (20, 15, "partial"),
        (20, 16, "no_change"),
        (20, 20, "no_change"),
        (20, 24, "no_change"),
        (20, 25, "worse"),
        (0, 80, "worse"),
        (10, 0, "response"),
    ],
)
def test_pcl5_change_follows_the_v2_table(baseline: int, current: int, expected: str) -> None:
    assert change("pcl5", baseline, current) == expected


def test_asq_has_no_change_category() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        change("asq", 1, 0)


@pytest.mark.parametrize("instrument", ["bdi", "PHQ9", "", "phq-9"])
def test_change_of_an_unknown_instrument_raises(instrument: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        change(instrument, 10, 5)


@pytest.mark.parametrize(
    ("instrument", "baseline", "current"),
    [
        ("phq9", 28, 10),
        ("phq9", 10, 28),
        ("phq9", -1, 0),
        ("phq9", 0, -1),
        ("gad7", 22, 10),
        ("gad7", 10, 22),
        ("gad7", -1, 0),
        ("pcl5", 81, 10),
        ("pcl5", 10, 81),
        ("pcl5", 0, -1),
    ],
)
def test_change_with_a_total_outside_the_instruments_range_raises(
    instrument: str, baseline: int, current: int
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        change(instrument, baseline, current)


@pytest.mark.parametrize(("instrument", "top"), sorted(RANGES.items()))
def test_change_accepts_totals_at_both_ends_of_the_range(instrument: str, top: int) -> None:
    assert change(instrument, 0, top) == "worse"
    assert change(instrument, top, 0) == "remission"


@st.composite
def below_caseness(draw: st.DrawFn) -> tuple[str, int, int]:
    instrument = draw(st.sampled_from(sorted(RANGES)))
    baseline = draw(st.integers(min_value=0, max_value=CASENESS[instrument] - 1))
    current = draw(st.integers(min_value=0, max_value=RANGES[instrument]))
    return instrument, baseline, current


@given(below_caseness())
def test_remission_never_occurs_with_a_baseline_below_the_caseness_cut_off(
    case: tuple[str, int, int],
) -> None:
    instrument, baseline, current = case
    outcome = change(instrument, baseline, current)
    assert outcome in CATEGORIES
    assert outcome != "remission"


@st.composite
def any_pair(draw: st.DrawFn) -> tuple[str, int, int]:
    instrument = draw(st.sampled_from(sorted(RANGES)))
    baseline = draw(st.integers(min_value=0, max_value=RANGES[instrument]))
    current = draw(st.integers(min_value=0, max_value=RANGES[instrument]))
    return instrument, baseline, current


@given(any_pair())
def test_change_matches_the_table_for_every_pair_in_range(case: tuple[str, int, int]) -> None:
    instrument, baseline, current = case
    drop, rise = baseline - current, current - baseline
    if instrument == "pcl5":
        if baseline >= 33 and current < 33 and drop >= 10:
            expected = "remission"
        elif drop >= 10:
            expected = "response"
        elif drop >= 5:
            expected = "partial"
        elif rise >= 5:
            expected = "worse"
        else:
            expected = "no_change"
    else:
        if baseline >= 10 and current < 5:
            expected = "remission"
        elif baseline > 0 and 2 * drop >= baseline:
            expected = "response"
        elif baseline > 0 and 4 * drop >= baseline:
            expected = "partial"
        elif rise >= (5 if instrument == "phq9" else 4):
            expected = "worse"
        else:
            expected = "no_change"
    assert change(instrument, baseline, current) == expected
