"""Whether a location's DEA registration lets a session be booked there on a day, and if
not, what the coordinator is told (controlled-substances.md §1, scheduling.md §3).

Read-only: the one message behind the booking check
(`sessions.services.scheduling.availability`), a reschedule's answer
(`sessions.services.scheduling.changes`) and a booking page's notice before anything is
typed (the `booking_refusal` template tag)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic import clock
from clinic.models import Location

# Who can lift the refusal: a coordinator cannot, the clinic's administrator enters the
# registration (the admin site's Locations page) once the DEA has issued or renewed it.
ASK_THE_ADMINISTRATOR = (
    "ask the clinic's administrator, who keeps the locations' DEA registrations, to enter "
    "the {} one"
)


def registration_refusal(location: Location, day: dt.date) -> str | None:
    """Why no session can be booked at `location` on `day` (its own date) for its DEA
    registration, and what the coordinator can do; None when it could dose that day.
    A registration valid today that lapses before `day` leaves the earlier days open."""
    problem = location.dea_problem(day)
    if problem is None:
        return None
    expires = location.dea_expires_on
    ask = ASK_THE_ADMINISTRATOR.format(
        "renewed" if location.dea_number and expires and expires < day else "current"
    )
    if expires and location.dea_problem(timezone.localdate(clock.now(), location.zone)) is None:
        return (
            f"No session can be booked at {location.name} after {expires:%-d %B %Y}, when "
            f"its DEA registration {location.dea_number} expires. Choose a day up to then, "
            f"book at another location, or {ask}."
        )
    return (
        f"{problem.replace('Dosing is blocked', 'No session can be booked', 1)} Book at "
        f"another location, or {ask} before booking here."
    )
