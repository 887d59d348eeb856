"""The IV infusion once started (spec §3): pause, resume, end, or stopped early."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.policy import require
from sessions import dosing
from sessions.models import (
    DoseRecord,
    InfusionPause,
    TreatmentSession,
)
from sessions.permissions import (
    RECORD_SESSION,
)
from sessions.selectors.safety import dose_limits
from sessions.selectors.session_state import SessionState, state_of
from sessions.services import ledger
from sessions.services.record_change import (
    audit_change,
    clinical_time,
    record_change,
)


def infusion_pause(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    reason: str,
    actor: User,
) -> InfusionPause:
    """Pause the IV infusion (e.g. for a blood pressure rise)."""
    require(actor, RECORD_SESSION, message="Your role cannot pause an infusion.")
    now = clock.now()
    when = clinical_time(at, field="at", now=now)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the infusion is paused."})
    with record_change(session) as session:
        state = state_of(session, now=now)
        if session.route != "iv" or state.dose is None or state.dose.ended_at is not None:
            raise ValidationError("Only a running infusion can be paused.")
        if state.open_pause is not None:
            raise ValidationError("The infusion is already paused.")
        pause = InfusionPause.objects.create(
            session=session, paused_at=when, reason=reason.strip()[:300], recorded_by=actor
        )
        audit_change(AuditAction.UPDATE, session, pause, actor)
    return pause


def infusion_resume(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    actor: User,
) -> InfusionPause:
    require(actor, RECORD_SESSION, message="Your role cannot resume an infusion.")
    now = clock.now()
    when = clinical_time(at, field="at", now=now)
    with record_change(session) as session:
        state = state_of(session, now=now)
        pause = state.open_pause
        if pause is None:
            raise ValidationError("The infusion is not paused.")
        if when < pause.paused_at:
            raise ValidationError({"at": "Resuming can't be before the pause."})
        pause.resumed_at = when
        pause.save(update_fields=["resumed_at"])
        audit_change(AuditAction.UPDATE, session, pause, actor)
    return pause


def infusion_end(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    actor: User,
) -> DoseRecord:
    """The IV infusion has ended: the observation time starts now."""
    require(actor, RECORD_SESSION, message="Your role cannot end an infusion.")
    now = clock.now()
    when = clinical_time(at, field="at", now=now)
    with record_change(session) as session:
        state = state_of(session, now=now)
        dose = state.dose
        if session.route != "iv" or dose is None:
            raise ValidationError("Only an IV infusion has an end time.")
        if dose.ended_at is not None:
            return dose
        if when <= dose.started_at:
            raise ValidationError({"at": "The infusion can't end before it started."})
        too_fast = _rate_issue(state, dose, when, dose.total_mg)
        if too_fast is not None:
            raise ValidationError(
                {
                    "at": too_fast.message
                    + " If it was stopped early, record it as stopped with the volume given."
                }
            )
        _close_pause(state, when)
        dose.ended_at = when
        dose.save(update_fields=["ended_at"])
        audit_change(AuditAction.UPDATE, session, dose, actor)
    return dose


def _minutes_run(state: SessionState, dose: DoseRecord, end: dt.datetime) -> int:
    """Minutes the infusion ran, pauses left out."""
    paused = sum(((p.resumed_at or end) - p.paused_at).total_seconds() for p in state.pauses)
    return int(((end - dose.started_at).total_seconds() - paused) // 60)


def _rate_issue(
    state: SessionState, dose: DoseRecord, end: dt.datetime, given: Decimal
) -> dosing.DoseIssue | None:
    # Judged against the order, not the minutes typed at the dose (which may already be
    # up to the tolerance shorter): the two tolerances must not add up.
    ordered = max(state.session.plan.infusion_minutes or 0, dose.planned_minutes or 0)
    if not ordered:
        return None
    return dosing.infusion_rate_issue(
        given_mg=given,
        ordered_total_mg=dose.total_mg,
        minutes_run=_minutes_run(state, dose, end),
        ordered_minutes=ordered,
        limits=dose_limits(),
    )


def _close_pause(state: SessionState, when: dt.datetime) -> None:
    if state.open_pause is not None:
        pause = state.open_pause
        pause.resumed_at = max(when, pause.paused_at)
        pause.save(update_fields=["resumed_at"])


def _given_and_wasted(
    dose: DoseRecord,
    volume_given_ml: Decimal,
    waste_witness: User | None,
    actor: User,
    witness_needed: bool = True,
) -> tuple[Decimal, Decimal]:
    """The mg given by the volume given, and the mg drawn up and not given (waste, which
    another staff member witnesses)."""
    concentration, drawn_ml = dose.concentration_mg_per_ml, dose.volume_drawn_ml
    if concentration is None or drawn_ml is None:
        raise ValidationError(
            {"volume_given_ml": "The concentration and volume drawn up were not recorded."}
        )
    if volume_given_ml is None or volume_given_ml < 0:
        raise ValidationError({"volume_given_ml": "Enter the volume given (mL)."})
    given = dosing.given_mg(volume_given_ml, concentration)
    if given > dose.total_mg:
        raise ValidationError(
            {
                "volume_given_ml": f"{volume_given_ml.normalize():f} mL is "
                f"{given.normalize():f} mg, more than the {dose.total_mg.normalize():f} mg "
                "ordered."
            }
        )
    waste = dosing.given_mg(drawn_ml, concentration) - given
    if waste > 0 and waste_witness is None and witness_needed:
        raise ValidationError(
            {"waste_witness": f"{waste.normalize():f} mg is wasted: name the witness."}
        )
    if waste_witness is not None and waste_witness.pk == actor.pk:
        raise ValidationError({"waste_witness": "The witness must be another staff member."})
    return given, waste


def infusion_stop(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    volume_given_ml: Decimal,
    waste_witness: User | None,
    actor: User,
    witness_password: str = "",
) -> DoseRecord:
    """The infusion was stopped before the whole dose ran in: the volume given gives the
    mg actually given (shown beside the mg ordered); what was drawn and not given is
    waste, witnessed by another staff member."""
    require(actor, RECORD_SESSION, message="Your role cannot stop an infusion.")
    now = clock.now()
    when = clinical_time(at, field="at", now=now)
    with record_change(session) as session:
        state = state_of(session, now=now)
        dose = state.dose
        if session.route != "iv" or dose is None or dose.ended_at is not None:
            raise ValidationError("Only a running infusion can be stopped.")
        if when <= dose.started_at:
            raise ValidationError({"at": "The infusion can't end before it started."})
        given, waste = _given_and_wasted(
            dose, volume_given_ml, waste_witness, actor, ledger.witness_needed(session)
        )
        too_fast = _rate_issue(state, dose, when, given)
        if too_fast is not None:
            raise ValidationError({"at": too_fast.message})
        ledger.correct_stopped_infusion(
            session=session,
            dose=dose,
            given=given,
            witness=waste_witness,
            password=witness_password,
            actor=actor,
            at=when,
        )
        _close_pause(state, when)
        dose.ended_at = when
        dose.stopped_early = True
        dose.volume_given_ml = volume_given_ml
        dose.given_mg = given
        dose.waste_mg = waste if waste > 0 else None
        dose.waste_witness = waste_witness if waste > 0 else None
        dose.save(
            update_fields=[
                "ended_at",
                "stopped_early",
                "volume_given_ml",
                "given_mg",
                "waste_mg",
                "waste_witness",
            ]
        )
        audit_change(AuditAction.UPDATE, session, dose, actor)
    return dose
