"""State changes of the session record (spec: session-monitoring.md).

Every function runs in one transaction, checks the role it needs, writes the audit row
and queues notifications after commit. The rules themselves are in
`sessions.monitoring`; the record's lock is enforced by the models and the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState, Role
from clinic.models import User
from clinic.notifications.reminders import on_call_psychiatrists, send_now
from clinic.selectors import clinic_settings
from clinic.services import patient_move_journey
from intake.measures import ASQ, ASQ_ACUTE, ASQ_NEGATIVE, PHQ9, Score, score
from intake.models import MeasureContext, MeasureResult
from intake.services import (
    SUICIDAL_IDEATION,
    screening_medications_update,
    urgent_alert_raise,
)
from sessions import dosing, monitoring
from sessions.models import (
    AdverseEvent,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    DeviceDose,
    DoseMode,
    DoseRecord,
    GateOverride,
    InfusionPause,
    PregnancyNotApplicable,
    PregnancyTest,
    RecordLocked,
    RemsSubmission,
    SessionAddendum,
    TreatmentPlan,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.records import (
    ALERT_CLOSED_IN_ERROR,
    AlertLevel,
    CheckInEntry,
    CheckInItem,
    Drug,
    ReadingPhase,
    Severity,
)
from sessions.scheduling import induction_finished
from sessions.selectors.records import (
    SessionState,
    checkin_required_items,
    dose_limits,
    entry_ref,
    first_dose_of_drug,
    last_weight,
    safety_settings,
    state_of,
    vital_limits,
)
from sessions.selectors.rems import rems_form
from sessions.selectors.treatment_gate import (
    AT_CHECK_IN,
    GateReason,
    PregnancyRequirement,
    TreatmentFacts,
    pregnancy_requirement,
    treatment_facts,
    treatment_gate,
)

CLINICAL_STAFF = (Role.NURSE, Role.PSYCHIATRIST)
# How far back a nurse may chart an entry (charting after the fact is normal; days
# later is not) and how far ahead a clock may drift.
BACKDATE_LIMIT = dt.timedelta(hours=6)
CLOCK_SKEW = dt.timedelta(minutes=2)
MIN_REASON = 20


def _audit(action: str, session: TreatmentSession, obj: object, actor: User) -> None:
    """The audit row of a change to the session record (same transaction)."""
    audit_record(action=action, user=actor, patient_id=session.patient_id, obj=obj)


def _require(actor: User, *roles: str, doing: str) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(f"Your role cannot {doing}.")


def _lock_for_write(session: TreatmentSession) -> TreatmentSession:
    """Re-read the session under a row lock and refuse writes to a signed record.

    Every write to the record goes through here: from the nurse's signature on, only the
    co-signature (`session_cosign`) and addenda are taken."""
    fresh = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if fresh.cosigned_at is not None:
        raise RecordLocked
    if fresh.nurse_signed_at is not None:
        raise ValidationError("The nurse has signed this record; add an addendum instead.")
    return fresh


def _clinical_time(value: dt.datetime | None, *, field: str, now: dt.datetime) -> dt.datetime:
    """The time an entry happened: now unless given; never in the future, never days back."""
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: "This time is in the future."})
    if value < now - BACKDATE_LIMIT:
        raise ValidationError(
            {field: "This time is more than 6 hours ago; write an addendum instead."}
        )
    return value


def _reason(text: str, field: str = "reason") -> str:
    cleaned = text.strip()
    if len(cleaned) < MIN_REASON:
        raise ValidationError({field: f"Write the reason (at least {MIN_REASON} characters)."})
    return cleaned


# --- Opening and check-in (spec §1) -----------------------------------------------------


def session_open(*, appointment: Appointment, actor: User) -> TreatmentSession:
    """Check the patient in: open the session record for today's appointment."""
    _require(actor, *CLINICAL_STAFF, doing="check a patient in")
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        existing = TreatmentSession.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing
        if appointment.status != AppointmentStatus.SCHEDULED:
            raise ValidationError(
                f"This appointment is {appointment.get_status_display().lower()}; "
                "only a scheduled appointment can be checked in."
            )
        zone = clinic_settings().zone
        if timezone.localdate(appointment.start, zone) != timezone.localdate(timezone.now(), zone):
            raise ValidationError("Only today's appointments can be checked in.")
        session = TreatmentSession.objects.create(
            appointment=appointment,
            patient=appointment.patient,
            plan=appointment.plan,
            route=appointment.plan.route,
            supervising_psychiatrist=appointment.patient.psychiatrist,
            opened_by=actor,
        )
        refused = [r for r in session_gate(session) if r.code in AT_CHECK_IN]
        if refused:
            # Nothing is written: the transaction rolls back with the session row.
            raise ValidationError(
                ["This patient can't be treated today:", *(r.message for r in refused)]
            )
        appointment.set_status(AppointmentStatus.CHECKED_IN, actor=actor)
        audit_record(
            action=AuditAction.CREATE,
            user=actor,
            patient=appointment.patient,
            obj=session,
        )
    return session


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


def session_take_current_plan(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """The plan changed after booking: the nurse has seen the new order and the session
    takes it (same route only; another route needs a new booking)."""
    _require(actor, *CLINICAL_STAFF, doing="confirm a new dose order")
    with transaction.atomic():
        session = _lock_for_write(session)
        if DoseRecord.objects.filter(session=session).exists():
            raise ValidationError("The dose is already recorded under the earlier order.")
        current = (
            TreatmentPlan.objects.filter(patient_id=session.patient_id).order_by("-version").first()
        )
        if current is None or current.pk == session.plan_id:
            return session
        if current.route != session.route:
            raise ValidationError(
                "The new plan is for another route: cancel this session and book a new one."
            )
        session.plan = current
        session.save(update_fields=["plan"])
        _audit(AuditAction.UPDATE, session, session, actor)
    return session


def previous_weight(session: TreatmentSession) -> Decimal | None:
    """The last weight recorded before this session (an earlier check-in, else the intake)."""
    return last_weight(session.patient_id, before=session)


PREGNANCY_ANSWERS = ("not_pregnant", "unsure", "pregnant", "not_applicable")


def _weight_value(session: TreatmentSession, value: Any, confirmed: bool) -> dict[str, Any]:
    """Today's weight in kg; a change of more than 10 % from the last recorded weight
    (`WEIGHT_CHANGED`) must be confirmed as re-measured."""
    try:
        weight = Decimal(str(value)).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise ValidationError({"weight_kg": "Enter the weight in kg, e.g. 72.5."}) from None
    if not Decimal("30") <= weight <= Decimal("300"):
        raise ValidationError({"weight_kg": "Weight must be between 30 and 300 kg."})
    changed = dosing.weight_changed(weight, previous_weight(session), dose_limits())
    if changed is not None and not confirmed:
        raise ValidationError({"weight_kg": changed.message})
    return {"kg": str(weight), "confirmed": changed is not None}


def _check_item_value(
    session: TreatmentSession, item: str, value: Any, *, confirmed: bool = False
) -> Any:
    if item not in checkin_required_items(session):
        raise ValidationError({item: "This item does not apply to this session."})
    if item == CheckInItem.WEIGHT:
        return _weight_value(session, value, confirmed)
    if item == CheckInItem.PREGNANCY:
        if value not in PREGNANCY_ANSWERS:
            raise ValidationError({item: "Choose the patient's pregnancy status today."})
        return value
    if value is not True:
        raise ValidationError({item: "Confirm this item to record it."})
    return True


def checkin_record(
    *,
    session: TreatmentSession,
    item: str,
    value: Any,
    actor: User,
    confirmed: bool = False,
) -> CheckInEntry:
    """Record one check-in item (who and when are stored with it). `confirmed` is the
    nurse's confirmation that a weight which changed a lot was re-measured in kg."""
    _require(actor, *CLINICAL_STAFF, doing="record a check-in")
    if item not in CheckInItem.values or item in (
        CheckInItem.PHQ9,
        CheckInItem.ASQ,
        CheckInItem.MEDICATION_CHANGES,  # checkin_medications: it re-runs the rules
    ):
        raise ValidationError({"item": "Unknown check-in item."})
    with transaction.atomic():
        session = _lock_for_write(session)
        if item == CheckInItem.WEIGHT and DoseRecord.objects.filter(session=session).exists():
            raise ValidationError({item: "The dose is recorded; the weight can't change now."})
        entry = CheckInEntry.objects.create(
            session=session,
            item=item,
            value=_check_item_value(session, item, value, confirmed=confirmed),
            recorded_by=actor,
        )
        _audit(AuditAction.UPDATE, session, entry, actor)
        if item == CheckInItem.PREGNANCY and value == "pregnant":
            send_now(
                f"pregnancy-reported:{session.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )
    return entry


def checkin_medications(
    *,
    session: TreatmentSession,
    changes: str,
    medicines: dict[str, bool],
    actor: User,
) -> CheckInEntry:
    """Medication changes since the last visit. When a medicine the screening rules read
    changed, the rules run again as a new screening result (session-monitoring §1): a new
    flag shows on the session screen and today's list feeds the REMS co-medications."""
    _require(actor, *CLINICAL_STAFF, doing="record medication changes")
    text = changes.strip()
    if not text:
        raise ValidationError({"medication_changes": "Write “none” or describe the changes."})
    with transaction.atomic():
        session = _lock_for_write(session)
        screening = screening_medications_update(
            patient=session.patient, medications=medicines, actor=actor
        )
        entry = CheckInEntry.objects.create(
            session=session,
            item=CheckInItem.MEDICATION_CHANGES,
            value={
                "text": text[:1000],
                "medicines": medicines,
                "screening": screening.pk if screening else None,
            },
            recorded_by=actor,
        )
        _audit(AuditAction.UPDATE, session, entry, actor)
    return entry


def pregnancy_test_record(
    *,
    session: TreatmentSession,
    tested_on: dt.date,
    kind: str,
    result: str,
    actor: User,
) -> PregnancyTest:
    """A pregnancy test result. A positive one stops the session (the treatment gate) and
    notifies the supervising psychiatrist at once."""
    _require(actor, *CLINICAL_STAFF, doing="record a pregnancy test")
    today = timezone.localdate(timezone.now(), clinic_settings().zone)
    errors = {}
    if tested_on > today:
        errors["tested_on"] = "This date is in the future."
    elif tested_on < today - dt.timedelta(days=7):
        errors["tested_on"] = "A test older than 7 days does not count; test again."
    if kind not in ("urine", "serum"):
        errors["kind"] = "Choose urine or serum."
    if result not in ("negative", "positive"):
        errors["result"] = "Choose negative or positive."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = _lock_for_write(session)
        test = PregnancyTest.objects.create(
            patient_id=session.patient_id,
            session=session,
            tested_on=tested_on,
            kind=kind,
            result=result,
            recorded_by=actor,
        )
        _audit(AuditAction.CREATE, session, test, actor)
        if result == "positive":
            send_now(
                f"pregnancy-positive:{test.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )
    return test


def pregnancy_not_applicable_record(
    *,
    session: TreatmentSession,
    reason: str,
    actor: User,
) -> PregnancyNotApplicable:
    """A clinician records that pregnancy is not possible (e.g. hysterectomy, menopause):
    no pregnancy test is asked for from then on."""
    _require(actor, *CLINICAL_STAFF, doing="record that pregnancy is not applicable")
    text = reason.strip()
    if len(text) < 5:
        raise ValidationError({"reason": "Say why (e.g. hysterectomy, menopause)."})
    with transaction.atomic():
        session = _lock_for_write(session)
        row = PregnancyNotApplicable.objects.create(
            patient_id=session.patient_id, reason=text[:300], recorded_by=actor
        )
        _audit(AuditAction.CREATE, session, row, actor)
    return row


def checkin_phq9(
    *,
    session: TreatmentSession,
    items: dict[str, int],
    actor: User,
) -> MeasureResult:
    """Score the pre-session PHQ-9 at check-in; item 9 ≥ 1 raises the urgent alert, which
    holds the dose until a psychiatrist acknowledges it."""
    _require(actor, *CLINICAL_STAFF, doing="record a PHQ-9")
    try:
        result = score(PHQ9, items)
    except (ValueError, TypeError) as error:
        raise ValidationError({"__all__": f"Answer every question ({error})."}) from None
    with transaction.atomic():
        session = _lock_for_write(session)
        measure = _checkin_measure(
            session,
            result,
            items,
            CheckInItem.PHQ9,
            {"total": result.total, "item9": items["q9"]},
            actor,
        )
        if SUICIDAL_IDEATION in result.flags:
            urgent_alert_raise(
                patient=session.patient,
                code=SUICIDAL_IDEATION,
                reason=(
                    "PHQ-9 question 9 answered "
                    f"{items['q9']} at check-in, before dosing (session {session.pk})."
                ),
                source="check-in",
            )
    return measure


def _checkin_measure(
    session: TreatmentSession,
    result: Score,
    items: dict[str, int],
    item: str,
    shown: dict[str, Any],
    actor: User,
) -> MeasureResult:
    """Store a questionnaire answered at check-in (before a session or a booster) and its
    check-in entry, inside the caller's transaction."""
    context = (
        MeasureContext.BOOSTER
        if session.appointment.kind == AppointmentKind.BOOSTER
        else MeasureContext.PRE_SESSION
    )
    measure = MeasureResult.objects.create(
        patient_id=session.patient_id,
        instrument=result.instrument,
        items=items,
        total=result.total,
        band=result.band,
        flags=list(result.flags),
        context=context,
        entered_by=actor,
    )
    CheckInEntry.objects.create(
        session=session, item=item, value={"measure": measure.pk, **shown}, recorded_by=actor
    )
    _audit(AuditAction.CREATE, session, measure, actor)
    return measure


ASQ_ALERT_CODES = {ASQ_ACUTE: "SUICIDE_RISK_ACUTE", "non_acute_positive": "SUICIDE_RISK"}


def checkin_asq(
    *,
    session: TreatmentSession,
    items: dict[str, int],
    actor: User,
) -> MeasureResult:
    """Score the pre-session ASQ. A positive screen raises the urgent alert (the same path
    as PHQ-9 question 9); an acute positive one stops the session until a psychiatrist has
    assessed the patient and acknowledged the alert with what was done."""
    _require(actor, *CLINICAL_STAFF, doing="record an ASQ")
    try:
        result = score(ASQ, items)
    except (ValueError, TypeError):
        raise ValidationError(
            {"q5": "Ask question 5 (thoughts of killing themself right now) after any yes."}
        ) from None
    with transaction.atomic():
        session = _lock_for_write(session)
        measure = _checkin_measure(
            session, result, items, CheckInItem.ASQ, {"band": result.band}, actor
        )
        if result.band != ASQ_NEGATIVE:
            acute = result.band == ASQ_ACUTE
            urgent_alert_raise(
                patient=session.patient,
                code=ASQ_ALERT_CODES[result.band],
                reason=(
                    "ASQ at check-in "
                    + (
                        "acute positive (thoughts of killing themself right now)"
                        if acute
                        else "positive, not acute"
                    )
                    + f", before dosing (session {session.pk})."
                ),
                source="check-in",
            )
    return measure


# --- Vitals and alerts (spec §2, §4) ----------------------------------------------------


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
    _require(actor, *CLINICAL_STAFF, doing="record vitals")
    monitoring.validate_reading(values)
    errors = {}
    if dissociation is not None and not 0 <= dissociation <= 4:
        errors["dissociation"] = "The clinician rating is 0 to 4."
    if cadss6 is not None and not 0 <= cadss6 <= 24:
        errors["cadss6"] = "The CADSS-6 total is 0 to 24."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    taken = _clinical_time(taken_at, field="taken_at", now=now)
    with transaction.atomic():
        session = _lock_for_write(session)
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
        baseline = state.predose_vitals if phase != ReadingPhase.PREDOSE else None
        found = monitoring.vital_alerts(
            reading.as_reading(), baseline=baseline, limits=vital_limits()
        )
        critical = []
        for alert in found:
            row = VitalAlert.objects.create(
                session=session,
                reading=reading,
                code=alert.code,
                level=alert.level,
                message=alert.message,
                recorded_by=actor,
            )
            if alert.level == AlertLevel.CRITICAL:
                critical.append(row.pk)
        _audit(AuditAction.CREATE, session, reading, actor)
        if critical:
            for alert_id in critical:
                send_now(
                    f"vital-alert:{alert_id}",
                    on_call_psychiatrists(session.supervising_psychiatrist),
                    patient=session.patient,
                )
    return reading


def alert_acknowledge(
    *,
    alert: VitalAlert,
    action_taken: str,
    actor: User,
) -> VitalAlert:
    """Record what was done about an alert (e.g. “infusion paused, clonidine 0.1 mg”)."""
    _require(actor, *CLINICAL_STAFF, doing="acknowledge an alert")
    action = action_taken.strip()
    if len(action) < 5:
        raise ValidationError({"action_taken": "Say what was done (at least 5 characters)."})
    with transaction.atomic():
        session = _lock_for_write(alert.session)
        alert = VitalAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.action_taken = action[:500]
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
        _audit(AuditAction.UPDATE, session, alert, actor)
    return alert


def gate_override(
    *,
    session: TreatmentSession,
    reason: str,
    actor: User,
) -> GateOverride:
    """A psychiatrist allows the dose despite a hold on the latest pre-dose reading."""
    _require(actor, Role.PSYCHIATRIST, doing="override a pre-dose hold")
    text = _reason(reason)
    with transaction.atomic():
        session = _lock_for_write(session)
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
        _audit(AuditAction.SIGN, session, override, actor)
    return override


# --- Dose (spec §3) ---------------------------------------------------------------------


def session_device_order(session: TreatmentSession, *, first_dose: bool) -> int:
    """Esketamine devices ordered for this session: the amendment's, else the plan's — at
    most 2 (56 mg) at the first dose, as the label says, unless a psychiatrist amends."""
    if session.amended_devices:
        return session.amended_devices
    planned = session.plan.esketamine_devices or 0
    if first_dose:
        return min(planned, dosing.ESKETAMINE_FIRST_DOSE_MAX_DEVICES)
    return planned


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
    _require(actor, Role.PSYCHIATRIST, doing="amend a dose order")
    text = _reason(reason)
    with transaction.atomic():
        session = _lock_for_write(session)
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
        session.amended_at = timezone.now()
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
        _audit(AuditAction.AMEND, session, session, actor)
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


def dose_blockers(state: SessionState, facts: TreatmentFacts | None = None) -> list[str]:
    """Why the dose can't be given yet (empty when it can): the check-in, the treatment
    gate (every reason named) and the pre-dose gate."""
    blockers = [f"Check-in: {label} not recorded." for label in state.checkin_missing]
    blockers += [reason.message for reason in session_gate(state.session, state, facts)]
    if state.gate is None and state.predose_in_error is not None:
        taken = timezone.localtime(state.predose_in_error.taken_at, clinic_settings().zone)
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


def _drawn_up(
    route: str, dose: DoseInput, total: Decimal, actor: User, errors: dict[str, Any]
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
    if waste > 0 and dose.waste_witness is None:
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


def dose_record(
    *,
    session: TreatmentSession,
    dose: DoseInput,
    actor: User,
) -> DoseRecord:
    """Record the dose given. mg is computed from today's weight × mg/kg; every dose limit
    (`sessions.dosing.dose_check`: the order, the clinic's maximum, the first esketamine
    dose, the infusion time, a weight change not confirmed) refuses with the reason."""
    _require(actor, *CLINICAL_STAFF, doing="record a dose")
    now = timezone.now()
    started = _clinical_time(dose.started_at, field="started_at", now=now)
    with transaction.atomic():
        session = _lock_for_write(session)
        state = state_of(session, now=started if started < now else now)
        if state.dose is not None:
            raise ValidationError("The dose is already recorded for this session.")
        if started < session.opened_at:
            # A dose time before check-in would start the observation clock (the
            # esketamine 120 minutes included) before the patient was there.
            checked_in = timezone.localtime(session.opened_at, clinic_settings().zone)
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
            raise ValidationError(
                {"started_at": "The dose can't start before the pre-dose vitals."}
            )
        errors: dict[str, Any] = {}
        if not dose.lot_number.strip():
            errors["lot_number"] = "Enter the lot number."
        if dose.lot_expiry < timezone.localdate(started, clinic_settings().zone):
            errors["lot_expiry"] = "This lot has expired; use another lot."
        plan = session.plan
        iv = session.route == "iv"
        if iv and not dose.planned_minutes:
            errors["planned_minutes"] = "Enter the planned infusion time in minutes."
        by_weight = session.route != monitoring.ESKETAMINE and plan.dose_mode == DoseMode.MG_PER_KG
        dose_field = (
            "__all__"
            if session.route == monitoring.ESKETAMINE
            else ("mg_per_kg" if by_weight else "mg")
        )
        typed = dose.mg_per_kg if by_weight else dose.mg
        if dose_field != "__all__" and (typed is None or typed <= 0):
            errors[dose_field] = "Enter the dose."
        if errors:
            raise ValidationError(errors)
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
        drawn = _drawn_up(session.route, dose, planned.total_mg, actor, errors)
        if errors:
            raise ValidationError(errors)
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
        appointment = session.appointment
        appointment.set_status(AppointmentStatus.IN_SESSION, actor=actor)
        _audit(AuditAction.CREATE, session, record, actor)
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
    _require(actor, *CLINICAL_STAFF, doing="record a device")
    now = timezone.now()
    given = _clinical_time(given_at, field="given_at", now=now)
    with transaction.atomic():
        session = _lock_for_write(session)
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
        _audit(AuditAction.CREATE, session, device, actor)
    times = [d.given_at for d in state.devices] + [device.given_at]
    return device, dosing.device_spacing_warnings(times)


def infusion_pause(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    reason: str,
    actor: User,
) -> InfusionPause:
    """Pause the IV infusion (e.g. for a blood pressure rise)."""
    _require(actor, *CLINICAL_STAFF, doing="pause an infusion")
    now = timezone.now()
    when = _clinical_time(at, field="at", now=now)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the infusion is paused."})
    with transaction.atomic():
        session = _lock_for_write(session)
        state = state_of(session, now=now)
        if session.route != "iv" or state.dose is None or state.dose.ended_at is not None:
            raise ValidationError("Only a running infusion can be paused.")
        if state.open_pause is not None:
            raise ValidationError("The infusion is already paused.")
        pause = InfusionPause.objects.create(
            session=session, paused_at=when, reason=reason.strip()[:300], recorded_by=actor
        )
        _audit(AuditAction.UPDATE, session, pause, actor)
    return pause


def infusion_resume(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    actor: User,
) -> InfusionPause:
    _require(actor, *CLINICAL_STAFF, doing="resume an infusion")
    now = timezone.now()
    when = _clinical_time(at, field="at", now=now)
    with transaction.atomic():
        session = _lock_for_write(session)
        state = state_of(session, now=now)
        pause = state.open_pause
        if pause is None:
            raise ValidationError("The infusion is not paused.")
        if when < pause.paused_at:
            raise ValidationError({"at": "Resuming can't be before the pause."})
        pause.resumed_at = when
        pause.save(update_fields=["resumed_at"])
        _audit(AuditAction.UPDATE, session, pause, actor)
    return pause


def infusion_end(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    actor: User,
) -> DoseRecord:
    """The IV infusion has ended: the observation time starts now."""
    _require(actor, *CLINICAL_STAFF, doing="end an infusion")
    now = timezone.now()
    when = _clinical_time(at, field="at", now=now)
    with transaction.atomic():
        session = _lock_for_write(session)
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
        _audit(AuditAction.UPDATE, session, dose, actor)
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


def infusion_stop(
    *,
    session: TreatmentSession,
    at: dt.datetime | None,
    volume_given_ml: Decimal,
    waste_witness: User | None,
    actor: User,
) -> DoseRecord:
    """The infusion was stopped before the whole dose ran in: the volume given gives the
    mg actually given (shown beside the mg ordered); what was drawn and not given is
    waste, witnessed by another staff member."""
    _require(actor, *CLINICAL_STAFF, doing="stop an infusion")
    now = timezone.now()
    when = _clinical_time(at, field="at", now=now)
    with transaction.atomic():
        session = _lock_for_write(session)
        state = state_of(session, now=now)
        dose = state.dose
        if session.route != "iv" or dose is None or dose.ended_at is not None:
            raise ValidationError("Only a running infusion can be stopped.")
        if when <= dose.started_at:
            raise ValidationError({"at": "The infusion can't end before it started."})
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
        if waste > 0 and waste_witness is None:
            raise ValidationError(
                {"waste_witness": f"{waste.normalize():f} mg is wasted: name the witness."}
            )
        if waste_witness is not None and waste_witness.pk == actor.pk:
            raise ValidationError({"waste_witness": "The witness must be another staff member."})
        too_fast = _rate_issue(state, dose, when, given)
        if too_fast is not None:
            raise ValidationError({"at": too_fast.message})
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
        _audit(AuditAction.UPDATE, session, dose, actor)
    return dose


# --- Adverse events (spec §5) -----------------------------------------------------------


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


def adverse_event_record(
    *,
    session: TreatmentSession,
    event: AdverseEventInput,
    actor: User,
) -> AdverseEvent:
    """Record an adverse event. `serious` notifies the psychiatrist and, on esketamine,
    is marked for REMS reporting."""
    _require(actor, *CLINICAL_STAFF, doing="record an adverse event")
    now = timezone.now()
    onset = _clinical_time(event.onset_at, field="onset_at", now=now)
    medication_at = (
        _clinical_time(event.medication_at, field="medication_at", now=now)
        if event.medication_at
        else None
    )
    if event.kind == "other" and not event.description.strip():
        raise ValidationError({"description": "Describe the event."})
    if event.medication.strip() and not event.medication_dose.strip():
        raise ValidationError({"medication_dose": "Enter the dose of the medication given."})
    with transaction.atomic():
        session = _lock_for_write(session)
        if event.infusion_action and session.route != "iv":
            raise ValidationError({"infusion_action": "Only IV sessions have an infusion."})
        running = DoseRecord.objects.filter(session=session, ended_at__isnull=True).exists()
        if event.infusion_action == "stopped" and running:
            # The stop is charted with its own time, the volume given and the witness of
            # the waste (infusion_stop); the event then records it as the action taken.
            raise ValidationError(
                {
                    "infusion_action": "Record the stop first with “Infusion stopped early” "
                    "(time, volume given, witness), then this event."
                }
            )
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
        _audit(AuditAction.CREATE, session, row, actor)
        if row.severity == Severity.SERIOUS:
            send_now(
                f"adverse-event:{row.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )
    return row


# --- Discharge (spec §6) ----------------------------------------------------------------


def discharge_assess(
    *,
    session: TreatmentSession,
    answers: dict[str, bool],
    actor: User,
) -> TreatmentSession:
    """Record the discharge assessment; the first time every criterion is met, the
    "ready to leave" time is stored."""
    _require(actor, *CLINICAL_STAFF, doing="assess for discharge")
    now = timezone.now()
    with transaction.atomic():
        session = _lock_for_write(session)
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
        _audit(AuditAction.UPDATE, session, session, actor)
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
    _require(actor, *CLINICAL_STAFF, doing="discharge a patient")
    now = timezone.now()
    with transaction.atomic():
        session = _lock_for_write(session)
        if session.discharged_at is not None:
            return session
        state = state_of(session, now=now)
        if state.dose is None:
            raise ValidationError("No dose is recorded; cancel the appointment instead.")
        unmet = [criterion.code for criterion in state.discharge.unmet]
        esketamine = session.route == monitoring.ESKETAMINE
        rems_unmet = [
            c for c in state.discharge.unmet if esketamine and c.code in monitoring.REMS_CRITERIA
        ]
        if rems_unmet:
            raise ValidationError(
                "Esketamine: the patient stays at least 120 minutes after the first device "
                f"(REMS), and no one can waive it — {rems_unmet[0].detail}"
            )
        if esketamine:
            first_device = state.devices[0].given_at if state.devices else state.dose.started_at
            since = int((now - first_device).total_seconds() // 60)
            if rems_ready_minutes is None:
                raise ValidationError(
                    {
                        "rems_ready_minutes": "Enter when the patient was clinically ready to "
                        "leave, in minutes after the first device, had there been no 2-hour rule."
                    }
                )
            if not 0 <= rems_ready_minutes <= since:
                raise ValidationError(
                    {"rems_ready_minutes": f"Enter a number of minutes from 0 to {since}."}
                )
            session.rems_ready_minutes = rems_ready_minutes
        if unmet:
            if not actor.has_role(Role.PSYCHIATRIST):
                raise ValidationError(
                    "Not every discharge criterion is met: "
                    + "; ".join(c.label for c in state.discharge.unmet)
                    + ". Only a psychiatrist can discharge with an unmet criterion."
                )
            session.discharge_override_reason = _reason(override_reason, "override_reason")
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
        audit_record(
            action=AuditAction.SIGN if unmet else AuditAction.UPDATE,
            user=actor,
            patient_id=session.patient_id,
            obj=session,
        )
        _finish_induction_if_complete(session, actor)
    return session


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


# --- Entered in error (spec §7: corrections before signing) -----------------------------

IN_ERROR_MIN_REASON = 5
SIGNED_IN_ERROR = (
    "This record is signed, so an entry can no longer be marked entered in error. Add an "
    "addendum instead: choose the entry under “Entry entered in error” and say why."
)


PREDOSE_AFTER_DOSE = (
    "The dose was given after this pre-dose reading: it can no longer be marked entered in "
    "error here. Once the record is signed, add an addendum naming it."
)


def _in_error_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) < IN_ERROR_MIN_REASON:
        raise ValidationError(
            {"reason": f"Say why this entry is wrong (at least {IN_ERROR_MIN_REASON} characters)."}
        )
    if len(text) > 300:
        raise ValidationError({"reason": "At most 300 characters."})
    return text


def _mark_in_error(
    row: Any,
    *,
    actor: User,
    reason: str,
    check: Any = None,
) -> Any:
    """Mark one entry of the record entered in error: its author or a psychiatrist, while
    the record is unsigned, with a reason; never deleted. Runs `check(session, row)`
    under the locks before writing; marking twice changes nothing."""
    _require(actor, *CLINICAL_STAFF, doing="mark an entry entered in error")
    text = _in_error_reason(reason)
    model = type(row)
    with transaction.atomic():
        fresh_session = TreatmentSession.objects.select_for_update().get(pk=row.session_id)
        if fresh_session.nurse_signed_at is not None or fresh_session.cosigned_at is not None:
            raise ValidationError(SIGNED_IN_ERROR)
        session = _lock_for_write(fresh_session)
        row = model.objects.select_for_update().get(pk=row.pk)
        if row.entered_in_error_at is not None:
            return row
        if row.recorded_by_id != actor.pk and not actor.has_role(Role.PSYCHIATRIST):
            raise PermissionDenied(
                "Only the person who recorded this entry or a psychiatrist can mark it "
                "entered in error."
            )
        if check is not None:
            check(session, row)
        row.entered_in_error_at = timezone.now()
        row.entered_in_error_by = actor
        row.entered_in_error_reason = text
        row.save(
            update_fields=[
                "entered_in_error_at",
                "entered_in_error_by",
                "entered_in_error_reason",
            ]
        )
        _audit(AuditAction.AMEND, session, row, actor)
    return row


def reading_mark_entered_in_error(
    *,
    actor: User,
    reading: VitalReading,
    reason: str,
) -> VitalReading:
    """A reading typed wrong (e.g. BP 300/20): struck through, its open alerts closed, and
    no longer judged by the gate, the discharge check, the chart or the REMS form. A
    pre-dose reading in error makes the gate wait for a fresh reading."""

    def close_alerts(session: TreatmentSession, row: VitalReading) -> None:
        if (
            row.phase == ReadingPhase.PREDOSE
            and DoseRecord.objects.filter(session=session).exists()
        ):
            raise ValidationError(PREDOSE_AFTER_DOSE)
        now = timezone.now()
        note = f"{ALERT_CLOSED_IN_ERROR} ({_in_error_reason(reason)})"
        for alert in VitalAlert.objects.select_for_update().filter(
            reading=row, acknowledged_at__isnull=True
        ):
            alert.acknowledged_at = now
            alert.acknowledged_by = actor
            alert.action_taken = note[:500]
            alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
            _audit(AuditAction.UPDATE, session, alert, actor)
        critical = VitalAlert.objects.filter(reading=row, level=AlertLevel.CRITICAL).exists()
        if critical and not actor.has_role(Role.PSYCHIATRIST):
            # The psychiatrist was paged about this reading: they learn it was a typo.
            send_now(
                f"vital-alert-in-error:{row.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )

    return _mark_in_error(reading, actor=actor, reason=reason, check=close_alerts)


def device_mark_entered_in_error(
    *,
    actor: User,
    device: DeviceDose,
    reason: str,
) -> DeviceDose:
    """A device time recorded in error (e.g. "Device 2 given" pressed twice): struck
    through and the dose's total recomputed from the devices that count. Devices are taken
    back from the last one; device 1 is the dose's own start time (an addendum corrects
    it)."""

    def check(session: TreatmentSession, row: DeviceDose) -> None:
        if row.number == 1:
            raise ValidationError(
                "Device 1 is the start of the dose record and can't be marked entered in "
                "error; write the correct time in an addendum once the record is signed."
            )
        valid = list(
            DeviceDose.objects.filter(session=session, entered_in_error_at__isnull=True)
            .exclude(pk=row.pk)
            .order_by("number")
        )
        later = [d for d in valid if d.number > row.number]
        if later:
            raise ValidationError(
                f"Mark device {later[-1].number} entered in error first: devices are taken "
                "back from the last one."
            )
        dose = DoseRecord.objects.select_for_update().get(session=session)
        dose.total_mg = Decimal(dosing.ESKETAMINE_DEVICE_MG * len(valid))
        dose.save(update_fields=["total_mg"])

    return _mark_in_error(device, actor=actor, reason=reason, check=check)


def adverse_event_mark_entered_in_error(
    *,
    actor: User,
    event: AdverseEvent,
    reason: str,
) -> AdverseEvent:
    """An adverse event recorded in error (wrong patient, wrong type): struck through and
    left out of the REMS form and the summaries. A pause it started stays charted. A
    serious event marked by a nurse is told to the psychiatrist, who was paged about it."""

    def check(session: TreatmentSession, row: AdverseEvent) -> None:
        if row.severity == Severity.SERIOUS and not actor.has_role(Role.PSYCHIATRIST):
            send_now(
                f"adverse-event-in-error:{row.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )

    return _mark_in_error(event, actor=actor, reason=reason, check=check)


# --- Sign-off, lock and addenda (spec §7) ----------------------------------------------


def session_sign(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """The nurse signs the record after discharge (critical alerts must be acknowledged)."""
    _require(actor, Role.NURSE, Role.PSYCHIATRIST, doing="sign a session record")
    with transaction.atomic():
        session = _lock_for_write(session)
        if session.discharged_at is None:
            raise ValidationError("Discharge the patient before signing the record.")
        if VitalAlert.objects.filter(
            session=session, level=AlertLevel.CRITICAL, acknowledged_at__isnull=True
        ).exists():
            raise ValidationError("Acknowledge every critical alert before signing.")
        session.nurse_signed_at = timezone.now()
        session.nurse_signed_by = actor
        session.save(update_fields=["nurse_signed_at", "nurse_signed_by"])
        _audit(AuditAction.SIGN, session, session, actor)
    return session


def session_cosign(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """Another psychiatrist than the one who signed co-signs; from then on the record is
    locked."""
    _require(actor, Role.PSYCHIATRIST, doing="co-sign a session record")
    with transaction.atomic():
        session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        if session.cosigned_at is not None:
            return session
        if session.nurse_signed_at is None:
            raise ValidationError("The nurse signs the record first.")
        if session.nurse_signed_by_id == actor.pk:
            raise ValidationError("You signed this record; another psychiatrist co-signs it.")
        session.cosigned_at = timezone.now()
        session.cosigned_by = actor
        session.save(update_fields=["cosigned_at", "cosigned_by"])
        _audit(AuditAction.SIGN, session, session, actor)
    return session


def correctable_entries(session: TreatmentSession, actor: User) -> dict[str, str]:
    """The entries `actor` may declare entered in error in an addendum (those not already
    so; as before signing, their own entries or, for a psychiatrist, any), by reference,
    each described as the record shows it."""
    zone = clinic_settings().zone
    state = state_of(session)
    anyone = actor.has_role(Role.PSYCHIATRIST)

    def at(value: dt.datetime) -> str:
        return f"{timezone.localtime(value, zone):%H:%M}"

    entries = {}
    for r in state.readings:
        if not (anyone or r.recorded_by_id == actor.pk):
            continue
        values = ", ".join(
            part
            for part in (
                f"BP {r.bp}" if r.bp else "",
                f"HR {r.heart_rate}" if r.heart_rate is not None else "",
                f"SpO2 {r.spo2}" if r.spo2 is not None else "",
            )
            if part
        )
        entries[entry_ref("reading", r.pk)] = f"Vitals at {at(r.taken_at)}: {values or 'other'}"
    for d in state.devices:
        if not (anyone or d.recorded_by_id == actor.pk):
            continue
        entries[entry_ref("device", d.pk)] = f"Device {d.number} at {at(d.given_at)}"
    for e in state.adverse_events:
        if not (anyone or e.recorded_by_id == actor.pk):
            continue
        entries[entry_ref("event", e.pk)] = (
            f"Adverse event: {e.get_kind_display()} at {at(e.onset_at)}"
        )
    return entries


def addendum_write(
    *,
    session: TreatmentSession,
    reason: str,
    text: str,
    actor: User,
    corrects: str = "",
) -> SessionAddendum:
    """A correction or late entry, shown under the original record. `corrects` names an
    entry of this record ("reading:12") the addendum declares entered in error: the
    signed record keeps it, shown struck through with this addendum, and the read model
    leaves it out as it does an entry marked before signing."""
    _require(actor, *CLINICAL_STAFF, doing="write an addendum")
    if errors := SessionAddendum.input_errors(reason, text):
        raise ValidationError(errors)
    with transaction.atomic():
        if corrects:
            if session.nurse_signed_at is None:
                raise ValidationError(
                    {
                        "corrects": "The record is not signed yet: mark the entry entered "
                        "in error on its row instead."
                    }
                )
            if corrects not in correctable_entries(session, actor):
                raise ValidationError(
                    {
                        "corrects": "Choose an entry of this record that you recorded (a "
                        "psychiatrist may choose any)."
                    }
                )
        addendum = SessionAddendum.objects.create(
            session=session,
            author=actor,
            reason=reason.strip()[:300],
            text=text.strip(),
            corrects=corrects,
        )
        _audit(AuditAction.AMEND, session, addendum, actor)
    return addendum


def rems_submission_record(
    *,
    session: TreatmentSession,
    submitted_on: dt.date,
    confirmation: str,
    actor: User,
    missing_note: str = "",
) -> RemsSubmission:
    """Note that the REMS monitoring form of an esketamine session was submitted."""
    _require(actor, *CLINICAL_STAFF, doing="record a REMS submission")
    if session.route != monitoring.ESKETAMINE:
        raise ValidationError("Only esketamine sessions have a REMS monitoring form.")
    if session.discharged_at is None:
        raise ValidationError("The form is submitted after the session ends.")
    today = timezone.localdate(timezone.now(), clinic_settings().zone)
    if submitted_on > today:
        raise ValidationError({"submitted_on": "This date is in the future."})
    if submitted_on < timezone.localdate(session.discharged_at, clinic_settings().zone):
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
        _audit(AuditAction.UPDATE, session, row, actor)
    return row
