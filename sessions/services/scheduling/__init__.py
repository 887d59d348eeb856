"""State changes of scheduling, one module per concept:

- `availability` — whether slots can be booked (the one check behind every booking), the
  patient's booking lock, overlap constraints as messages;
- `plans` — treatment plans; `series` — booking an induction series;
- `changes` — reschedule, cancel, no-show, cancellations by an eligibility decision;
- `boosters` — the benefit review, asking for and booking a booster;
- `feeds` — staff calendar feeds.

The names other apps, tasks and tests import from `sessions.services.scheduling` stay
importable here.
"""

from __future__ import annotations

from sessions.services.scheduling.availability import BookingRow
from sessions.services.scheduling.boosters import (
    benefit_review_record,
    booster_book,
    booster_request,
)
from sessions.services.scheduling.changes import (
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    appointments_cancel_for_eligibility,
)
from sessions.services.scheduling.feeds import (
    calendar_feed_create,
    calendar_feed_owner,
    calendar_feed_revoke,
)
from sessions.services.scheduling.plans import PlanInput, plan_write
from sessions.services.scheduling.series import series_book

__all__ = [
    "BookingRow",
    "PlanInput",
    "appointment_cancel",
    "appointment_mark_no_show",
    "appointment_reschedule",
    "appointments_cancel_for_eligibility",
    "benefit_review_record",
    "booster_book",
    "booster_request",
    "calendar_feed_create",
    "calendar_feed_owner",
    "calendar_feed_revoke",
    "plan_write",
    "series_book",
]
