"""Adverse events during a session (spec §5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.notifications.reminders import on_call_psychiatrists, send_now
from clinic.policy import require
from sessions import monitoring
from sessions.models import (
    AdverseEvent,
    DoseRecord,
    InfusionPause,
    TreatmentSession,
)
from sessions.models.adverse_events import Severity
from sessions.permissions import (
    RECORD_SESSION,
)
from sessions.selectors.session_state import state_of
from sessions.services.record_change import (
    audit_change,
    clinical_time,
    record_change,
)


@dataclass(frozen=True)
class AdverseEventInput:
    kind: str
    severity: str
    onset_at: dt.datetime | None
    description: str = ""
    medication: str = ""
    medication_dose: str = ""
    medication_at: dt.datetime | None = None
    infusion_action: str = ""
    outcome: str = ""


def _check_infusion_action(session: TreatmentSession, infusion_action: str) -> None:
    """Only an IV session has an infusion, and a running one is stopped on its own form."""
    if infusion_action and session.route != "iv":
        raise ValidationError({"infusion_action": "Only IV sessions have an infusion."})
    running = DoseRecord.objects.filter(session=session, ended_at__isnull=True).exists()
    if infusion_action == "stopped" and running:
        # The stop is charted with its own time, the volume given and the witness of
        # the waste (infusion_stop); the event then records it as the action taken.
        raise ValidationError(
            {
                "infusion_action": "Record the stop first with “Infusion stopped early” "
                "(time, volume given, witness), then this event."
            }
        )


def adverse_event_record(
    *,
    session: TreatmentSession,
    event: AdverseEventInput,
    actor: User,
) -> AdverseEvent:
    """Record an adverse event. `serious` notifies the psychiatrist and, on esketamine,
    is marked for REMS reporting."""
    require(actor, RECORD_SESSION, message="Your role cannot record an adverse event.")
    now = clock.now()
    onset = clinical_time(event.onset_at, field="onset_at", now=now)
    medication_at = (
        clinical_time(event.medication_at, field="medication_at", now=now)
        if event.medication_at
        else None
    )
    if event.kind == "other" and not event.description.strip():
        raise ValidationError({"description": "Describe the event."})
    if event.medication.strip() and not event.medication_dose.strip():
        raise ValidationError({"medication_dose": "Enter the dose of the medication given."})
    with record_change(session) as session:
        _check_infusion_action(session, event.infusion_action)
        row = AdverseEvent.objects.create(
            session=session,
            kind=event.kind,
            description=event.description.strip()[:300],
            onset_at=onset,
            severity=event.severity,
            medication=event.medication.strip()[:80],
            medication_dose=event.medication_dose.strip()[:40],
            medication_at=medication_at or (now if event.medication.strip() else None),
            infusion_action=event.infusion_action,
            outcome=event.outcome.strip()[:300],
            rems_reportable=(
                event.severity == Severity.SERIOUS and session.route == monitoring.ESKETAMINE
            ),
            recorded_by=actor,
        )
        if event.infusion_action == "paused":
            state = state_of(session, now=now)
            if state.dose is not None and state.dose.ended_at is None and not state.open_pause:
                InfusionPause.objects.create(
                    session=session,
                    paused_at=onset,
                    reason=f"Adverse event: {row.get_kind_display()}",
                    recorded_by=actor,
                )
        audit_change(AuditAction.CREATE, session, row, actor)
        if row.severity == Severity.SERIOUS:
            send_now(
                f"adverse-event:{row.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )
    return row
