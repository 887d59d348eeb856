"""Vitals and their alerts (spec §2, §4): a reading, acknowledging an alert, and the
psychiatrist's override of a pre-dose hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.notifications.reminders import on_call_psychiatrists, send_now
from clinic.policy import require
from sessions import monitoring
from sessions.models import (
    GateOverride,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.vitals import AlertLevel, ReadingPhase
from sessions.permissions import (
    RECORD_SESSION,
    SUPERVISE_TREATMENT,
)
from sessions.selectors.safety import vital_limits
from sessions.selectors.session_state import SessionState, state_of
from sessions.services.record_change import (
    audit_change,
    clinical_time,
    reason_text,
    record_change,
)


def reading_record(
    *,
    session: TreatmentSession,
    values: dict[str, Any],
    taken_at: dt.datetime | None,
    comment: str = "",
    dissociation: int | None = None,
    cadss6: int | None = None,
    actor: User,
) -> VitalReading:
    """Store one set of vitals, or refuse it (nothing stored) with reasons per field.

    Before the dose a reading is a pre-dose reading and re-runs the gate; afterwards it is
    judged against the clinic's limits and the pre-dose baseline, and each alert is
    stored. Critical alerts notify the supervising psychiatrist after commit.
    """
    require(actor, RECORD_SESSION, message="Your role cannot record vitals.")
    monitoring.validate_reading(values)
    errors = {}
    if dissociation is not None and not 0 <= dissociation <= 4:
        errors["dissociation"] = "The clinician rating is 0 to 4."
    if cadss6 is not None and not 0 <= cadss6 <= 24:
        errors["cadss6"] = "The CADSS-6 total is 0 to 24."
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    taken = clinical_time(taken_at, field="taken_at", now=now)
    with record_change(session) as session:
        if session.discharged_at is not None:
            raise ValidationError("The patient is discharged; add an addendum instead.")
        state = state_of(session, now=now)
        dose_started = state.dose_started_at
        phase = (
            ReadingPhase.PREDOSE
            if dose_started is None or taken < dose_started
            else ReadingPhase.MONITORING
        )
        reading = VitalReading.objects.create(
            session=session,
            phase=phase,
            taken_at=taken,
            comment=comment.strip()[:500],
            dissociation=dissociation,
            cadss6=cadss6,
            recorded_by=actor,
            **{key: values.get(key) for key in monitoring.VITAL_KEYS},
        )
        critical = _store_alerts(state, reading, actor)
        audit_change(AuditAction.CREATE, session, reading, actor)
        if critical:
            for alert_id in critical:
                send_now(
                    f"vital-alert:{alert_id}",
                    on_call_psychiatrists(session.supervising_psychiatrist),
                    patient=session.patient,
                )
    return reading


def _store_alerts(state: SessionState, reading: VitalReading, actor: User) -> list[int]:
    """Judge a new reading (after the dose, against the pre-dose baseline too) and store
    each alert; answer the critical ones' ids, which page the psychiatrist."""
    baseline = state.predose_vitals if reading.phase != ReadingPhase.PREDOSE else None
    found = monitoring.vital_alerts(reading.as_reading(), baseline=baseline, limits=vital_limits())
    critical = []
    for alert in found:
        row = VitalAlert.objects.create(
            session=state.session,
            reading=reading,
            code=alert.code,
            level=alert.level,
            message=alert.message,
            recorded_by=actor,
        )
        if alert.level == AlertLevel.CRITICAL:
            critical.append(row.pk)
    return critical


def alert_acknowledge(
    *,
    alert: VitalAlert,
    action_taken: str,
    actor: User,
) -> VitalAlert:
    """Record what was done about an alert (e.g. “infusion paused, clonidine 0.1 mg”)."""
    require(actor, RECORD_SESSION, message="Your role cannot acknowledge an alert.")
    action = action_taken.strip()
    if len(action) < 5:
        raise ValidationError({"action_taken": "Say what was done (at least 5 characters)."})
    # A warning still open when the session ended without a dose is acknowledged until
    # the record is signed (the nurse says what was done about it).
    with record_change(alert.session, ended_ok=True) as session:
        alert = VitalAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at = clock.now()
        alert.acknowledged_by = actor
        alert.action_taken = action[:500]
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
        audit_change(AuditAction.UPDATE, session, alert, actor)
    return alert


def gate_override(
    *,
    session: TreatmentSession,
    reason: str,
    actor: User,
) -> GateOverride:
    """A psychiatrist allows the dose despite a hold on the latest pre-dose reading."""
    require(actor, SUPERVISE_TREATMENT, message="Your role cannot override a pre-dose hold.")
    text = reason_text(reason)
    with record_change(session) as session:
        state = state_of(session)
        if state.gate is None or state.gate.proceed or state.baseline is None:
            raise ValidationError("There is no pre-dose hold to override.")
        if state.gate_override is not None:
            return state.gate_override
        override = GateOverride.objects.create(
            session=session,
            reading=state.baseline,
            reasons=list(state.gate.reasons),
            reason=text,
            recorded_by=actor,
        )
        audit_change(AuditAction.SIGN, session, override, actor)
    return override
