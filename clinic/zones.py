"""Whose wall clock a time is on (controlled-substances.md §1): a session happens on its
location's clock. Times are stored in UTC; a page about one location shows them, and reads
the times typed on it, in that location's time zone, and says which zone when it is not
the clinic's (a Los Angeles chair of a New York clinic shows "10:00 AM PST")."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinic.models import Location
from clinic.selectors import clinic_settings


def zone_of(location: Location | None) -> ZoneInfo:
    """The location's time zone; the clinic's when there is no location."""
    return location.zone if location is not None else clinic_settings().zone


def other_zone(location: Location | None) -> bool:
    """The location keeps another clock than the clinic's (its times need their zone)."""
    return location is not None and location.time_zone != clinic_settings().time_zone


def wall_clock(day: dt.date, time: dt.time, location: Location | None) -> dt.datetime:
    """A day and a clock time typed for `location`, as the moment they name there."""
    return dt.datetime.combine(day, time, tzinfo=zone_of(location))


def local(moment: dt.datetime, location: Location | None) -> dt.datetime:
    """`moment` on the location's wall clock."""
    return timezone.localtime(moment, zone_of(location))


def zone_abbreviation(moment: dt.datetime | None, location: Location | None) -> str:
    """The zone's short name at `moment` ("PST", "PDT") when the location's clock is not
    the clinic's; "" otherwise (nobody needs "EST" after every time of a one-zone clinic)."""
    if moment is None or not other_zone(location):
        return ""
    return local(moment, location).tzname() or location.time_zone


def show_times_at(location: Location | None) -> None:
    """For the rest of this request, times are shown, and times typed on forms are read,
    on `location`'s wall clock (ClinicTimezoneMiddleware restores the clinic's at the end
    of every request). For a page about one location: its calendar, its board."""
    timezone.activate(zone_of(location))
