"""The dose (spec §3): the session's order and its amendment, what blocks the dose, the
dose checked against the clinic's limits, and each esketamine device."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.policy import require
from controlled.models import Lot
from controlled.services.administrations import waste_witness_required
from sessions import dosing, monitoring
from sessions.models import (
    AppointmentStatus,
    DeviceDose,
    DoseMode,
    DoseRecord,
    TreatmentSession,
)
from sessions.permissions import (
    RECORD_SESSION,
    SUPERVISE_TREATMENT,
)
from sessions.selectors.before_dose import (
    DosePlan,
    dose_blockers,
    dose_plan,
    previous_weight,
    session_device_order,
)
from sessions.selectors.location import session_zone
from sessions.selectors.safety import dose_limits
from sessions.selectors.session_state import SessionState, first_dose_of_drug, state_of
from sessions.services import ledger as ledger_of
from sessions.services.record_change import (
    audit_change,
    clinical_time,
    reason_text,
    record_change,
)

ORDER_FIELD_OF = {"devices": "devices", "mg_per_kg": "mg_per_kg", "fixed_mg": "mg"}


def _refusal_errors(check: dosing.DoseCheck, dose_field: str) -> dict[str, list[str]]:
    """Each refused issue next to the field it is about."""
    fields = {
        "WEIGHT_MISSING": "__all__",
        "WEIGHT_CHANGED": "__all__",
        "INFUSION_TOO_SHORT": "planned_minutes",
        "INFUSION_TOO_FAST": "planned_minutes",
    }
    errors: dict[str, list[str]] = {}
    for issue in check.issues:
        if issue.level == dosing.WARNING:
            continue
        if issue.level == dosing.CONFIRM and check.allowed:
            continue
        errors.setdefault(fields.get(issue.code, dose_field), []).append(issue.message)
    return errors


def order_amend(
    *,
    session: TreatmentSession,
    mg_per_kg: Decimal | None = None,
    mg: Decimal | None = None,
    devices: int | None = None,
    reason: str,
    actor: User,
) -> TreatmentSession:
    """A psychiatrist raises this session's dose order above the plan's, within the
    clinic's dose limits (`sessions.dosing`, the same rules as the plan and the dose)."""
    require(actor, SUPERVISE_TREATMENT, message="Your role cannot amend a dose order.")
    text = reason_text(reason)
    with record_change(session) as session:
        plan = session.plan
        if DoseRecord.objects.filter(session=session).exists():
            raise ValidationError("The dose is already recorded.")
        policy = dosing.policy_for(session.route)
        basis = policy.basis
        if basis == "mg_per_kg" and plan.dose_mode != DoseMode.MG_PER_KG:
            basis = "fixed_mg"
        field = ORDER_FIELD_OF[basis]
        value = {"devices": devices, "mg_per_kg": mg_per_kg, "mg": mg}[field]
        if value is None or value <= 0:
            raise ValidationError({field: "Enter the new order."})
        state = state_of(session)
        check = dosing.order_check(
            route=session.route,
            mg_per_kg=mg_per_kg if field == "mg_per_kg" else None,
            mg=mg if field == "mg" else None,
            devices=devices if field == "devices" else None,
            weight_kg=state.weight_kg or previous_weight(session),
            amended=True,
            first_dose=first_dose_of_drug(session),
            limits=dose_limits(),
        )
        if not check.allowed:
            raise ValidationError({field: [issue.message for issue in check.refusals]})
        session.amended_devices = devices if field == "devices" else None
        session.amended_mg_per_kg = mg_per_kg if field == "mg_per_kg" else None
        session.amended_mg = mg if field == "mg" else None
        session.amendment_reason = text
        session.amended_by = actor
        session.amended_at = clock.now()
        session.save(
            update_fields=[
                "amended_mg_per_kg",
                "amended_mg",
                "amended_devices",
                "amendment_reason",
                "amended_by",
                "amended_at",
            ]
        )
        audit_change(AuditAction.AMEND, session, session, actor)
    return session


@dataclass(frozen=True)
class DoseInput:
    started_at: dt.datetime | None
    lot_number: str
    lot_expiry: dt.date
    mg_per_kg: Decimal | None = None
    mg: Decimal | None = None
    planned_minutes: int | None = None
    concentration_mg_per_ml: Decimal | None = None
    volume_drawn_ml: Decimal | None = None
    waste_witness: User | None = None
    # Where the location keeps its stock on the ledger: the lot drawn from (its number and
    # expiry fill the record) and the witness's own password (sessions.services.ledger).
    lot: Lot | None = None
    witness_password: str = ""


def _drawn_up(
    route: str,
    dose: DoseInput,
    total: Decimal,
    actor: User,
    errors: dict[str, Any],
    witness_needed: bool = True,
) -> dict[str, Any]:
    """Racemic ketamine: concentration and volume drawn up; the waste is what was drawn
    beyond the dose, and needs another staff member as witness."""
    if route == monitoring.ESKETAMINE:
        return {}
    needed = route in ("iv", "im")
    concentration, volume = dose.concentration_mg_per_ml, dose.volume_drawn_ml
    if concentration is None and needed:
        errors["concentration_mg_per_ml"] = "Enter the concentration drawn up (mg/mL)."
    elif concentration is not None and concentration <= 0:
        errors["concentration_mg_per_ml"] = "The concentration must be above zero."
    if volume is None and needed:
        errors["volume_drawn_ml"] = "Enter the volume drawn up (mL)."
    elif volume is not None and volume <= 0:
        errors["volume_drawn_ml"] = "The volume must be above zero."
    if concentration is None or volume is None or errors:
        return {}
    drawn = dosing.given_mg(volume, concentration)
    if drawn < total:
        errors["volume_drawn_ml"] = (
            f"{volume.normalize():f} mL × {concentration.normalize():f} mg/mL is "
            f"{drawn.normalize():f} mg, less than the {total.normalize():f} mg dose."
        )
        return {}
    waste = drawn - total
    if waste > 0 and dose.waste_witness is None and witness_needed:
        errors["waste_witness"] = (
            f"{waste.normalize():f} mg will be wasted: controlled-substance waste needs a witness."
        )
    elif dose.waste_witness is not None and dose.waste_witness.pk == actor.pk:
        errors["waste_witness"] = "The witness must be another staff member."
    return {
        "concentration_mg_per_ml": concentration,
        "volume_drawn_ml": volume,
        "waste_mg": waste if waste > 0 else None,
        "waste_witness": dose.waste_witness if waste > 0 else None,
    }


def _check_dose_may_start(state: SessionState, started: dt.datetime) -> None:
    """Refuse a dose already given, one timed before check-in or the pre-dose vitals, and
    one that something still blocks (`dose_blockers`)."""
    session = state.session
    if state.dose is not None:
        raise ValidationError("The dose is already recorded for this session.")
    if started < session.opened_at:
        # A dose time before check-in would start the observation clock (the
        # esketamine 120 minutes included) before the patient was there.
        checked_in = timezone.localtime(session.opened_at, session_zone(session))
        raise ValidationError(
            {
                "started_at": "The dose can't be before the patient was checked in "
                f"({checked_in:%H:%M})."
            }
        )
    blockers = dose_blockers(state)
    if blockers:
        raise ValidationError(blockers)
    if state.baseline is not None and started < state.baseline.taken_at:
        raise ValidationError({"started_at": "The dose can't start before the pre-dose vitals."})


def _check_dose_entry(session: TreatmentSession, dose: DoseInput, started: dt.datetime) -> str:
    """Refuse a dose entry missing what the form asks for (the lot, the infusion time, the
    dose typed); answer the field the dose is typed in, where its refusals are shown."""
    errors: dict[str, Any] = {}
    if not dose.lot_number.strip():
        errors["lot_number"] = "Enter the lot number."
    if dose.lot_expiry < timezone.localdate(started, session_zone(session)):
        errors["lot_expiry"] = "This lot has expired; use another lot."
    if session.route == "iv" and not dose.planned_minutes:
        errors["planned_minutes"] = "Enter the planned infusion time in minutes."
    esketamine = session.route == monitoring.ESKETAMINE
    by_weight = not esketamine and session.plan.dose_mode == DoseMode.MG_PER_KG
    dose_field = "__all__" if esketamine else ("mg_per_kg" if by_weight else "mg")
    typed = dose.mg_per_kg if by_weight else dose.mg
    if dose_field != "__all__" and (typed is None or typed <= 0):
        errors[dose_field] = "Enter the dose."
    if errors:
        raise ValidationError(errors)
    return dose_field


def _allowed_plan(
    session: TreatmentSession, state: SessionState, dose: DoseInput, dose_field: str
) -> DosePlan:
    """The dose as planned from what was typed, refused without today's weight or when a
    dose limit does not allow it (on the field the dose is typed in)."""
    planned = dose_plan(
        session,
        state,
        mg_per_kg=dose.mg_per_kg,
        mg=dose.mg,
        planned_minutes=dose.planned_minutes,
    )
    if planned.check is None or planned.total_mg is None:
        raise ValidationError({"__all__": "Record today's weight at check-in first."})
    if not planned.check.allowed:
        raise ValidationError(_refusal_errors(planned.check, dose_field))
    return planned


def _checked_draw(
    session: TreatmentSession,
    dose: DoseInput,
    total: Decimal,
    ledger: ledger_of.DoseLedger | None,
    actor: User,
) -> dict[str, Any]:
    """What was drawn up and its waste (`_drawn_up`), refused with every field's problem;
    on the ledger, the waste witness's password confirmed."""
    errors: dict[str, Any] = {}
    witness_needed = ledger is None or waste_witness_required(ledger.location)
    drawn = _drawn_up(session.route, dose, total, actor, errors, witness_needed)
    if errors:
        raise ValidationError(errors)
    if ledger is not None and drawn.get("waste_mg"):
        drawn["waste_witness"] = ledger_of.check_witness(
            ledger, dose.waste_witness, dose.witness_password, actor
        )
    return drawn


def dose_record(
    *,
    session: TreatmentSession,
    dose: DoseInput,
    actor: User,
) -> DoseRecord:
    """Record the dose given. mg is computed from today's weight × mg/kg; every dose limit
    (`sessions.dosing.dose_check`: the order, the clinic's maximum, the first esketamine
    dose, the infusion time, a weight change not confirmed) refuses with the reason."""
    require(actor, RECORD_SESSION, message="Your role cannot record a dose.")
    now = clock.now()
    started = clinical_time(dose.started_at, field="started_at", now=now)
    with record_change(session) as session:
        state = state_of(session, now=started if started < now else now)
        _check_dose_may_start(state, started)
        ledger = ledger_of.dose_lot(session, dose.lot, started)
        if ledger is not None:
            dose = replace(dose, lot_number=ledger.lot.lot_number, lot_expiry=ledger.lot.expires_on)
        dose_field = _check_dose_entry(session, dose, started)
        iv = session.route == "iv"
        planned = _allowed_plan(session, state, dose, dose_field)
        drawn = _checked_draw(session, dose, planned.total_mg, ledger, actor)
        record = DoseRecord.objects.create(
            session=session,
            drug=planned.drug,
            order_text=_order_text(session),
            weight_kg=state.weight_kg,
            mg_per_kg=planned.mg_per_kg,
            total_mg=(
                Decimal(dosing.ESKETAMINE_DEVICE_MG)
                if session.route == monitoring.ESKETAMINE
                else planned.total_mg
            ),
            planned_minutes=dose.planned_minutes if iv else None,
            started_at=started,
            lot_number=dose.lot_number.strip()[:40],
            lot_expiry=dose.lot_expiry,
            administered_by=actor,
            recorded_by=actor,
            **drawn,
        )
        if session.route == monitoring.ESKETAMINE:
            DeviceDose.objects.create(
                session=session, number=1, given_at=started, recorded_by=actor
            )
        if ledger is not None:
            ledger_of.post_dose(
                session=session,
                record=record,
                ledger=ledger,
                witness=drawn.get("waste_witness"),
                actor=actor,
            )
        appointment = session.appointment
        appointment.set_status(AppointmentStatus.IN_SESSION, actor=actor)
        audit_change(AuditAction.CREATE, session, record, actor)
    return record


def _order_text(session: TreatmentSession) -> str:
    text = session.plan.dose_order_text
    if session.amended_at is not None:
        amended = (
            f"{session.amended_devices} devices"
            if session.amended_devices
            else (
                f"{session.amended_mg_per_kg.normalize():f} mg/kg"
                if session.amended_mg_per_kg
                else f"{session.amended_mg.normalize():f} mg"
            )
        )
        text = f"{text}; amended for this session to {amended}"
    return text[:120]


def device_record(
    *,
    session: TreatmentSession,
    given_at: dt.datetime | None,
    actor: User,
) -> tuple[DeviceDose, list[str]]:
    """One more esketamine device; returns the spacing warnings (devices < 5 min apart)."""
    require(actor, RECORD_SESSION, message="Your role cannot record a device.")
    now = clock.now()
    given = clinical_time(given_at, field="given_at", now=now)
    with record_change(session) as session:
        state = state_of(session, now=now)
        if session.route != monitoring.ESKETAMINE or state.dose is None:
            raise ValidationError("Record the first device with the dose form.")
        ordered = session_device_order(session, first_dose=first_dose_of_drug(session))
        if len(state.devices) >= ordered:
            first = ordered < (session.plan.esketamine_devices or 0)
            raise ValidationError(
                {
                    "given_at": f"The order is {ordered} devices; all are recorded."
                    + (
                        " (The first dose is at most 56 mg unless a psychiatrist amends it.)"
                        if first
                        else ""
                    )
                }
            )
        if given < state.devices[-1].given_at:
            raise ValidationError({"given_at": "A device can't be before the previous one."})
        device = DeviceDose.objects.create(
            session=session, number=len(state.devices) + 1, given_at=given, recorded_by=actor
        )
        dose = state.dose
        dose.total_mg = Decimal(dosing.ESKETAMINE_DEVICE_MG * device.number)
        dose.save(update_fields=["total_mg"])
        try:
            ledger_of.post_device(session=session, device=device, actor=actor)
        except ValidationError as refused:
            raise ValidationError({"given_at": refused.messages}) from None
        audit_change(AuditAction.CREATE, session, device, actor)
    times = [d.given_at for d in state.devices] + [device.given_at]
    return device, dosing.device_spacing_warnings(times)
