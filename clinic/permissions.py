"""The core's actions in the one access policy (`clinic.policy`).

Each app declares its own actions in its `permissions.py`; its views, services, menus and
templates name them through the constants here, never through role lists.
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role
from clinic.policy import define

ADMINISTER = define(
    "clinic.administer",
    {Role.ADMIN},
    "Use the admin site: users, roles, chairs, hours, closures and settings.",
)
CHANGE_ROLES = define(
    "clinic.change_roles",
    {Role.ADMIN},
    "Ask for, decide on and remove staff roles (a second admin decides a grant).",
)
HELP_WITH_SIGN_IN = define(
    "clinic.help_with_sign_in",
    {Role.ADMIN},
    "Send a staff member a password or authenticator set-up link; reset a lost authenticator.",
)
READ_AUDIT_LOG = define(
    "clinic.read_audit_log",
    {Role.ADMIN},
    "Read the audit log: who saw or changed what, and when.",
)

# --- pages and patients --------------------------------------------------------------------
SEE_HOME = define(
    "clinic.see_home",
    {*Role.values, PATIENT_ROLE},
    "See one's home page: the day at the clinic for staff, the portal for a patient.",
)
SEE_PATIENTS = define(
    "clinic.see_patients",
    {Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "Find patients and open their chart (within the patients one sees).",
)
EDIT_PATIENT_DETAILS = define(
    "clinic.edit_patient_details",
    {Role.COORDINATOR},
    "Change a patient's demographics and contact details.",
)
CHANGE_CARE_TEAM = define(
    "clinic.change_care_team",
    {Role.COORDINATOR, Role.PSYCHIATRIST},
    "Assign a patient's psychiatrist and integration therapist.",
)

# --- locations -----------------------------------------------------------------------------
PICK_LOCATION = define(
    "clinic.pick_location",
    set(Role.values),
    "Choose which location's calendar, nurse board and lists one sees (among one's own "
    "locations, or any active one when assigned to none).",
)
PICK_ANY_LOCATION = define(
    "clinic.pick_any_location",
    {Role.ADMIN},
    "Choose any active location in the location picker, whatever one's assignments.",
)

# --- reminders -----------------------------------------------------------------------------
# Psychiatrists and nurses too: a failed urgent (suicide-risk) alert is theirs to see and
# send again, and coordinators no longer see those (a clinical fact).
FOLLOW_REMINDERS = define(
    "clinic.follow_reminders",
    {Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST},
    "See a patient's reminders and the failed ones, and send a failed one again.",
)
# A coordinator sees scheduling messages, not that a clinical alert went out about a
# patient (an urgent suicide-risk alert is a clinical fact).
SEE_CLINICAL_REMINDERS = define(
    "clinic.see_clinical_reminders",
    {Role.PSYCHIATRIST, Role.NURSE},
    "See the clinical alerts among reminders (urgent suicide-risk alerts and the like).",
)
SET_REMINDER_PREFERENCES = define(
    "clinic.set_reminder_preferences",
    {Role.COORDINATOR, PATIENT_ROLE},
    "Choose how reminders reach a patient and the quiet hours for texts (the patient, "
    "for themselves, or a coordinator).",
)
SET_OWN_REMINDER_PREFERENCES = define(
    "clinic.set_own_reminder_preferences",
    {PATIENT_ROLE},
    "A patient chooses on the portal how their reminders reach them.",
)

# --- documents -----------------------------------------------------------------------------
# Which kinds a person sees is each kind's own rule (`clinic.documents.DocumentKind`).
SEE_DOCUMENTS = define(
    "clinic.see_documents",
    {Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "See a patient's documents and generate new versions (of the kinds one may read).",
)
DOWNLOAD_DOCUMENTS = define(
    "clinic.download_documents",
    {Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST, PATIENT_ROLE},
    "Download a document's PDF and follow its status (staff: kinds they read; a patient: "
    "their own patient versions).",
)
SEE_OWN_DOCUMENTS = define(
    "clinic.see_own_documents",
    {PATIENT_ROLE},
    "A patient lists and asks for their own documents on the portal.",
)
