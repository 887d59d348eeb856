"""PHQ-9, GAD-7, PCL-5 and the ASQ: scoring, bands and change from baseline. Pure: no I/O.

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
ASQ = "asq"


@dataclass(frozen=True)
class Instrument:
    code: str
    items: int
    item_max: int
    # (lowest total of the band, band code), in ascending order
    bands: tuple[tuple[int, str], ...]
    # Change from baseline (intake-and-screening.md §5, engine-api.md `change`): remission
    # needs a baseline at or above the caseness cut-off and a current score below
    # `remission_below`; "response"/"partial" are a drop of a share of the baseline
    # (PHQ-9, GAD-7) or of points (PCL-5); "worse" a rise of the minimal important
    # difference.
    caseness: int
    remission_below: int
    worse_rise: int
    response_points: int | None = None  # None: a share of the baseline (50 % / 25 %)
    partial_points: int | None = None
    remission_min_drop: int = 0

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
        caseness=10,
        remission_below=5,
        worse_rise=5,
    ),
    GAD7: Instrument(
        GAD7,
        7,
        3,
        ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
        caseness=10,
        remission_below=5,
        worse_rise=4,
    ),
    PCL5: Instrument(
        PCL5,
        20,
        4,
        ((0, "below_threshold"), (33, "probable_ptsd")),
        caseness=33,
        remission_below=33,
        worse_rise=5,
        response_points=10,
        partial_points=5,
        remission_min_drop=10,
    ),
}

# ASQ (NIMH Ask Suicide-Screening Questions): q1–q4 yes/no, q5 ("right now?") asked only
# after a yes. Its bands are the answers' meaning, not a total's range.
ASQ_SCREEN_ITEMS = ("q1", "q2", "q3", "q4")
ASQ_ACUTE_ITEM = "q5"
ASQ_NEGATIVE = "negative"
ASQ_NON_ACUTE = "non_acute_positive"
ASQ_ACUTE = "acute_positive"
ASQ_BANDS = (ASQ_NEGATIVE, ASQ_NON_ACUTE, ASQ_ACUTE)
ASQ_FLAGS = {ASQ_NEGATIVE: (), ASQ_NON_ACUTE: ("SUICIDE_RISK",), ASQ_ACUTE: ("SUICIDE_RISK_ACUTE",)}

REMISSION = "remission"
RESPONSE = "response"
PARTIAL = "partial"
NO_CHANGE = "no_change"
WORSE = "worse"


@dataclass(frozen=True)
class Score:
    instrument: str  # "phq9" | "gad7" | "pcl5" | "asq"
    total: int
    band: str
    flags: tuple[str, ...]  # PHQ-9: ("SUICIDAL_IDEATION",) when q9 >= 1; ASQ: by band


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


def _score_asq(items: Mapping[str, int]) -> Score:
    allowed = {*ASQ_SCREEN_ITEMS, ASQ_ACUTE_ITEM}
    unknown = sorted(set(items) - allowed, key=str)
    if unknown:
        raise ValueError(f"Unknown item keys for asq: {', '.join(map(str, unknown))}")
    missing = [key for key in ASQ_SCREEN_ITEMS if key not in items]
    if missing:
        raise ValueError(f"Missing items for asq: {', '.join(missing)}")
    answers = {key: _whole(key, value, 0, 1) for key, value in items.items()}
    any_yes = any(answers[key] == 1 for key in ASQ_SCREEN_ITEMS)
    if any_yes and ASQ_ACUTE_ITEM not in answers:
        raise ValueError("asq: q5 (thoughts of killing yourself right now) is required after a yes")
    if answers.get(ASQ_ACUTE_ITEM) == 1:
        band = ASQ_ACUTE
    elif any_yes:
        band = ASQ_NON_ACUTE
    else:
        band = ASQ_NEGATIVE
    return Score(ASQ, total=sum(answers.values()), band=band, flags=ASQ_FLAGS[band])


def score(instrument: str, items: Mapping[str, int]) -> Score:
    """Total, band and safety flags of one completed questionnaire."""
    if instrument == ASQ:
        return _score_asq(items)
    spec = _instrument(instrument)
    allowed = set(spec.item_keys) | ({"difficulty"} if instrument == PHQ9 else set())
    unknown = sorted(set(items) - allowed, key=str)
    if unknown:
        raise ValueError(f"Unknown item keys for {instrument}: {', '.join(map(str, unknown))}")
    missing = [key for key in spec.item_keys if key not in items]
    if missing:
        raise ValueError(f"Missing items for {instrument}: {', '.join(missing)}")
    total = sum(_whole(key, items[key], 0, spec.item_max) for key in spec.item_keys)
    if "difficulty" in items:
        _whole("difficulty", items["difficulty"], 0, 3)
    flags = ("SUICIDAL_IDEATION",) if instrument == PHQ9 and items["q9"] >= 1 else ()
    return Score(instrument=instrument, total=total, band=band_of(instrument, total), flags=flags)


def change(instrument: str, baseline: int, current: int) -> str:
    """Change category from the baseline total to the current one, checked in the order
    remission, response, partial, worse (else no change). Exact integer arithmetic."""
    if instrument == ASQ:
        raise ValueError("asq has no change category (it is a yes/no screen)")
    spec = _instrument(instrument)
    _whole("baseline", baseline, 0, spec.max_total)
    _whole("current", current, 0, spec.max_total)
    drop = baseline - current
    if (
        baseline >= spec.caseness
        and current < spec.remission_below
        and drop >= spec.remission_min_drop
    ):
        return REMISSION
    if spec.response_points is not None:
        if drop >= spec.response_points:
            return RESPONSE
    elif baseline > 0 and drop * 2 >= baseline:  # a drop of at least 50 %
        return RESPONSE
    if spec.partial_points is not None:
        if drop >= spec.partial_points:
            return PARTIAL
    elif baseline > 0 and drop * 4 >= baseline:  # a drop of at least 25 %
        return PARTIAL
    if -drop >= spec.worse_rise:
        return WORSE
    return NO_CHANGE


def meets_caseness(instrument: str, baseline: int) -> bool:
    """Whether a baseline total is at or above the instrument's caseness cut-off (only
    such patients can reach remission, and only they count in remission rates)."""
    return baseline >= _instrument(instrument).caseness
