"""Discharge (spec §6): the assessment, and the discharge itself."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from clinic import clock
from clinic.choices import AuditAction, JourneyState
from clinic.models import User
from clinic.policy import may, require
from clinic.services import patient_move_journey
from sessions import monitoring
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    TreatmentSession,
)
from sessions.permissions import (
    RECORD_SESSION,
    SUPERVISE_TREATMENT,
)
from sessions.scheduling import induction_finished
from sessions.selectors.session_state import SessionState, state_of
from sessions.services.record_change import (
    audit_change,
    reason_text,
    record_change,
)


def discharge_assess(
    *,
    session: TreatmentSession,
    answers: dict[str, bool],
    actor: User,
) -> TreatmentSession:
    """Record the discharge assessment; the first time every criterion is met, the
    "ready to leave" time is stored."""
    require(actor, RECORD_SESSION, message="Your role cannot assess for discharge.")
    now = clock.now()
    with record_change(session) as session:
        if session.discharged_at is not None:
            raise ValidationError("The patient is already discharged.")
        for key, _label in monitoring.DISCHARGE_ASSESSMENT:
            setattr(session, key, bool(answers.get(key)))
        session.assessed_by = actor
        session.assessed_at = now
        fields = [key for key, _label in monitoring.DISCHARGE_ASSESSMENT]
        fields += ["assessed_by", "assessed_at"]
        if session.ready_to_leave_at is None and state_of(session, now=now).discharge.ready:
            session.ready_to_leave_at = now
            fields.append("ready_to_leave_at")
        session.save(update_fields=fields)
        audit_change(AuditAction.UPDATE, session, session, actor)
    return session


def session_discharge(
    *,
    session: TreatmentSession,
    override_reason: str = "",
    rems_ready_minutes: int | None = None,
    actor: User,
) -> TreatmentSession:
    """Discharge the patient: all criteria of `monitoring.discharge_check` met, or a
    psychiatrist's written reason for the unmet clinical ones. The esketamine 120-minute
    observation (REMS) can never be waived. Esketamine also needs the nurse's "clinically
    ready to leave" minutes for the REMS form. The appointment becomes completed;
    finishing the induction series moves the patient to maintenance."""
    require(actor, RECORD_SESSION, message="Your role cannot discharge a patient.")
    now = clock.now()
    with record_change(session) as session:
        if session.discharged_at is not None:
            return session
        state = state_of(session, now=now)
        if state.dose is None:
            raise ValidationError("No dose is recorded; end the session without a dose instead.")
        unmet = [criterion.code for criterion in state.discharge.unmet]
        if session.route == monitoring.ESKETAMINE:
            session.rems_ready_minutes = _rems_ready_minutes(state, rems_ready_minutes, now)
        if unmet:
            if not may(actor, SUPERVISE_TREATMENT):
                raise ValidationError(
                    "Not every discharge criterion is met: "
                    + "; ".join(c.label for c in state.discharge.unmet)
                    + ". Only a psychiatrist can discharge with an unmet criterion."
                )
            session.discharge_override_reason = reason_text(override_reason, "override_reason")
            session.discharge_unmet = unmet
        if session.ready_to_leave_at is None:
            session.ready_to_leave_at = now
        session.discharged_at = now
        session.discharged_by = actor
        session.save(
            update_fields=[
                "discharge_override_reason",
                "discharge_unmet",
                "ready_to_leave_at",
                "discharged_at",
                "discharged_by",
                "rems_ready_minutes",
            ]
        )
        appointment = session.appointment
        appointment.set_status(AppointmentStatus.COMPLETED, actor=actor)
        audit_change(AuditAction.SIGN if unmet else AuditAction.UPDATE, session, session, actor)
        _finish_induction_if_complete(session, actor)
    return session


def _rems_ready_minutes(state: SessionState, minutes: int | None, now: dt.datetime) -> int:
    """Esketamine: the 120-minute observation (REMS) is never waived, and the nurse says
    when the patient was clinically ready to leave, in minutes after the first device."""
    rems_unmet = [c for c in state.discharge.unmet if c.code in monitoring.REMS_CRITERIA]
    if rems_unmet:
        raise ValidationError(
            "Esketamine: the patient stays at least 120 minutes after the first device "
            f"(REMS), and no one can waive it — {rems_unmet[0].detail}"
        )
    first_device = state.devices[0].given_at if state.devices else state.dose.started_at
    since = int((now - first_device).total_seconds() // 60)
    if minutes is None:
        raise ValidationError(
            {
                "rems_ready_minutes": "Enter when the patient was clinically ready to "
                "leave, in minutes after the first device, had there been no 2-hour rule."
            }
        )
    if not 0 <= minutes <= since:
        raise ValidationError(
            {"rems_ready_minutes": f"Enter a number of minutes from 0 to {since}."}
        )
    return minutes


def _finish_induction_if_complete(session: TreatmentSession, actor: User) -> None:
    """After the last induction session the plan moves to maintenance (scheduling §4)."""
    appointment = session.appointment
    patient = session.patient
    if appointment.kind != AppointmentKind.INDUCTION:
        return
    if patient.journey_state != JourneyState.INDUCTION:
        return
    completed = Appointment.objects.filter(
        patient=patient, kind=AppointmentKind.INDUCTION, status=AppointmentStatus.COMPLETED
    ).count()
    still_booked = Appointment.objects.filter(
        patient=patient,
        kind=AppointmentKind.INDUCTION,
        status__in=[AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN],
        start__gt=appointment.start,
    ).exists()
    if induction_finished(
        completed=completed, series_length=session.plan.series_length, more_booked=still_booked
    ):
        patient_move_journey(
            patient=patient,
            to_state=JourneyState.MAINTENANCE,
            actor=actor,
            reason=f"Induction series finished ({completed} sessions).",
        )
