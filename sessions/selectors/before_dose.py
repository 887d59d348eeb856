"""What stands before the dose (spec: session-monitoring.md §1a, §3): the session's
treatment gate, the pregnancy requirement, what still blocks the dose, and the dose the
order gives, checked against the clinic's limits. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from sessions import dosing, monitoring
from sessions.models import (
    DoseMode,
    TreatmentSession,
)
from sessions.models.checkin import CheckInItem
from sessions.models.doses import Drug
from sessions.selectors.location import session_zone
from sessions.selectors.safety import dose_limits, safety_settings
from sessions.selectors.session_state import SessionState, first_dose_of_drug, last_weight, state_of
from sessions.selectors.treatment_gate import (
    GateReason,
    PregnancyRequirement,
    TreatmentFacts,
    pregnancy_requirement,
    treatment_facts,
    treatment_gate,
)


def session_gate(
    session: TreatmentSession,
    state: SessionState | None = None,
    facts: TreatmentFacts | None = None,
) -> list[GateReason]:
    """The treatment gate of this session now (session-monitoring.md §1a)."""
    state = state or state_of(session)
    entry = state.entries.get(CheckInItem.PREGNANCY)
    return treatment_gate(
        facts or treatment_facts(session, now=state.now),
        open_urgent_alert=state.open_urgent_alert,
        checkin_pregnancy=entry.value if entry else None,
        policy=safety_settings().pregnancy_test_policy,
    )


def pregnancy_state(state: SessionState, facts: TreatmentFacts) -> PregnancyRequirement:
    """Whether a pregnancy test is needed for this session and which one counts."""
    entry = state.entries.get(CheckInItem.PREGNANCY)
    return pregnancy_requirement(
        facts,
        checkin_answer=entry.value if entry else None,
        policy=safety_settings().pregnancy_test_policy,
    )


def previous_weight(session: TreatmentSession) -> Decimal | None:
    """The last weight recorded before this session (an earlier check-in, else the intake)."""
    return last_weight(session.patient_id, before=session)


def session_device_order(session: TreatmentSession, *, first_dose: bool) -> int:
    """Esketamine devices ordered for this session: the amendment's, else the plan's — at
    most 2 (56 mg) at the first dose, as the label says, unless a psychiatrist amends."""
    if session.amended_devices:
        return session.amended_devices
    planned = session.plan.esketamine_devices or 0
    if first_dose:
        return min(planned, dosing.ESKETAMINE_FIRST_DOSE_MAX_DEVICES)
    return planned


def dose_blockers(state: SessionState, facts: TreatmentFacts | None = None) -> list[str]:
    """Why the dose can't be given yet (empty when it can): the check-in, the treatment
    gate (every reason named) and the pre-dose gate."""
    blockers = [f"Check-in: {label} not recorded." for label in state.checkin_missing]
    blockers += [reason.message for reason in session_gate(state.session, state, facts)]
    if state.gate is None and state.predose_in_error is not None:
        taken = timezone.localtime(state.predose_in_error.taken_at, session_zone(state.session))
        blockers.append(
            f"The pre-dose reading at {taken:%H:%M} was entered in error: take a fresh reading."
        )
    elif state.gate is None:
        blockers.append("Record the pre-dose vitals.")
    elif not state.gate.proceed and state.gate_override is None:
        blockers.append(
            "Pre-dose hold: measure what is missing or out of range, or a psychiatrist "
            "overrides with a reason."
        )
    return blockers


@dataclass(frozen=True)
class DosePlan:
    """What this session's dose is, by the order: used by the dose form's preview and by
    the dose record, so both apply the same `dose_check`."""

    drug: str
    total_mg: Decimal | None
    ordered_total_mg: Decimal | None
    mg_per_kg: Decimal | None
    devices: int | None
    check: dosing.DoseCheck | None


def dose_plan(
    session: TreatmentSession,
    state: SessionState,
    *,
    mg_per_kg: Decimal | None = None,
    mg: Decimal | None = None,
    planned_minutes: int | None = None,
    limits: dosing.DoseLimits | None = None,
    first_dose: bool | None = None,
) -> DosePlan:
    """The dose about to be given (or the order when nothing is typed yet), checked."""
    plan = session.plan
    limits = limits or dose_limits()
    weight = state.weight_kg
    first = first_dose_of_drug(session) if first_dose is None else first_dose
    amended = session.amended_at is not None
    devices = None
    if session.route == monitoring.ESKETAMINE:
        devices = session_device_order(session, first_dose=first)
        drug, per_kg = Drug.ESKETAMINE, None
        total = ordered = Decimal(dosing.ESKETAMINE_DEVICE_MG * devices) if devices else None
    elif plan.dose_mode == DoseMode.MG_PER_KG:
        drug = Drug.KETAMINE
        order = session.amended_mg_per_kg or plan.dose_mg_per_kg
        per_kg = mg_per_kg if mg_per_kg is not None else order
        total = dosing.dose_total_mg(weight, per_kg) if weight and per_kg else None
        ordered = dosing.dose_total_mg(weight, order) if weight and order else None
    else:
        drug, per_kg = Drug.KETAMINE, None
        ordered = session.amended_mg or plan.dose_mg
        total = mg if mg is not None else ordered
    check = None
    if total is not None and total > 0:
        iv = session.route == "iv"
        check = dosing.dose_check(
            route=session.route,
            total_mg=total,
            weight_kg=weight,
            previous_weight_kg=previous_weight(session) if weight is not None else None,
            ordered_total_mg=ordered,
            amended=amended,
            first_dose=first,
            devices=devices,
            infusion_minutes=(planned_minutes or plan.infusion_minutes) if iv else None,
            ordered_infusion_minutes=plan.infusion_minutes if iv else None,
            weight_confirmed=state.weight_confirmed,
            limits=limits,
        )
    return DosePlan(drug, total, ordered, per_kg, devices, check)
