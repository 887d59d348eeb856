"""State changes of the core domain, one module per concept: a patient's record
(`patients`), accounts and sign-in links (`accounts`), documents and reminders. Each
service takes an `actor` and keyword arguments, runs in one transaction and writes its
audit row. Other apps import them from here."""

from __future__ import annotations

from clinic.services.accounts import (
    password_link_deliver,
    password_link_send,
    password_reset_deliver,
    password_reset_request,
    patient_login_create,
    staff_create,
    staff_email_set,
)
from clinic.services.documents import PORTAL_DOCUMENTS_PER_HOUR, document_request, document_retry
from clinic.services.patients import (
    REACHED_BY,
    patient_create,
    patient_move_journey,
    patient_set_care_team,
    patient_set_reminder_preferences,
    patient_update_details,
)
from clinic.services.reminders import reminder_retry

__all__ = [
    "PORTAL_DOCUMENTS_PER_HOUR",
    "REACHED_BY",
    "document_request",
    "document_retry",
    "password_link_deliver",
    "password_link_send",
    "password_reset_deliver",
    "password_reset_request",
    "patient_create",
    "patient_login_create",
    "patient_move_journey",
    "patient_set_care_team",
    "patient_set_reminder_preferences",
    "patient_update_details",
    "reminder_retry",
    "staff_create",
    "staff_email_set",
]
