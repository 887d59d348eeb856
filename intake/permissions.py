"""The intake app's actions in the one access policy (`clinic.policy`).

Views name them in `@permits(...)`, services in `require(...)`, templates as
`can.intake.<verb>`; the roles holding each action are listed here and nowhere else.
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role
from clinic.policy import define

INVITE_PATIENTS = define(
    "intake.invite_patients",
    {Role.COORDINATOR},
    "Invite new patients, see the invitations sent and send a fresh link.",
)
FILL_OWN_INTAKE = define(
    "intake.fill_own_intake",
    {PATIENT_ROLE},
    "Fill in, save for later and submit one's own intake questionnaire.",
)
ENTER_INTAKE_FOR_PATIENT = define(
    "intake.enter_intake_for_patient",
    {Role.NURSE, Role.PSYCHIATRIST},
    "Enter a patient's intake with them (in person or by phone), recorded as entered by staff.",
)
REVIEW_INTAKES = define(
    "intake.review_intakes",
    {Role.PSYCHIATRIST, Role.NURSE},
    "See the review queue and a submitted intake with its screening.",
)
RECORD_EVALUATION_BP = define(
    "intake.record_evaluation_bp",
    {Role.PSYCHIATRIST, Role.NURSE},
    "Record the evaluation blood pressure, which screens the intake again.",
)
DECIDE_ELIGIBILITY = define(
    "intake.decide_eligibility",
    {Role.PSYCHIATRIST},
    "Sign the eligibility decision: approve (with routes), decline, or ask for more information.",
)
ACKNOWLEDGE_URGENT_ALERTS = define(
    "intake.acknowledge_urgent_alerts",
    {Role.PSYCHIATRIST},
    "See the urgent-alert banner and acknowledge an alert, recording the action taken.",
)
ANSWER_RESCREEN = define(
    "intake.answer_rescreen",
    {PATIENT_ROLE, Role.NURSE, Role.PSYCHIATRIST},
    "Answer the short medical re-screen before a booster after a long gap.",
)
RECORD_MEDICATION_CHANGE = define(
    "intake.record_medication_change",
    {Role.NURSE, Role.PSYCHIATRIST},
    "Record a medication change reported at check-in, which re-runs the medication rules.",
)
READ_DECISION_LETTERS = define(
    "intake.read_decision_letters",
    {Role.PSYCHIATRIST},
    "Read and generate the eligibility decision letter (staff and patient versions).",
)
