"""Outcome arithmetic: baselines, change categories on the chart, response and remission
counts per protocol, and the chart's geometry."""

from __future__ import annotations

import datetime as dt

from integration.outcomes import (
    Score,
    SeriesResult,
    baseline_of,
    chart,
    outcomes_by_protocol,
    trend,
)

DAY = dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)


def at(days: int, total: int, context: str = "pre_session") -> Score:
    return Score(DAY + dt.timedelta(days=days), total, context)


def test_the_baseline_is_the_intake_score_else_the_first_before_the_first_dose() -> None:
    assert baseline_of([at(0, 18, "intake"), at(3, 20)], DAY).total == 18
    assert baseline_of([at(1, 16), at(2, 19), at(9, 8)], DAY + dt.timedelta(days=5)).total == 16
    assert baseline_of([at(9, 8)], DAY) is None


def test_the_trend_category_compares_the_latest_score_with_the_baseline() -> None:
    assert trend("phq9", [at(0, 20, "intake"), at(20, 9)], DAY).category == "response"
    assert trend("phq9", [at(0, 20, "intake"), at(20, 4)], DAY).category == "remission"
    assert trend("phq9", [at(0, 20, "intake"), at(20, 14)], DAY).category == "partial"
    assert trend("phq9", [at(0, 12, "intake"), at(20, 17)], DAY).category == "worse"
    assert trend("phq9", [at(0, 12, "intake"), at(20, 16)], DAY).category == "no_change"
    assert trend("phq9", [at(0, 4, "intake"), at(20, 4)], DAY).category == "no_change"
    assert trend("phq9", [at(0, 12, "intake")], DAY).category is None


def test_response_and_remission_are_counted_per_protocol() -> None:
    rows = outcomes_by_protocol(
        [
            SeriesResult("IV standard", 20, 9),  # response
            SeriesResult("IV standard", 20, 4),  # response and remission
            SeriesResult("IV standard", 6, 4),  # baseline below 10: in neither rate
            SeriesResult("IV standard", 18, 15),  # neither
            SeriesResult("IV standard", None, 7),  # finished, not measured
            SeriesResult("Esketamine induction", 22, 10),
        ]
    )
    esketamine, iv = rows
    assert (iv.finished, iv.measured, iv.at_caseness) == (5, 4, 3)
    assert (iv.response, iv.remission) == (2, 1)
    assert (iv.response_share, iv.remission_share) == (67, 33)
    assert (esketamine.finished, esketamine.response, esketamine.remission) == (1, 1, 0)


def test_no_measured_patient_gives_no_share_rather_than_zero() -> None:
    (row,) = outcomes_by_protocol([SeriesResult("Oral standard", None, None)])
    assert row.measured == 0 and row.response_share is None


def test_the_chart_places_scores_bands_baseline_and_sessions() -> None:
    data = trend("phq9", [at(0, 20, "intake"), at(14, 10), at(28, 4)], DAY)
    drawn = chart("phq9", data, [DAY.date() + dt.timedelta(days=d) for d in (7, 10, 14)])
    assert len(drawn.dots) == 3 and [d[2] for d in drawn.dots] == [20, 10, 4]
    assert drawn.dots[0][1] < drawn.dots[1][1] < drawn.dots[2][1]  # lower score, lower on page
    assert drawn.baseline_y == drawn.dots[0][1]
    assert len(drawn.sessions_x) == 3
    assert drawn.band_rects[0][3] == "minimal"
    heights = sum(rect[1] for rect in drawn.band_rects)
    assert abs(heights - (drawn.plot_bottom - drawn.plot_top)) < 1
