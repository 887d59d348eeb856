"""Ending a session at the chair without a dose (spec: session-monitoring.md §2, §7).

The pre-dose gate holds (blood pressure still high on re-measure), the treatment gate
refuses (a positive pregnancy test, eligibility changed), or the patient declines or feels
unwell: the nurse ends the session with a written reason. Everything charted stays on the
record; the appointment is cancelled with a reason saying so (the series counts only
completed sessions, and the chair is free again); the record is then signed as usual.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.notifications import reminders
from clinic.policy import require
from sessions.models import AppointmentStatus, DeviceDose, DoseRecord, TreatmentSession, VitalAlert
from sessions.models.vitals import AlertLevel
from sessions.permissions import RECORD_SESSION
from sessions.selectors.location import session_zone
from sessions.services.record_change import audit_change, reason_text, record_change

# The cancel reason of an appointment whose session ended at the chair without a dose.
NOT_DOSED_PREFIX = "Not dosed at the chair"


def session_end_without_dose(
    *, session: TreatmentSession, reason: str, actor: User
) -> TreatmentSession:
    """End a checked-in session whose dose was never given, with the reason why.

    Refused once a dose (or any device) is recorded: the patient is discharged instead.
    A second call on an ended session is refused politely (nothing changes). The patient
    gets no cancellation message: they are at the chair and the nurse tells them; their
    pending reminders of this appointment are cancelled."""
    require(actor, RECORD_SESSION, message="Your role cannot end a session.")
    with record_change(session, ended_ok=True) as session:
        if session.ended_without_dose_at is not None:
            when = timezone.localtime(session.ended_without_dose_at, session_zone(session))
            raise ValidationError(f"This session already ended without a dose at {when:%H:%M}.")
        if session.discharged_at is not None:
            raise ValidationError("The patient is already discharged.")
        if (
            DoseRecord.objects.filter(session=session).exists()
            or DeviceDose.objects.filter(session=session).exists()
        ):
            raise ValidationError("A dose is recorded: discharge the patient instead.")
        if VitalAlert.objects.filter(
            session=session, level=AlertLevel.CRITICAL, acknowledged_at__isnull=True
        ).exists():
            raise ValidationError("Acknowledge every critical alert before ending the session.")
        written = reason_text(reason, "reason")
        now = clock.now()
        session.ended_without_dose_at = now
        session.ended_without_dose_by = actor
        session.ended_without_dose_reason = written
        session.save(
            update_fields=[
                "ended_without_dose_at",
                "ended_without_dose_by",
                "ended_without_dose_reason",
            ]
        )
        appointment = session.appointment
        appointment.set_status(
            AppointmentStatus.CANCELLED, actor=actor, reason=f"{NOT_DOSED_PREFIX}: {written}"
        )
        reminders.cancel_pending(f"appointment:{appointment.pk}")
        audit_change(AuditAction.UPDATE, session, session, actor)
        audit_change(AuditAction.UPDATE, session, appointment, actor)
    return session
