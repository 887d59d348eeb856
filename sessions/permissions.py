"""The sessions app's actions in the one access policy (`clinic.policy`).

Views name them in `@permits(...)`, services in `require(...)`, templates as
`can.sessions.<verb>`; the roles holding each action are listed here and nowhere else.
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role
from clinic.policy import define

# --- the session record: check-in, dose, vitals, events, discharge, sign-off, floor ---
VIEW_RECORD = define(
    "sessions.view_record",
    {Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "Read a session record (the session screen)",
)
RECORD_SESSION = define(
    "sessions.record_session",
    {Role.NURSE, Role.PSYCHIATRIST},
    "Check a patient in and chart the session at the chair: check-in, vitals, dose, "
    "alerts, adverse events, discharge, sign-off, entered in error and addenda",
)
SUPERVISE_TREATMENT = define(
    "sessions.supervise_treatment",
    {Role.PSYCHIATRIST},
    "Decide as the supervising psychiatrist: override a pre-dose hold, amend the dose "
    "order, discharge with a criterion unmet, review new flags",
)
CORRECT_ANY_ENTRY = define(
    "sessions.correct_any_entry",
    {Role.PSYCHIATRIST},
    "Mark anyone's entry on a session record entered in error (others: their own only)",
)
COSIGN_RECORD = define(
    "sessions.cosign_record",
    {Role.PSYCHIATRIST},
    "Co-sign session records signed by the nurse, from the co-sign queue",
)
VIEW_FLOOR = define(
    "sessions.view_floor",
    {Role.NURSE, Role.PSYCHIATRIST},
    "See the treatment floor: the nurse board of sessions in progress and today's arrivals",
)
DOWNLOAD_REMS_FORM = define(
    "sessions.download_rems_form",
    {Role.PSYCHIATRIST},
    "Download a session's Spravato REMS monitoring form (PDF) from the patient's documents",
)
SUBMIT_REMS_FORMS = define(
    "sessions.submit_rems_forms",
    {Role.NURSE, Role.PSYCHIATRIST},
    "See the esketamine REMS monitoring forms due and record their submission",
)


# --- scheduling: plans, series, boosters, calendars, closures ---------------------------

VIEW_PLAN = define(
    "sessions.view_plan",
    {Role.PSYCHIATRIST, Role.NURSE},
    "Read a patient's treatment plan and its earlier versions.",
)
WRITE_PLAN = define(
    "sessions.write_plan",
    {Role.PSYCHIATRIST},
    "Write the next version of a patient's treatment plan.",
)
BOOK_SESSIONS = define(
    "sessions.book_sessions",
    {Role.COORDINATOR},
    "Book an induction series or a booster, and move a booked session to another time.",
)
CANCEL_SESSION = define(
    "sessions.cancel_session",
    {Role.COORDINATOR, Role.PSYCHIATRIST},
    "Cancel a booked session with a reason (the chair is free again).",
)
RECORD_NO_SHOW = define(
    "sessions.record_no_show",
    {Role.COORDINATOR, Role.NURSE},
    "Record that a patient did not come to a session whose time has come.",
)
VIEW_SCHEDULE = define(
    "sessions.view_schedule",
    {Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "See the calendars, a patient's booked sessions, and subscribe to a calendar feed.",
)
FOLLOW_UP_BOOKINGS = define(
    "sessions.follow_up_bookings",
    {Role.COORDINATOR, Role.PSYCHIATRIST},
    "See the boosters due and the sessions cancelled by an eligibility decision.",
)
REVIEW_BENEFIT = define(
    "sessions.review_benefit",
    {Role.PSYCHIATRIST},
    "Record the end-of-induction benefit review before the first booster.",
)
ORDER_BOOSTER = define(
    "sessions.order_booster",
    {Role.PSYCHIATRIST},
    "Order an as-needed booster for a patient in maintenance (coordinators book it).",
)
REQUEST_BOOSTER = define(
    "sessions.request_booster",
    {PATIENT_ROLE},
    "A patient in maintenance asks the clinic for a booster.",
)
VIEW_OWN_SESSIONS = define(
    "sessions.view_own_sessions",
    {PATIENT_ROLE},
    "A patient sees their upcoming sessions, how to prepare, and downloads them.",
)
ANSWER_HEALTH_CHECK = define(
    "sessions.answer_health_check",
    {PATIENT_ROLE},
    "A patient answers the health questions again before a booster after a long gap.",
)
