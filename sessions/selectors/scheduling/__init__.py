"""Reads of scheduling, one module per concept: treatment plans, the calendar,
appointments, calendar feeds, re-screening and benefit reviews, and boosters."""

from sessions.selectors.scheduling.appointments import (
    ELIGIBILITY_CANCELLATION_DAYS,
    appointment_for_user,
    completed_count,
    eligibility_cancellations,
    patient_appointments,
    portal_next_session,
    upcoming_for_patient,
)
from sessions.selectors.scheduling.boosters import (
    BOOSTER_WINDOW_DAYS,
    BoosterDue,
    boosters_due,
    newest_booster_id,
    open_booster_request_id,
)
from sessions.selectors.scheduling.calendar import (
    calendar_facts,
    day_columns,
    location_chairs,
    sessions_booked_on,
    week_days,
)
from sessions.selectors.scheduling.feeds import active_feed, feed_appointments
from sessions.selectors.scheduling.plans import booking_refusal, current_plan, plan_versions
from sessions.selectors.scheduling.reviews import (
    Phq9Change,
    latest_benefit_review,
    latest_screening_answers,
    patient_needs_rescreen,
    phq9_change_for,
)

__all__ = [
    "BOOSTER_WINDOW_DAYS",
    "ELIGIBILITY_CANCELLATION_DAYS",
    "BoosterDue",
    "Phq9Change",
    "active_feed",
    "appointment_for_user",
    "booking_refusal",
    "boosters_due",
    "calendar_facts",
    "completed_count",
    "current_plan",
    "day_columns",
    "eligibility_cancellations",
    "feed_appointments",
    "latest_benefit_review",
    "latest_screening_answers",
    "location_chairs",
    "newest_booster_id",
    "open_booster_request_id",
    "patient_appointments",
    "patient_needs_rescreen",
    "phq9_change_for",
    "plan_versions",
    "portal_next_session",
    "sessions_booked_on",
    "upcoming_for_patient",
    "week_days",
]
