"""PHQ-9, GAD-7 and PCL-5: scoring, bands and change from baseline. Pure: no I/O.

Fixed contract: ../shared/spec/engine-api.md (`score`, `change`, `Score`). Bands and the
change categories: intake-and-screening.md §5. The questionnaires' wording lives in
`intake/instruments.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PHQ9 = "phq9"
GAD7 = "gad7"
PCL5 = "pcl5"


@dataclass(frozen=True)
class Instrument:
    code: str
    items: int
    item_max: int
    # (lowest total of the band, band code), in ascending order
    bands: tuple[tuple[int, str], ...]
    remission_below: int

    @property
    def max_total(self) -> int:
        return self.items * self.item_max

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(f"q{number}" for number in range(1, self.items + 1))


INSTRUMENTS: dict[str, Instrument] = {
    PHQ9: Instrument(
        PHQ9,
        9,
        3,
        ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately_severe"), (20, "severe")),
        remission_below=5,
    ),
    GAD7: Instrument(
        GAD7, 7, 3, ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")), 5
    ),
    PCL5: Instrument(PCL5, 20, 4, ((0, "below_threshold"), (33, "probable_ptsd")), 33),
}

PCL5_RELIABLE_CHANGE = 10

REMISSION = "remission"
RESPONSE = "response"
PARTIAL = "partial"
NO_CHANGE = "no_change"
WORSE = "worse"


@dataclass(frozen=True)
class Score:
    instrument: str  # "phq9" | "gad7" | "pcl5"
    total: int
    band: str
    flags: tuple[str, ...]  # ("SUICIDAL_IDEATION",) when PHQ-9 q9 >= 1, else ()


def _instrument(code: str) -> Instrument:
    if not isinstance(code, str) or code not in INSTRUMENTS:
        raise ValueError(f"Unknown instrument {code!r}: expected phq9, gad7 or pcl5")
    return INSTRUMENTS[code]


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is outside {low}–{high}")
    return value


def band_of(instrument: str, total: int) -> str:
    spec = _instrument(instrument)
    _whole("total", total, 0, spec.max_total)
    band = spec.bands[0][1]
    for lowest, name in spec.bands:
        if total >= lowest:
            band = name
    return band


def score(instrument: str, items: Mapping[str, int]) -> Score:
    """Total, band and safety flags of one completed questionnaire."""
    spec = _instrument(instrument)
    allowed = set(spec.item_keys) | ({"difficulty"} if instrument == PHQ9 else set())
    unknown = sorted(set(items) - allowed)
    if unknown:
        raise ValueError(f"Unknown item keys for {instrument}: {', '.join(unknown)}")
    missing = [key for key in spec.item_keys if key not in items]
    if missing:
        raise ValueError(f"Missing items for {instrument}: {', '.join(missing)}")
    total = sum(_whole(key, items[key], 0, spec.item_max) for key in spec.item_keys)
    if "difficulty" in items:
        _whole("difficulty", items["difficulty"], 0, 3)
    flags = ("SUICIDAL_IDEATION",) if instrument == PHQ9 and items["q9"] >= 1 else ()
    return Score(instrument=instrument, total=total, band=band_of(instrument, total), flags=flags)


def change(instrument: str, baseline: int, current: int) -> str:
    """Change category from the baseline total to the current one (checked in order)."""
    spec = _instrument(instrument)
    _whole("baseline", baseline, 0, spec.max_total)
    _whole("current", current, 0, spec.max_total)
    drop = baseline - current
    if instrument == PCL5:
        if current < spec.remission_below and drop >= PCL5_RELIABLE_CHANGE:
            return REMISSION
    elif current < spec.remission_below:
        return REMISSION
    # Integer arithmetic: a drop of at least 50 % (25 %) of the baseline.
    if baseline > 0 and drop * 2 >= baseline:
        return RESPONSE
    if baseline > 0 and drop * 4 >= baseline:
        return PARTIAL
    if current > baseline:
        return WORSE
    return NO_CHANGE
