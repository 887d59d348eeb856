"""Reads of the locations' calendars (controlled-substances.md §1): each location's weekly
opening hours and the days it is closed — its own closures and the clinic-wide ones that
close every location (a public holiday). One query reads the hours of any number of
locations and one their closures, so a check of many rows reads them once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q

from clinic.models import Closure, OpeningHours

# weekday (Mon=0) → (opens, closes), in the location's own wall clock
WeeklyHours = dict[int, tuple[dt.time, dt.time]]


def weekly_hours(location_ids: Iterable[int]) -> dict[int, WeeklyHours]:
    """Each location's hours by weekday (a weekday missing is closed there)."""
    found: dict[int, WeeklyHours] = {pk: {} for pk in location_ids}
    rows = OpeningHours.objects.filter(location_id__in=list(found)).values_list(
        "location_id", "weekday", "opens_at", "closes_at"
    )
    for location_id, weekday, opens, closes in rows:
        found[location_id][weekday] = (opens, closes)
    return found


def closed_days(
    location_ids: Iterable[int], *, first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, str]]:
    """Each location's closed days between `first` and `last` (inclusive) with the reason:
    its own closures and the clinic-wide ones (its own reason wins on a day with both)."""
    found: dict[int, dict[dt.date, str]] = {pk: {} for pk in location_ids}
    rows = (
        Closure.objects.filter(date__gte=first, date__lte=last)
        .filter(Q(location__isnull=True) | Q(location_id__in=list(found)))
        .order_by(F("location_id").asc(nulls_first=True), "date")
        .values_list("location_id", "date", "reason")
    )
    for location_id, day, reason in rows:
        for place in found if location_id is None else [location_id]:
            found[place][day] = reason
    return found


def closure_at(location_id: int | None, day: dt.date) -> Closure | None:
    """The closure that shuts `location_id` on `day` (its own before a clinic-wide one)."""
    where = Q(location__isnull=True)
    if location_id is not None:
        where |= Q(location_id=location_id)
    return (
        Closure.objects.filter(where, date=day)
        .select_related("location")
        .order_by(F("location_id").asc(nulls_last=True))
        .first()
    )


def upcoming_closures(location_id: int | None, today: dt.date, limit: int = 5) -> list[Closure]:
    """The next closures of a location (its own and the clinic-wide ones), soonest first."""
    where = Q(location__isnull=True)
    if location_id is not None:
        where |= Q(location_id=location_id)
    return list(
        Closure.objects.filter(where, date__gte=today)
        .select_related("location")
        .order_by("date", F("location_id").asc(nulls_last=True))[:limit]
    )


@dataclass(frozen=True)
class DayOpening:
    """One day of a location on the calendars: its hours, or why it is closed."""

    day: dt.date
    hours: tuple[dt.time, dt.time] | None  # None: the location does not open on this weekday
    closure: str | None = None  # the reason, when a closure shuts it this day

    @property
    def is_open(self) -> bool:
        return self.hours is not None and self.closure is None


def opening_days(location_id: int | None, first: dt.date, count: int) -> list[DayOpening]:
    """`count` days of a location from `first`: hours or closure of each (two queries).
    With no location (a clinic not set up yet) every day is closed."""
    places = [location_id] if location_id is not None else []
    hours = weekly_hours(places).get(location_id, {})
    last = first + dt.timedelta(days=count - 1)
    closed = closed_days(places, first=first, last=last).get(location_id, {})
    days = [first + dt.timedelta(days=offset) for offset in range(count)]
    return [DayOpening(day, hours.get(day.weekday()), closed.get(day)) for day in days]
