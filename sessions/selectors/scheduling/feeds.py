"""A staff member's calendar feed and the appointments it carries."""

from __future__ import annotations

import datetime as dt

from clinic import clock
from clinic.models import User
from sessions.models import (
    Appointment,
    CalendarFeed,
)
from sessions.selectors.scheduling.calendar import visible_between


def active_feed(user: User) -> CalendarFeed | None:
    """The staff member's feed address still in use (at most one)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_appointments(user: User) -> list[Appointment]:
    """A week back and eight weeks ahead of the sessions this staff member may see."""
    now = clock.now()
    return list(visible_between(user, now - dt.timedelta(days=7), now + dt.timedelta(weeks=8)))
