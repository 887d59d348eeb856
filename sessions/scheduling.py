"""Series proposals and booster dates. Pure: no I/O; every calendar fact is passed in.

Spec: ../shared/spec/scheduling.md §2–§4. Times are planned in the clinic's wall clock
(a 10:00 session stays at 10:00 across a daylight-saving change) and returned in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from zoneinfo import ZoneInfo

UTC = dt.UTC
SLOT_STEP = dt.timedelta(minutes=15)  # "the nearest free time that day" is searched in 15 min steps
HORIZON_DAYS = 120  # never look further ahead than this for one series

Interval = tuple[dt.datetime, dt.datetime]  # aware, half-open [start, end)


@dataclass(frozen=True)
class SeriesRequest:
    """What staff ask for (from the plan, its protocol and the booking form)."""

    sessions: int
    per_week: int
    min_days_between: int
    block_minutes: int
    first_date: dt.date
    preferred_start: dt.time
    preferred_chair: int | None = None
    nurse: int | None = None


@dataclass(frozen=True)
class CalendarFacts:
    """One location's calendar as the booking service reads it (its wall clock, hours,
    closures and chairs)."""

    time_zone: str
    opening_hours: Mapping[int, tuple[dt.time, dt.time]]  # weekday (Mon=0) → (opens, closes)
    closures: Mapping[dt.date, str]  # date → reason
    chairs: Sequence[tuple[int, str]]  # active chairs in display order: (id, name)
    chair_busy: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    patient_busy: Sequence[Interval] = ()
    nurse_busy: Sequence[Interval] = ()  # the requested nurse's other sessions
    nurse_capacity: int = 3
    not_before: dt.datetime | None = None  # now: a proposal never offers a time gone by
    place: str = "clinic"  # whose calendar this is, in the notes ("Harbor Point closed")


@dataclass(frozen=True)
class ProposedSession:
    number: int  # 1-based position in the series
    start: dt.datetime | None  # UTC; None when it could not be placed
    end: dt.datetime | None
    chair: int | None
    notes: tuple[str, ...]  # every way this row differs from what was asked, in words


@dataclass(frozen=True)
class Proposal:
    rows: tuple[ProposedSession, ...]

    @property
    def complete(self) -> bool:
        return all(row.start is not None for row in self.rows)


def _overlaps(start: dt.datetime, end: dt.datetime, busy: Iterable[Interval]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def _nurse_overloaded(
    start: dt.datetime, end: dt.datetime, busy: Iterable[Interval], capacity: int
) -> bool:
    # The nurse's sessions overlapping this one must stay below capacity.
    return (
        sum(1 for other_start, other_end in busy if start < other_end and other_start < end)
        >= capacity
    )


def _iso_week(day: dt.date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def _candidate_starts(
    day: dt.date,
    preferred: dt.time,
    opens: dt.time,
    closes: dt.time,
    block: dt.timedelta,
    zone: ZoneInfo,
) -> list[dt.datetime]:
    """Local start times that fit the whole block inside opening hours, nearest first."""
    first = dt.datetime.combine(day, opens, tzinfo=zone)
    last = dt.datetime.combine(day, closes, tzinfo=zone) - block
    wanted = dt.datetime.combine(day, preferred, tzinfo=zone)
    starts = []
    moment = first
    while moment <= last:
        starts.append(moment)
        moment += SLOT_STEP
    return sorted(starts, key=lambda start: (abs(start - wanted), start < wanted))


def _label(day: dt.date) -> str:
    return f"{day:%a %b} {day.day}"


# A free slot found on a day: its local start, its start and end (UTC) and the chair.
_Slot = tuple[dt.datetime, dt.datetime, dt.datetime, int]


def _chair_order(facts: CalendarFacts, preferred: int | None) -> list[int]:
    """The chairs in the order they are tried: the preferred one first."""
    chair_order = [chair for chair, _ in facts.chairs]
    if preferred in chair_order:
        chair_order.remove(preferred)
        chair_order.insert(0, preferred)
    return chair_order


def _out_of_rhythm(
    day: dt.date,
    request: SeriesRequest,
    spacing: int,
    placed_days: list[dt.date],
    last_day: dt.date | None,
    per_week: dict[tuple[int, int], int],
) -> bool:
    """The day breaks the series' rhythm: the first week's pattern, the spacing between
    sessions, or the number of sessions a week."""
    # Keep the first week's rhythm: a Tue/Fri series stays Tue/Fri.
    if len(placed_days) >= request.per_week and day < placed_days[-request.per_week] + dt.timedelta(
        days=7
    ):
        return True
    if last_day is not None and (day - last_day).days < spacing:
        return True
    return per_week.get(_iso_week(day), 0) >= request.per_week


def _free_slot(
    day: dt.date,
    hours: tuple[dt.time, dt.time],
    request: SeriesRequest,
    facts: CalendarFacts,
    zone: ZoneInfo,
    chair_order: list[int],
    booked: dict[int, list[Interval]],
    patient_busy: list[Interval],
    nurse_busy: list[Interval],
) -> tuple[_Slot | None, set[str]]:
    """The first start of the day, nearest the preferred time, free for the patient, the
    nurse and a chair; with the reasons each start tried was refused."""
    block = dt.timedelta(minutes=request.block_minutes)
    opens, closes = hours
    reasons: set[str] = set()
    starts = _candidate_starts(day, request.preferred_start, opens, closes, block, zone)
    if not starts:
        reasons.add("the opening hours are shorter than the chair block")
    for local_start in starts:
        start = local_start.astimezone(UTC)
        end = (local_start + block).astimezone(UTC)
        if facts.not_before is not None and start < facts.not_before:
            reasons.add("the time has passed")
            continue
        if _overlaps(start, end, patient_busy):
            reasons.add("the patient has another appointment")
            continue
        if request.nurse is not None and _nurse_overloaded(
            start, end, nurse_busy, facts.nurse_capacity
        ):
            reasons.add("the nurse is at capacity")
            continue
        free_chair = next(
            (chair for chair in chair_order if not _overlaps(start, end, booked[chair])), None
        )
        if free_chair is None:
            reasons.add("every chair is booked")
            continue
        return (local_start, start, end, free_chair), reasons
    return None, reasons


def _deviation_notes(
    request: SeriesRequest, local_start: dt.datetime, chair: int, chair_names: dict[int, str]
) -> list[str]:
    """Why a placed session is not at the preferred time or in the preferred chair."""
    notes = []
    if local_start.time() != request.preferred_start:
        notes.append(
            f"Preferred {request.preferred_start:%H:%M} was not free; nearest free time "
            f"{local_start:%H:%M}."
        )
    if request.preferred_chair is not None and chair != request.preferred_chair:
        preferred = chair_names.get(request.preferred_chair, "the preferred chair")
        notes.append(f"{preferred} was not free; {chair_names[chair]} instead.")
    return notes


def _unplaced(rows: list[ProposedSession], sessions: int, pending_notes: list[str]) -> None:
    """Fill the series up with sessions no date could be found for, saying why."""
    while len(rows) < sessions:
        notes = [
            *pending_notes,
            f"No date within {HORIZON_DAYS} days of the first date fits "
            "every rule; choose a later first date or free a chair.",
        ]
        pending_notes = []
        rows.append(ProposedSession(len(rows) + 1, None, None, None, tuple(notes)))


def propose_series(request: SeriesRequest, facts: CalendarFacts) -> Proposal:
    """Fill the series with dates that satisfy every rule, explaining each deviation."""
    if request.sessions < 1 or request.per_week < 1 or request.block_minutes < 1:
        raise ValueError("sessions, per_week and block_minutes must be positive")
    zone = ZoneInfo(facts.time_zone)
    chair_names = dict(facts.chairs)
    chair_order = _chair_order(facts, request.preferred_chair)
    booked: dict[int, list[Interval]] = {
        chair: list(facts.chair_busy.get(chair, ())) for chair, _ in facts.chairs
    }
    patient_busy = list(facts.patient_busy)
    nurse_busy = list(facts.nurse_busy)
    rows: list[ProposedSession] = []
    per_week: dict[tuple[int, int], int] = {}
    last_day: dt.date | None = None
    day = request.first_date
    horizon = request.first_date + dt.timedelta(days=HORIZON_DAYS)
    pending_notes: list[str] = []
    # Proposals spread sessions evenly through the week (twice weekly: Mon/Thu, not
    # Mon/Wed then a long gap); the protocol's minimum gap stays the hard rule for edits.
    spacing = max(request.min_days_between, 7 // request.per_week)

    placed_days: list[dt.date] = []
    while len(rows) < request.sessions and day <= horizon:
        if _out_of_rhythm(day, request, spacing, placed_days, last_day, per_week):
            day += dt.timedelta(days=1)
            continue
        hours = facts.opening_hours.get(day.weekday())
        if hours is None:
            day += dt.timedelta(days=1)
            continue
        if day in facts.closures:
            pending_notes.append(f"{_label(day)}: {facts.place} closed ({facts.closures[day]}).")
            day += dt.timedelta(days=1)
            continue
        placed, reasons = _free_slot(
            day, hours, request, facts, zone, chair_order, booked, patient_busy, nurse_busy
        )
        if placed is None:
            why = " and ".join(sorted(reasons)) or "no time fits"
            pending_notes.append(f"{_label(day)}: no free slot ({why}).")
            day += dt.timedelta(days=1)
            continue

        local_start, start, end, chair = placed
        notes = [*pending_notes, *_deviation_notes(request, local_start, chair, chair_names)]
        pending_notes = []
        rows.append(ProposedSession(len(rows) + 1, start, end, chair, tuple(notes)))
        booked[chair].append((start, end))
        patient_busy.append((start, end))
        if request.nurse is not None:
            nurse_busy.append((start, end))
        per_week[_iso_week(day)] = per_week.get(_iso_week(day), 0) + 1
        placed_days.append(day)
        last_day = day
        day += dt.timedelta(days=1)

    _unplaced(rows, request.sessions, pending_notes)
    return Proposal(tuple(rows))


# How far ahead a session can be booked: a series and its boosters fit in a year; a date
# beyond it is a typing error (and 9999-12-31 would overflow the calendar arithmetic).
BOOKING_HORIZON_DAYS = 366


def slot_problem(
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    time_zone: str,
    opening_hours: Mapping[int, tuple[dt.time, dt.time]],
    closures: Mapping[dt.date, str],
    place: str = "The clinic",
) -> str | None:
    """Why a session cannot be booked at [start, end) by the calendar of its location
    (`place`, whose wall clock is `time_zone`; spec §3): in the past, beyond the booking
    horizon, on a closed weekday or a closure, or not wholly inside the day's opening
    hours. None when the slot is allowed."""
    zone = ZoneInfo(time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    if end <= start:
        return "The end must be after the start."
    if start < now:
        return "This time has passed; choose a time from now on."
    if day > now.astimezone(zone).date() + dt.timedelta(days=BOOKING_HORIZON_DAYS):
        return f"Sessions are booked at most {BOOKING_HORIZON_DAYS} days ahead."
    if day in closures:
        return f"{place} is closed on {_label(day)} ({closures[day]})."
    hours = opening_hours.get(day.weekday())
    if hours is None:
        return f"{place} is closed on {day:%A}s."
    opens, closes = hours
    if local_end.date() != day or local_start.time() < opens or local_end.time() > closes:
        return (
            f"The session ({local_start:%H:%M}–{local_end:%H:%M}) must fit in the opening "
            f"hours of {place} on {_label(day)}, {opens:%H:%M}–{closes:%H:%M}."
        )
    return None


def gap_problems(days: Sequence[dt.date], *, min_days_between: int, per_week: int) -> list[str]:
    """Rule breaks in a set of session dates (used when staff edit or reschedule)."""
    problems = []
    ordered = sorted(days)
    for earlier, later in pairwise(ordered):
        if (later - earlier).days < min_days_between:
            problems.append(
                f"{_label(earlier)} and {_label(later)} are less than {min_days_between} "
                "days apart."
            )
    weeks: dict[tuple[int, int], list[dt.date]] = {}
    for day in ordered:
        weeks.setdefault(_iso_week(day), []).append(day)
    for week_days in weeks.values():
        if len(week_days) > per_week:
            problems.append(
                f"The week of {_label(week_days[0] - dt.timedelta(days=week_days[0].weekday()))}"
                f" has {len(week_days)} sessions; the protocol allows {per_week}."
            )
    return problems


def gap_problems_in_zones(
    starts: Sequence[tuple[dt.datetime, str]], *, min_days_between: int, per_week: int
) -> list[str]:
    """`gap_problems` for sessions given as (start, their location's time zone): each
    session's day is read on the clock of every location involved, and a rule broken on
    any one clock is broken. A session moved between locations in different zones never
    comes sooner than the protocol allows because a day boundary fell differently."""
    problems: list[str] = []
    for name in sorted({zone for _start, zone in starts}):
        zone = ZoneInfo(name)
        days = [start.astimezone(zone).date() for start, _zone in starts]
        for problem in gap_problems(days, min_days_between=min_days_between, per_week=per_week):
            if problem not in problems:
                problems.append(problem)
    return problems


# An induction series has 6 to 8 sessions (the plan says how many).
SERIES_SESSIONS = range(6, 9)


def induction_finished(*, completed: int, series_length: int, more_booked: bool) -> bool:
    """The series is over when the plan's number of sessions is done, or when at least
    the minimum series is done and no further induction session is booked (the
    psychiatrist stopped early, e.g. after remission). One rule for moving the patient to
    maintenance and for counting who finished induction in the outcomes."""
    return completed >= series_length or (completed >= SERIES_SESSIONS[0] and not more_booked)


def next_booster_due(last_completed: dt.date, interval_weeks: int) -> dt.date:
    """Date of the last completed session plus the maintenance interval (spec §4)."""
    if interval_weeks < 1:
        raise ValueError("interval_weeks must be at least 1")
    return last_completed + dt.timedelta(weeks=interval_weeks)


ESKETAMINE_WEEKLY_UNTIL_WEEKS = 8


def booster_interval_weeks(
    route: str, plan_interval: int, *, induction_start: dt.date | None, last_completed: dt.date
) -> int:
    """Esketamine follows its label: twice weekly in weeks 1–4, once weekly in weeks 5–8,
    then the plan's interval (1 or 2 weeks). Other routes: the plan's interval."""
    if route == "intranasal_esketamine" and induction_start is not None:
        weekly_until = induction_start + dt.timedelta(weeks=ESKETAMINE_WEEKLY_UNTIL_WEEKS)
        if last_completed + dt.timedelta(weeks=1) <= weekly_until:
            return 1
    return plan_interval


RESCREEN_AFTER_DAYS = 92  # "a gap of more than 3 months" (scheduling.md §4)
RESCREEN_VALID_DAYS = 30


def rescreen_needed(
    *, last_completed: dt.date | None, today: dt.date, rescreened_on: dt.date | None
) -> bool:
    """Before a booster after a gap of more than 3 months the screening's medical questions
    are asked again; a re-screen counts for 30 days."""
    if last_completed is None or (today - last_completed).days <= RESCREEN_AFTER_DAYS:
        return False
    return rescreened_on is None or (today - rescreened_on).days > RESCREEN_VALID_DAYS


def allowed_maintenance_weeks(route: str) -> tuple[int, ...]:
    """Maintenance intervals allowed for a route: esketamine 1 or 2 weeks; others 2–12."""
    if route == "intranasal_esketamine":
        return (1, 2)
    return tuple(range(2, 13))
