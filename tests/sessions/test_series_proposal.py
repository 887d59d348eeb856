"""The pure series proposal (sessions/scheduling.py) against the rules of scheduling.md."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sessions.scheduling import (
    CalendarFacts,
    SeriesRequest,
    allowed_maintenance_weeks,
    gap_problems,
    next_booster_due,
    propose_series,
)

NY = ZoneInfo("America/New_York")
WEEKDAYS_8_18 = {day: (dt.time(8), dt.time(18)) for day in range(5)}
CHAIRS = [(1, "Chair 1"), (2, "Chair 2")]


def local(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=NY)


def busy(day: str, hour: int, minutes: int = 120, minute: int = 0):
    start = local(day, hour, minute)
    return (start.astimezone(dt.UTC), (start + dt.timedelta(minutes=minutes)).astimezone(dt.UTC))


def facts(**changes) -> CalendarFacts:
    base = {
        "time_zone": "America/New_York",
        "opening_hours": WEEKDAYS_8_18,
        "closures": {},
        "chairs": CHAIRS,
    }
    return CalendarFacts(**(base | changes))


def request(**changes) -> SeriesRequest:
    base = {
        "sessions": 6,
        "per_week": 2,
        "min_days_between": 2,
        "block_minutes": 120,
        "first_date": dt.date(2026, 10, 5),  # a Monday
        "preferred_start": dt.time(10),
        "preferred_chair": 1,
    }
    return SeriesRequest(**(base | changes))


def local_days(proposal) -> list[str]:
    return [row.start.astimezone(NY).strftime("%a %m-%d %H:%M") for row in proposal.rows]


def test_iv_standard_two_per_week_over_three_weeks() -> None:
    proposal = propose_series(request(), facts())
    assert proposal.complete
    assert local_days(proposal) == [
        "Mon 10-05 10:00", "Thu 10-08 10:00",
        "Mon 10-12 10:00", "Thu 10-15 10:00",
        "Mon 10-19 10:00", "Thu 10-22 10:00",
    ]  # fmt: skip
    assert all(row.chair == 1 and row.notes == () for row in proposal.rows)
    assert [row.number for row in proposal.rows] == [1, 2, 3, 4, 5, 6]
    assert all(row.end - row.start == dt.timedelta(minutes=120) for row in proposal.rows)


def test_iv_rapid_three_per_week_over_two_weeks() -> None:
    proposal = propose_series(request(per_week=3), facts())
    assert [text[:9] for text in local_days(proposal)] == [
        "Mon 10-05", "Wed 10-07", "Fri 10-09", "Mon 10-12", "Wed 10-14", "Fri 10-16",
    ]  # fmt: skip


def test_no_calendar_week_holds_more_sessions_than_the_pattern() -> None:
    proposal = propose_series(request(sessions=8, first_date=dt.date(2026, 10, 8)), facts())
    days = [row.start.astimezone(NY).date() for row in proposal.rows]
    assert gap_problems(days, min_days_between=2, per_week=2) == []
    assert days[0] == dt.date(2026, 10, 8)  # Thursday, then the Monday after
    assert days[1] == dt.date(2026, 10, 12)


def test_minimum_days_between_sessions_is_kept() -> None:
    proposal = propose_series(request(per_week=5, min_days_between=3, sessions=4), facts())
    assert [text[:9] for text in local_days(proposal)] == [
        "Mon 10-05",
        "Thu 10-08",
        "Mon 10-12",
        "Thu 10-15",
    ]


def test_closed_weekdays_and_closures_are_skipped_and_explained() -> None:
    proposal = propose_series(
        request(first_date=dt.date(2026, 11, 23)),
        facts(closures={dt.date(2026, 11, 26): "Thanksgiving"}),
    )
    assert local_days(proposal)[:2] == ["Mon 11-23 10:00", "Fri 11-27 10:00"]
    assert proposal.rows[1].notes == ("Thu Nov 26: clinic closed (Thanksgiving).",)


def test_a_taken_preferred_time_moves_to_the_nearest_free_time_that_day() -> None:
    taken = {1: [busy("2026-10-05", 9)], 2: [busy("2026-10-05", 9, minutes=180)]}
    proposal = propose_series(request(sessions=1), facts(chair_busy=taken))
    row = proposal.rows[0]
    assert local_days(proposal) == ["Mon 10-05 11:00"]
    assert row.chair == 1
    assert row.notes == ("Preferred 10:00 was not free; nearest free time 11:00.",)


def test_another_chair_is_used_when_the_preferred_one_is_taken() -> None:
    proposal = propose_series(request(sessions=1), facts(chair_busy={1: [busy("2026-10-05", 10)]}))
    row = proposal.rows[0]
    assert (local_days(proposal), row.chair) == (["Mon 10-05 10:00"], 2)
    assert row.notes == ("Chair 1 was not free; Chair 2 instead.",)


def test_back_to_back_blocks_are_allowed() -> None:
    before = busy("2026-10-05", 8)  # 08:00–10:00 ends exactly when ours starts
    proposal = propose_series(request(sessions=1), facts(chair_busy={1: [before]}))
    assert (local_days(proposal), proposal.rows[0].chair) == (["Mon 10-05 10:00"], 1)


def test_the_patients_other_appointments_are_avoided() -> None:
    proposal = propose_series(
        request(sessions=1), facts(patient_busy=[busy("2026-10-05", 9, minutes=600)])
    )
    assert local_days(proposal) == ["Tue 10-06 10:00"]
    assert "the patient has another appointment" in proposal.rows[0].notes[0]


def test_nurse_capacity_is_respected() -> None:
    three = [busy("2026-10-05", 10)] * 3
    proposal = propose_series(
        request(sessions=1, nurse=7),
        facts(nurse_busy=three, nurse_capacity=3, chairs=[(1, "A"), (2, "B")]),
    )
    assert local_days(proposal) == ["Mon 10-05 12:00"]
    two = [busy("2026-10-05", 10)] * 2
    proposal = propose_series(request(sessions=1, nurse=7), facts(nurse_busy=two))
    assert local_days(proposal) == ["Mon 10-05 10:00"]


def test_a_full_day_is_explained_and_the_next_allowed_day_is_used() -> None:
    all_day = {1: [busy("2026-10-05", 8, minutes=600)], 2: [busy("2026-10-05", 8, minutes=600)]}
    proposal = propose_series(request(sessions=1), facts(chair_busy=all_day))
    assert local_days(proposal) == ["Tue 10-06 10:00"]
    assert proposal.rows[0].notes == ("Mon Oct 5: no free slot (every chair is booked).",)


def test_the_whole_block_must_fit_inside_opening_hours() -> None:
    saturday_short = {**WEEKDAYS_8_18, 5: (dt.time(9), dt.time(13))}
    proposal = propose_series(
        request(
            sessions=1,
            first_date=dt.date(2026, 10, 10),
            preferred_start=dt.time(12),
            block_minutes=150,
        ),
        facts(opening_hours=saturday_short),
    )
    assert local_days(proposal) == ["Sat 10-10 10:30"]  # 10:30 + 150 min = 13:00 closing


def test_rows_that_cannot_be_placed_say_why() -> None:
    proposal = propose_series(request(sessions=2), facts(chairs=[]))
    assert not proposal.complete
    assert all(row.start is None for row in proposal.rows)
    assert "No date within 120 days" in proposal.rows[-1].notes[-1]


def test_daylight_saving_end_keeps_the_wall_clock_time() -> None:
    # US clocks fall back on Sunday 1 November 2026.
    proposal = propose_series(request(first_date=dt.date(2026, 10, 26), sessions=4), facts())
    assert local_days(proposal) == [
        "Mon 10-26 10:00",
        "Thu 10-29 10:00",
        "Mon 11-02 10:00",
        "Thu 11-05 10:00",
    ]
    assert [row.start.hour for row in proposal.rows] == [14, 14, 15, 15]  # UTC


def test_daylight_saving_start_keeps_the_wall_clock_time() -> None:
    # US clocks spring forward on Sunday 8 March 2026; a Saturday-and-Monday clinic.
    hours = {0: (dt.time(8), dt.time(18)), 5: (dt.time(8), dt.time(18))}
    proposal = propose_series(
        request(first_date=dt.date(2026, 3, 7), sessions=2, per_week=3, min_days_between=2),
        facts(opening_hours=hours),
    )
    assert local_days(proposal) == ["Sat 03-07 10:00", "Mon 03-09 10:00"]
    assert [row.start.hour for row in proposal.rows] == [15, 14]
    assert all(row.end - row.start == dt.timedelta(hours=2) for row in proposal.rows)


def test_busy_times_from_a_dst_week_block_the_right_slot() -> None:
    # A booking stored in UTC on the Monday after the change blocks 10:00 local, not 11:00.
    taken = {1: [busy("2026-11-02", 10)], 2: [busy("2026-11-02", 10)]}
    proposal = propose_series(
        request(sessions=1, first_date=dt.date(2026, 11, 2)), facts(chair_busy=taken)
    )
    assert local_days(proposal) == ["Mon 11-02 12:00"]


def test_gap_problems_explain_edits_that_break_the_rules() -> None:
    days = [dt.date(2026, 10, 5), dt.date(2026, 10, 6), dt.date(2026, 10, 8)]
    problems = gap_problems(days, min_days_between=2, per_week=2)
    assert problems == [
        "Mon Oct 5 and Tue Oct 6 are less than 2 days apart.",
        "The week of Mon Oct 5 has 3 sessions; the protocol allows 2.",
    ]


def test_booster_due_date_and_allowed_intervals() -> None:
    assert next_booster_due(dt.date(2026, 10, 21), 4) == dt.date(2026, 11, 18)
    assert allowed_maintenance_weeks("intranasal_esketamine") == (1, 2)
    assert allowed_maintenance_weeks("iv") == tuple(range(2, 13))
    with pytest.raises(ValueError, match="interval_weeks"):
        next_booster_due(dt.date(2026, 10, 21), 0)


def test_the_proposal_is_deterministic() -> None:
    assert propose_series(request(), facts()) == propose_series(request(), facts())


def test_a_series_keeps_the_rhythm_of_its_first_week() -> None:
    proposal = propose_series(request(first_date=dt.date(2026, 10, 6)), facts())  # a Tuesday
    assert [text[:3] for text in local_days(proposal)] == ["Tue", "Fri"] * 3


def test_a_series_starting_today_never_offers_a_time_that_has_passed() -> None:
    # Proposed on Monday at 14:20 for a series from today: 10:00 has gone by, so today's
    # session is the nearest time still ahead, and it says why it moved.
    proposal = propose_series(request(), facts(not_before=local("2026-10-05", 14, 20)))
    assert local_days(proposal)[0] == "Mon 10-05 14:30"
    assert "Preferred 10:00 was not free; nearest free time 14:30." in proposal.rows[0].notes
    # Past closing time for the block, today is skipped with the reason in words.
    late = propose_series(request(), facts(not_before=local("2026-10-05", 16, 30)))
    assert local_days(late)[0] == "Tue 10-06 10:00"
    assert any("the time has passed" in note for note in late.rows[0].notes)
