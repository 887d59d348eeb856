"""State changes of the intake: invitations, intake steps, submission, screenings, the
evaluation blood pressure, the eligibility decision and urgent alerts.

Each service runs in one transaction, checks what its actor may do (`intake.permissions`),
writes the audit row and queues its email only after commit (tasks receive ids, never
personal data). Other apps import from `intake.services`; inside the app, import from the
module of the concept.
"""

from __future__ import annotations

from intake.services.eligibility import (
    DECISION_RECORDED,
    DECLINE_MESSAGE,
    MIN_OVERRIDE_LENGTH,
    DecisionHook,
    eligibility_decide,
)
from intake.services.evaluation import evaluation_bp_record
from intake.services.invitations import (
    InvitationLookup,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_mark_sent,
    invitation_resend,
    invitation_token,
    invitation_username,
)
from intake.services.screenings import screening_medications_update, screening_rescreen
from intake.services.steps import (
    draft_asq_band,
    draft_phq9_item9,
    intake_open,
    intake_save_draft,
    intake_save_step,
    intake_sign_consent,
    missing_steps,
    step_is_open,
)
from intake.services.submission import intake_submit
from intake.services.urgent_alerts import (
    SUICIDAL_IDEATION,
    SUICIDE_RISK_ACUTE,
    urgent_alert_acknowledge,
    urgent_alert_raise,
)

__all__ = [
    "DECISION_RECORDED",
    "DECLINE_MESSAGE",
    "MIN_OVERRIDE_LENGTH",
    "SUICIDAL_IDEATION",
    "SUICIDE_RISK_ACUTE",
    "DecisionHook",
    "InvitationLookup",
    "draft_asq_band",
    "draft_phq9_item9",
    "eligibility_decide",
    "evaluation_bp_record",
    "intake_open",
    "intake_save_draft",
    "intake_save_step",
    "intake_sign_consent",
    "intake_submit",
    "invitation_accept",
    "invitation_create",
    "invitation_from_token",
    "invitation_mark_sent",
    "invitation_resend",
    "invitation_token",
    "invitation_username",
    "missing_steps",
    "screening_medications_update",
    "screening_rescreen",
    "step_is_open",
    "urgent_alert_acknowledge",
    "urgent_alert_raise",
]
