"""Measurement-based care arithmetic (no I/O): baselines, change categories, the trend chart
geometry, and response/remission per protocol (spec: integration-and-outcomes.md §2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from intake.measures import GAD7, PCL5, PHQ9, change, meets_caseness

TITLES = {PHQ9: "PHQ-9 (depression)", GAD7: "GAD-7 (anxiety)", PCL5: "PCL-5 (PTSD symptoms)"}
MAXIMUM = {PHQ9: 27, GAD7: 21, PCL5: 80}
# (low, high, label) of each band, lowest first (intake-and-screening.md §5).
BANDS = {
    PHQ9: ((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
           (15, 19, "moderately severe"), (20, 27, "severe")),
    GAD7: ((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")),
    PCL5: ((0, 32, "below threshold"), (33, 80, "probable PTSD")),
}  # fmt: skip
BAND_SHADES = ("#eef6f0", "#f6f7e9", "#fbf1e3", "#fbe7e1", "#f8dcdc")
CHANGE_LABELS = {
    "remission": "Remission",
    "response": "Response (≥ 50 % lower)",
    "partial": "Partial response (25–49 % lower)",
    "no_change": "No change",
    "worse": "Worse",
}


@dataclass(frozen=True)
class Score:
    taken_at: dt.datetime
    total: int
    context: str


def baseline_of(scores: Sequence[Score], first_dose: dt.datetime | None) -> Score | None:
    """The intake score, or else the first score before the first dose."""
    ordered = sorted(scores, key=lambda s: s.taken_at)
    intake = [s for s in ordered if s.context == "intake"]
    if intake:
        return intake[-1]
    before = [s for s in ordered if first_dose is None or s.taken_at <= first_dose]
    return before[0] if before else None


@dataclass(frozen=True)
class Trend:
    instrument: str
    title: str
    scores: tuple[Score, ...]
    baseline: Score | None
    latest: Score | None
    category: str | None

    @property
    def category_label(self) -> str:
        return CHANGE_LABELS.get(self.category or "", "")


def trend(instrument: str, scores: Sequence[Score], first_dose: dt.datetime | None) -> Trend:
    ordered = tuple(sorted(scores, key=lambda s: s.taken_at))
    baseline = baseline_of(ordered, first_dose)
    latest = ordered[-1] if ordered else None
    category = None
    if baseline is not None and latest is not None and latest.taken_at > baseline.taken_at:
        category = change(instrument, baseline.total, latest.total)
    return Trend(instrument, TITLES[instrument], ordered, baseline, latest, category)


# --- Chart geometry ---------------------------------------------------------------------

LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 28


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    band_rects: tuple[tuple[float, float, str, str], ...]  # y, height, fill, label
    points: str
    dots: tuple[tuple[float, float, int, str], ...]  # x, y, total, date label
    baseline_y: float | None
    sessions_x: tuple[float, ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left


def chart(
    instrument: str,
    data: Trend,
    session_days: Sequence[dt.date],
    *,
    width: int = 640,
    height: int = 220,
) -> Chart:
    """Scores over time on the instrument's bands, the baseline and session days marked."""
    top = MAXIMUM[instrument]
    days = [s.taken_at.date() for s in data.scores] + list(session_days)
    if not days:
        raise ValueError("A chart needs at least one score or session.")
    start, end = min(days), max(days)
    span = max((end - start).days, 14)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    def x_of(day: dt.date) -> float:
        return round(LEFT + plot_w * (day - start).days / span, 1)

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (top - value) / top, 1)

    rects = []
    for index, (low, high, label) in enumerate(BANDS[instrument]):
        y_top = y_of(min(high + 1, top) if high < top else top)
        rects.append((y_top, round(y_of(low) - y_top, 1), BAND_SHADES[index], label))
    dots = tuple(
        (x_of(s.taken_at.date()), y_of(s.total), s.total, s.taken_at.strftime("%b %-d"))
        for s in data.scores
    )
    step = max(span // 6, 1)
    # Date labels, none so close to the right edge that it would be cut off.
    ticks = tuple(
        (x_of(start + dt.timedelta(days=d)), (start + dt.timedelta(days=d)).strftime("%b %-d"))
        for d in range(0, span + 1, step)
        if x_of(start + dt.timedelta(days=d)) <= width - RIGHT - 24
    )
    y_step = {PHQ9: 5, GAD7: 5, PCL5: 20}[instrument]
    return Chart(
        width=width,
        height=height,
        band_rects=tuple(rects),
        points=" ".join(f"{x},{y}" for x, y, _t, _d in dots),
        dots=dots,
        baseline_y=y_of(data.baseline.total) if data.baseline else None,
        sessions_x=tuple(sorted({x_of(day) for day in session_days})),
        x_ticks=ticks,
        y_ticks=tuple((y_of(v), v) for v in range(0, top + 1, y_step)),
        plot_left=LEFT,
        plot_right=width - RIGHT,
        plot_top=TOP,
        plot_bottom=height - BOTTOM,
    )


# --- Clinic outcomes --------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesResult:
    """One patient who finished an induction series, with PHQ-9 before and after."""

    protocol: str
    baseline: int | None
    after: int | None


@dataclass(frozen=True)
class ProtocolOutcome:
    protocol: str
    finished: int
    measured: int
    response: int
    remission: int
    # Of the measured, those whose baseline met the PHQ-9 caseness cut-off (≥ 10): the
    # only ones counted for response and remission. None in a snapshot taken before the
    # rule (it is recalculated within minutes).
    at_caseness: int | None = None

    @staticmethod
    def _share(count: int, of: int | None) -> int | None:
        return round(100 * count / of) if of else None

    @property
    def response_share(self) -> int | None:
        return self._share(self.response, self.at_caseness)

    @property
    def remission_share(self) -> int | None:
        return self._share(self.remission, self.at_caseness)


def outcomes_by_protocol(results: Sequence[SeriesResult]) -> list[ProtocolOutcome]:
    """Per protocol: finished induction; of those with a baseline and a post-series PHQ-9,
    those whose baseline met the caseness cut-off (PHQ-9 ≥ 10); of those, how many
    responded and how many remitted, by `intake.measures.change` (a remitter whose score
    also fell by half counts in both). A patient who started below the cut-off is not
    depressed enough for "remission" to mean anything and is left out of both rates."""
    rows = []
    for protocol in sorted({r.protocol for r in results}):
        mine = [r for r in results if r.protocol == protocol]
        measured = [r for r in mine if r.baseline is not None and r.after is not None]
        cases = [r for r in measured if meets_caseness(PHQ9, r.baseline)]
        categories = [change(PHQ9, r.baseline, r.after) for r in cases]
        remission = sum(1 for c in categories if c == "remission")
        response = sum(
            1
            for r, c in zip(cases, categories, strict=True)
            if c == "response" or (c == "remission" and 2 * (r.baseline - r.after) >= r.baseline)
        )
        rows.append(
            ProtocolOutcome(protocol, len(mine), len(measured), response, remission, len(cases))
        )
    return rows
