"""PHQ-9, GAD-7 and PCL-5 scores, bands and change categories (spec §5, engine-api.md)."""

from __future__ import annotations

import pytest

from intake.instruments import QUESTIONNAIRES
from intake.measures import INSTRUMENTS, band_of, change, score


def answers(instrument: str, total: int) -> dict[str, int]:
    """Items that add up to `total`, filled from q1 onwards."""
    spec = INSTRUMENTS[instrument]
    items = {}
    left = total
    for key in spec.item_keys:
        items[key] = min(left, spec.item_max)
        left -= items[key]
    assert left == 0
    return items


@pytest.mark.parametrize(
    ("instrument", "total", "band"),
    [
        ("phq9", 0, "minimal"), ("phq9", 4, "minimal"), ("phq9", 5, "mild"),
        ("phq9", 9, "mild"), ("phq9", 10, "moderate"), ("phq9", 14, "moderate"),
        ("phq9", 15, "moderately_severe"), ("phq9", 19, "moderately_severe"),
        ("phq9", 20, "severe"), ("phq9", 27, "severe"),
        ("gad7", 0, "minimal"), ("gad7", 4, "minimal"), ("gad7", 5, "mild"), ("gad7", 9, "mild"),
        ("gad7", 10, "moderate"), ("gad7", 14, "moderate"), ("gad7", 15, "severe"),
        ("gad7", 21, "severe"),
        ("pcl5", 0, "below_threshold"), ("pcl5", 32, "below_threshold"),
        ("pcl5", 33, "probable_ptsd"), ("pcl5", 80, "probable_ptsd"),
    ],
)  # fmt: skip
def test_each_band_boundary(instrument: str, total: int, band: str) -> None:
    result = score(instrument, answers(instrument, total))
    assert (result.instrument, result.total, result.band) == (instrument, total, band)
    assert band_of(instrument, total) == band


def test_phq9_item_9_raises_the_suicidal_ideation_flag() -> None:
    quiet = {f"q{n}": 0 for n in range(1, 10)}
    assert score("phq9", quiet).flags == ()
    assert score("phq9", quiet | {"q9": 1}).flags == ("SUICIDAL_IDEATION",)
    gad = {f"q{n}": 3 for n in range(1, 8)}
    assert score("gad7", gad).flags == ()


def test_phq9_difficulty_is_recorded_but_not_scored() -> None:
    items = answers("phq9", 12) | {"difficulty": 3}
    assert score("phq9", items).total == 12


@pytest.mark.parametrize(
    ("instrument", "items", "problem"),
    [
        ("bdi", {"q1": 0}, "Unknown instrument"),
        ("phq9", {f"q{n}": 0 for n in range(1, 9)}, "Missing items"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"q10": 0}, "Unknown item keys"),
        ("gad7", {f"q{n}": 0 for n in range(1, 8)} | {"difficulty": 1}, "Unknown item keys"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"q3": 4}, "q3"),
        ("pcl5", {f"q{n}": 0 for n in range(1, 21)} | {"q20": 5}, "q20"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"q1": -1}, "q1"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"q2": 1.0}, "q2"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"q2": "1"}, "q2"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"q2": True}, "q2"),
        ("phq9", {f"q{n}": 0 for n in range(1, 10)} | {"difficulty": 4}, "difficulty"),
    ],
)
def test_bad_items_raise(instrument, items, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        score(instrument, items)


@pytest.mark.parametrize(
    ("instrument", "baseline", "current", "category"),
    [
        ("phq9", 20, 4, "remission"),
        ("phq9", 4, 4, "no_change"),  # v2: remission needs a baseline of 10 or more
        ("phq9", 0, 0, "no_change"),
        ("phq9", 9, 0, "response"),  # below the cut-off: response, never remission
        ("phq9", 20, 10, "response"),  # exactly 50 %
        ("phq9", 21, 11, "partial"),  # 47.6 %
        ("phq9", 20, 15, "partial"),  # exactly 25 %
        ("phq9", 20, 16, "no_change"),  # 20 %
        ("phq9", 20, 20, "no_change"),
        ("phq9", 10, 12, "no_change"),  # v2: worse is a rise of 5 or more
        ("phq9", 10, 15, "worse"),
        ("gad7", 16, 4, "remission"),
        ("gad7", 16, 8, "response"),
        ("gad7", 16, 12, "partial"),
        ("gad7", 8, 11, "no_change"),
        ("gad7", 8, 12, "worse"),  # v2: a rise of 4
        ("pcl5", 50, 32, "remission"),
        ("pcl5", 40, 32, "partial"),  # below 33 but only 8 points: no remission; ≥ 5 is partial
        ("pcl5", 42, 32, "remission"),  # 10 points is reliable change
        ("pcl5", 70, 35, "response"),
        ("pcl5", 60, 45, "response"),  # v2: PCL-5 response is a drop of 10 points
        ("pcl5", 60, 53, "partial"),
        ("pcl5", 20, 20, "no_change"),
        ("pcl5", 0, 0, "no_change"),
        ("pcl5", 30, 34, "no_change"),
        ("pcl5", 30, 35, "worse"),
    ],
)
def test_change_categories_in_order(instrument, baseline, current, category) -> None:
    assert change(instrument, baseline, current) == category


def test_pcl5_change_is_counted_in_points_not_percent() -> None:
    assert change("pcl5", 36, 27) == "partial"  # 9 points
    assert change("pcl5", 34, 24) == "remission"  # 10 points, from probable PTSD to below 33
    assert change("pcl5", 18, 9) == "partial"  # 9 points (50 %) is still only partial
    assert change("pcl5", 18, 8) == "response"  # 10 points, baseline below 33: never remission


@pytest.mark.parametrize(
    ("instrument", "baseline", "current"),
    [
        ("phq9", 28, 0),
        ("phq9", 0, -1),
        ("gad7", 22, 3),
        ("pcl5", 81, 0),
        ("moca", 1, 1),
        ("phq9", True, 0),
        ("phq9", 10.0, 5),
    ],
)
def test_change_rejects_totals_outside_the_range_and_unknown_instruments(
    instrument, baseline, current
) -> None:
    with pytest.raises(ValueError, match=r"outside|Unknown instrument|whole number"):
        change(instrument, baseline, current)


def test_the_questionnaires_have_one_wording_per_scored_item() -> None:
    for code, spec in INSTRUMENTS.items():
        questionnaire = QUESTIONNAIRES[code]
        assert len(questionnaire.items) == spec.items
        assert len(questionnaire.answers) == spec.item_max + 1
    assert QUESTIONNAIRES["phq9"].items[8].startswith("Thoughts that you would be better off dead")
