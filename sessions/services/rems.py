"""The esketamine REMS monitoring form: recording its submission."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.policy import require
from sessions import monitoring
from sessions.models import (
    RemsSubmission,
    TreatmentSession,
)
from sessions.permissions import (
    RECORD_SESSION,
)
from sessions.selectors.location import session_zone
from sessions.selectors.rems import rems_form
from sessions.selectors.session_state import first_dose_of_drug, state_of
from sessions.services.record_change import (
    audit_change,
)


def rems_submission_record(
    *,
    session: TreatmentSession,
    submitted_on: dt.date,
    confirmation: str,
    actor: User,
    missing_note: str = "",
) -> RemsSubmission:
    """Note that the REMS monitoring form of an esketamine session was submitted."""
    require(actor, RECORD_SESSION, message="Your role cannot record a REMS submission.")
    if session.route != monitoring.ESKETAMINE:
        raise ValidationError("Only esketamine sessions have a REMS monitoring form.")
    if session.discharged_at is None:
        raise ValidationError("The form is submitted after the session ends.")
    zone = session_zone(session)  # the days of the session's location
    today = timezone.localdate(clock.now(), zone)
    if submitted_on > today:
        raise ValidationError({"submitted_on": "This date is in the future."})
    if submitted_on < timezone.localdate(session.discharged_at, zone):
        raise ValidationError({"submitted_on": "This date is before the session."})
    missing = rems_form(state_of(session), first_dose=first_dose_of_drug(session)).missing
    note = missing_note.strip()
    if missing and len(note) < 10:
        raise ValidationError(
            {
                "missing_note": "The form is missing: "
                + "; ".join(missing)
                + ". Complete the record, or say why it was submitted without them."
            }
        )
    with transaction.atomic():
        row, _created = RemsSubmission.objects.get_or_create(
            session=session,
            defaults={
                "submitted_on": submitted_on,
                "confirmation": confirmation.strip()[:60],
                "missing_fields": missing,
                "missing_note": note if missing else "",
                "recorded_by": actor,
            },
        )
        audit_change(AuditAction.UPDATE, session, row, actor)
    return row
