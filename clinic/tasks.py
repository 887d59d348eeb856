"""Background tasks of the core. Tasks take ids, never personal data."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection

from clinic.audit import verify_chain
from clinic.models import AuditEvent
from clinic.notifications.reminders import MAX_ATTEMPTS

logger = logging.getLogger(__name__)


@shared_task(name="clinic.worker_health")
def worker_health() -> dict[str, object]:
    """Answer from a worker: it runs, reaches the database, and sees the clinic's data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


@shared_task(name="clinic.verify_audit_chain")
def verify_audit_chain() -> dict[str, object]:
    """Nightly: check the audit hash chain and log loudly if a row was tampered with."""
    result = verify_chain(AuditEvent.objects.order_by("id").iterator(chunk_size=2000))
    if not result.ok:
        logger.error("Audit chain broken at row %s: %s", result.first_broken_id, result.problem)
    return {"ok": result.ok, "rows": result.rows_checked, "first_broken_id": result.first_broken_id}


@shared_task(name="clinic.password_reset_send", ignore_result=True)
def password_reset_send(request_id: int) -> int:
    """Send the links of one "forgot password" request (the view answers at once)."""
    from clinic.services.accounts import password_reset_deliver

    return password_reset_deliver(request_id)


@shared_task(name="clinic.send_password_link", ignore_result=True)
def send_password_link(user_id: int) -> None:
    """E-mail a staff member the password link an admin sent them (after the commit)."""
    from clinic.services.accounts import password_link_deliver

    password_link_deliver(user_id)


@shared_task(name="clinic.send_authenticator_link", ignore_result=True)
def send_authenticator_link(enrollment_id: int) -> None:
    """E-mail a staff member their authenticator set-up link (after the commit)."""
    from clinic.second_factor import enrollment_link_deliver

    enrollment_link_deliver(enrollment_id)


# --- Reminders (clinic/notifications/reminders.py explains the exactly-once design) ------


# The reminder row holds each outcome; nothing reads these tasks' results, so none is
# stored in the result backend (one Redis write per message saved).
@shared_task(name="reminders.queue_due", ignore_result=True)
def queue_due_reminders() -> int:
    """Every minute: queue the reminders that are due (safe with two beats running)."""
    from clinic.notifications import reminders

    ids = reminders.queue_due()
    for pk in ids:
        send_reminder.delay(pk)
    return len(ids)


@shared_task(name="reminders.send", bind=True, max_retries=MAX_ATTEMPTS, ignore_result=True)
def send_reminder(self, reminder_id: int) -> str:
    """Claim one reminder, send it, record the result; retry with backoff on failure."""
    import smtplib

    from django.conf import settings

    from clinic.notifications import kinds, reminders
    from clinic.notifications.sms import SmsError
    from clinic.selectors import clinic_settings

    row = reminders.claim(reminder_id)
    if row is None:
        return "skipped"
    builder = kinds.context_builder(row.kind)
    context = builder(row) if builder else None
    if context is None:
        reminders.cancel_one(row.pk, "No longer applies.")
        return "cancelled"
    try:
        message = reminders.render(row, context, clinic_settings())
        provider_id = reminders.deliver(row, message)
    except (SmsError, smtplib.SMTPException, OSError) as error:
        # The error text can name an address; it goes to the row for staff, not to the log.
        logger.warning(
            "Reminder %s failed on attempt %s (%s)", row.pk, row.attempts, type(error).__name__
        )
        if reminders.give_up_or_retry(row.pk, str(error) or error.__class__.__name__):
            raise self.retry(
                countdown=reminders.backoff_seconds(
                    row.attempts, visibility_timeout=settings.CELERY_VISIBILITY_TIMEOUT
                )
            ) from None
        return "failed"
    reminders.finish(row.pk, provider_id=provider_id)
    return "sent"


@shared_task(name="reminders.sweep", ignore_result=True)
def sweep_reminders() -> int:
    """Every 5 minutes: return reminders stuck by a lost task or a killed worker."""
    from clinic.notifications import reminders

    return reminders.sweep()


@shared_task(name="reminders.plan_followups")
def plan_followup_reminders() -> int:
    """Hourly: every registered planner of time-based reminders (rows are unique, so
    planning again is harmless)."""
    from django.utils import timezone

    from clinic.notifications import reminders

    now = timezone.now()
    return sum(planner(now) for planner in reminders.FOLLOWUP_PLANNERS)


@shared_task(name="documents.render")
def render_document(document_id: int) -> str:
    """Render one PDF version; a failure is stored with its error for staff to retry."""
    from clinic.choices import DocumentStatus
    from clinic.documents import generate
    from clinic.models import Document

    document = Document.objects.select_related("patient").get(pk=document_id)
    if document.status != DocumentStatus.PENDING:
        return document.status
    try:
        generate(document)
    except Exception as error:
        # No traceback in the log: template errors can quote record data (security.md §5).
        logger.error("Document %s failed (%s)", document_id, type(error).__name__)
        Document.objects.filter(pk=document_id).update(
            status=DocumentStatus.FAILED, error=f"{error.__class__.__name__}: {error}"[:300]
        )
        return "failed"
    return "ready"
