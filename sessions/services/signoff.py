"""Sign-off (spec §7): the nurse signs after discharge, another psychiatrist co-signs, and
the record is locked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.policy import require
from sessions.models import (
    TreatmentSession,
    VitalAlert,
)
from sessions.models.vitals import AlertLevel
from sessions.permissions import (
    COSIGN_RECORD,
    RECORD_SESSION,
)
from sessions.services.record_change import (
    audit_change,
    record_change,
)


def session_sign(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """The nurse signs the record after discharge, or once the session ended without a dose
    (critical alerts must be acknowledged)."""
    require(actor, RECORD_SESSION, message="Your role cannot sign a session record.")
    with record_change(session, ended_ok=True) as session:
        if not session.ended:
            raise ValidationError(
                "Discharge the patient (or end the session without a dose) before signing "
                "the record."
            )
        if VitalAlert.objects.filter(
            session=session, level=AlertLevel.CRITICAL, acknowledged_at__isnull=True
        ).exists():
            raise ValidationError("Acknowledge every critical alert before signing.")
        session.nurse_signed_at = clock.now()
        session.nurse_signed_by = actor
        session.save(update_fields=["nurse_signed_at", "nurse_signed_by"])
        audit_change(AuditAction.SIGN, session, session, actor)
    return session


def session_cosign(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """Another psychiatrist than the one who signed co-signs; from then on the record is
    locked."""
    require(actor, COSIGN_RECORD, message="Your role cannot co-sign a session record.")
    with transaction.atomic():
        session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        if session.cosigned_at is not None:
            return session
        if session.nurse_signed_at is None:
            raise ValidationError("The nurse signs the record first.")
        if session.nurse_signed_by_id == actor.pk:
            raise ValidationError("You signed this record; another psychiatrist co-signs it.")
        session.cosigned_at = clock.now()
        session.cosigned_by = actor
        session.save(update_fields=["cosigned_at", "cosigned_by"])
        audit_change(AuditAction.SIGN, session, session, actor)
    return session
