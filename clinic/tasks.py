"""Background tasks of the core. Tasks take ids, never personal data."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection

from clinic.audit import verify_chain
from clinic.models import AuditEvent

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
