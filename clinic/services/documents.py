"""Documents: ask for a new version (staff or the patient) and render a failed one again.

Each service runs in one transaction and writes its audit row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic.audit import audit_record
from clinic.choices import (
    AuditAction,
    DocumentStatus,
)
from clinic.limits import hourly_limit_check
from clinic.models import Document, Patient, User

# Documents a patient may ask for from the portal per hour (each is a PDF to render).
PORTAL_DOCUMENTS_PER_HOUR = 10


def document_request(
    *,
    patient: Patient,
    kind: str,
    subject_id: int | None,
    actor: User,
) -> Document:
    """Ask for a new version of a document; a Celery task renders it after commit."""
    from clinic.documents import DOCUMENT_KINDS
    from clinic.tasks import render_document

    spec = DOCUMENT_KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": "Unknown document."})
    if not spec.readable_by(actor, patient):
        raise PermissionDenied(
            "This document is not available to you."
            if actor.is_patient_account
            else "Your role cannot generate this document."
        )
    reason = spec.why_unavailable(patient)
    if reason:
        raise ValidationError({"kind": reason})
    if spec.subjects is not None:
        if subject_id not in {pk for pk, _label in spec.subjects(patient)}:
            raise ValidationError({"subject_id": "Choose one of this patient's records."})
    else:
        subject_id = None
    with transaction.atomic():
        if actor.is_patient_account:
            hourly_limit_check(
                patient=patient,
                recent=Document.objects.filter(patient=patient, requested_by=actor),
                at_field="requested_at",
                limit=PORTAL_DOCUMENTS_PER_HOUR,
                message=(
                    f"You have asked for {PORTAL_DOCUMENTS_PER_HOUR} documents in the past "
                    "hour. Please wait a little before asking for another one."
                ),
            )
        last = (
            Document.objects.select_for_update()
            .filter(kind=kind, patient=patient, subject_id=subject_id)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        document = Document.objects.create(
            kind=kind,
            patient=patient,
            subject_id=subject_id,
            version=(last or 0) + 1,
            requested_by=actor,
        )
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=document)
        render_document.delay_on_commit(document.pk)
    return document


def document_retry(*, document: Document, actor: User) -> Document:
    """Render a failed document again (same version)."""
    from clinic.tasks import render_document

    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.FAILED).update(
            status=DocumentStatus.PENDING, error=""
        )
        if updated:
            audit_record(
                action=AuditAction.UPDATE,
                user=actor,
                patient_id=document.patient_id,
                obj=document,
            )
            render_document.delay_on_commit(document.pk)
    document.refresh_from_db()
    return document
