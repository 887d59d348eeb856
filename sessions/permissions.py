"""The sessions app's actions in the one access policy (`clinic.policy`).

Views name them in `@permits(...)`, services in `require(...)`, templates as
`can.sessions.<verb>`; the roles holding each action are listed here and nowhere else.
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role  # noqa: F401
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
# (scheduling helper adds its actions in this section)
