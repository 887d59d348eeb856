"""Staff act on reminders: send a failed one again.

Each service runs in one transaction and writes its audit row."""

from __future__ import annotations

from clinic.audit import audit_record
from clinic.choices import (
    AuditAction,
)
from clinic.models import Reminder, User


def reminder_retry(*, reminder: Reminder, actor: User) -> None:
    """Staff send a failed reminder again (the next beat run picks it up)."""
    from clinic.notifications.reminders import retry_failed

    if retry_failed(reminder.pk):
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=reminder.patient_id,
            obj=reminder,
        )
