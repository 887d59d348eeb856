"""The integration app's actions in the one access policy (`clinic.policy`).

Views name them in `@permits(...)`, services in `require(...)`, templates as
`can.integration.<verb>`; the roles holding each action are listed here and nowhere else.
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role
from clinic.policy import define

WRITE_NOTES = define(
    "integration.write_notes",
    {Role.THERAPIST},
    "Keep integration notes for the caseload: drafts, signing, voiding, group sessions.",
)
READ_NOTES = define(
    "integration.read_notes",
    {Role.THERAPIST, Role.PSYCHIATRIST},
    "Read a patient's signed integration notes (therapists: their caseload).",
)
READ_EVERY_SIGNED_NOTE = define(
    "integration.read_every_signed_note",
    {Role.PSYCHIATRIST},
    "Read the signed integration notes of every patient, not only a caseload's.",
)
ADD_ADDENDUM = define(
    "integration.add_addendum",
    {Role.THERAPIST, Role.PSYCHIATRIST},
    "Add a correction or later addition under a signed integration note.",
)
SEE_SHARED_PRACTICES = define(
    "integration.see_shared_practices",
    {PATIENT_ROLE},
    "A patient reads the intentions and practices their therapist shared.",
)
ANSWER_MEASURES = define(
    "integration.answer_measures",
    {PATIENT_ROLE},
    "A patient answers the questionnaires before a session or booster.",
)
VIEW_OUTCOMES = define(
    "integration.view_outcomes",
    {Role.PSYCHIATRIST, Role.THERAPIST, Role.NURSE},
    "See a patient's questionnaire trends beside their session days.",
)
VIEW_CLINIC_OUTCOMES = define(
    "integration.view_clinic_outcomes",
    {Role.PSYCHIATRIST, Role.ADMIN},
    "See the clinic's outcomes per protocol (counts and shares, no patient data).",
)
READ_COURSE_SUMMARIES = define(
    "integration.read_course_summaries",
    {Role.PSYCHIATRIST, Role.THERAPIST},
    "Read and generate the treatment course summary (staff and patient versions).",
)
