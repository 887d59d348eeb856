"""Vitals trend chart as plain SVG geometry (no I/O): the template draws it, so it works
without JavaScript, under a strict CSP, and in WeasyPrint PDFs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Y_MIN, Y_MAX = 40, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 24, 10, 26  # room for half a time label each side

SERIES = (
    # key, label, colour, dash pattern (colour is never the only signal)
    ("systolic", "Systolic", "#b02a37", ""),
    ("diastolic", "Diastolic", "#0a58ca", "6 4"),
    ("heart_rate", "Heart rate", "#146c43", "2 3"),
)


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    dash: str
    points: str
    dots: tuple[tuple[float, float, int], ...]


@dataclass(frozen=True)
class VitalsChart:
    width: int
    height: int
    lines: tuple[Line, ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]
    dose_x: float | None
    plot_left: int
    plot_right: float
    plot_bottom: float

    @property
    def empty(self) -> bool:
        return not any(line.dots for line in self.lines)


def vitals_chart(
    readings: Sequence[Any],
    *,
    dose_started_at: dt.datetime | None,
    zone: dt.tzinfo,
    width: int = 640,
    height: int = 220,
) -> VitalsChart:
    """Systolic, diastolic and heart rate over the session, with the dose marked."""
    times = [r.taken_at for r in readings]
    if dose_started_at is not None:
        times.append(dose_started_at)
    start = min(times) if times else dt.datetime.now(dt.UTC)
    end = max(times) if times else start
    span = max((end - start).total_seconds(), 15 * 60)
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM

    def x_of(moment: dt.datetime) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span, 1)

    def y_of(value: float) -> float:
        clamped = min(max(value, Y_MIN), Y_MAX)
        return round(TOP + plot_h * (Y_MAX - clamped) / (Y_MAX - Y_MIN), 1)

    lines = []
    for key, label, colour, dash in SERIES:
        dots = tuple(
            (x_of(r.taken_at), y_of(getattr(r, key)), getattr(r, key))
            for r in readings
            if getattr(r, key) is not None
        )
        points = " ".join(f"{x},{y}" for x, y, _value in dots)
        lines.append(Line(label, colour, dash, points, dots))
    ticks = []
    step = 15 * 60 if span <= 3 * 3600 else 30 * 60
    moment = start
    while moment <= start + dt.timedelta(seconds=span):
        ticks.append((x_of(moment), moment.astimezone(zone).strftime("%H:%M")))
        moment += dt.timedelta(seconds=step)
    return VitalsChart(
        width=width,
        height=height,
        lines=tuple(lines),
        x_ticks=tuple(ticks),
        y_ticks=tuple((y_of(v), v) for v in range(Y_MIN, Y_MAX + 1, 40)),
        dose_x=x_of(dose_started_at) if dose_started_at else None,
        plot_left=LEFT,
        plot_right=width - RIGHT,
        plot_bottom=height - BOTTOM,
    )
