"""Check-in at the chair (spec: session-monitoring.md §1): opening the session record,
the check-in items, medication changes, pregnancy, and the PHQ-9 and ASQ before dosing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.notifications.reminders import on_call_psychiatrists, send_now
from clinic.policy import require
from clinic.zones import zone_of
from intake.measures import ASQ, ASQ_ACUTE, ASQ_NEGATIVE, PHQ9, Score, score
from intake.models import MeasureContext, MeasureResult
from intake.services import (
    SUICIDAL_IDEATION,
    screening_medications_update,
    urgent_alert_raise,
)
from sessions import dosing
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    DoseRecord,
    PregnancyNotApplicable,
    PregnancyTest,
    TreatmentPlan,
    TreatmentSession,
)
from sessions.models.checkin import CheckInEntry, CheckInItem
from sessions.permissions import (
    RECORD_SESSION,
)
from sessions.record_rules import checkin_required_items
from sessions.selectors.before_dose import previous_weight, session_gate
from sessions.selectors.location import session_zone
from sessions.selectors.safety import dose_limits
from sessions.selectors.treatment_gate import (
    AT_CHECK_IN,
    DEA_REGISTRATION,
    GateReason,
)
from sessions.services.record_change import (
    audit_change,
    record_change,
)


def session_open(*, appointment: Appointment, actor: User) -> TreatmentSession:
    """Check the patient in: open the session record for today's appointment."""
    require(actor, RECORD_SESSION, message="Your role cannot check a patient in.")
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
        # Today on the clock of the appointment's location.
        zone = zone_of(Location.objects.filter(chairs__pk=appointment.chair_id).first())
        if timezone.localdate(appointment.start, zone) != timezone.localdate(clock.now(), zone):
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
            raise ValidationError(_check_in_refusal(refused))
        appointment.set_status(AppointmentStatus.CHECKED_IN, actor=actor)
        audit_record(
            action=AuditAction.CREATE,
            user=actor,
            patient=appointment.patient,
            obj=session,
        )
    return session


def _check_in_refusal(refused: list[GateReason]) -> list[str]:
    """What the nurse reads when check-in is refused: each reason, and for the location's
    registration what to do about it (it is the site's, not the patient's)."""
    lines = ["This patient can't be treated today:", *(r.message for r in refused)]
    if any(r.code == DEA_REGISTRATION for r in refused):
        lines.append(
            "Check-in is refused at this location until the admin enters a valid DEA "
            "registration (Admin → Locations); book the patient at another location meanwhile."
        )
    return lines


def session_take_current_plan(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """The plan changed after booking: the nurse has seen the new order and the session
    takes it (same route only; another route needs a new booking)."""
    require(actor, RECORD_SESSION, message="Your role cannot confirm a new dose order.")
    with record_change(session) as session:
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
        audit_change(AuditAction.UPDATE, session, session, actor)
    return session


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
    require(actor, RECORD_SESSION, message="Your role cannot record a check-in.")
    if item not in CheckInItem.values or item in (
        CheckInItem.PHQ9,
        CheckInItem.ASQ,
        CheckInItem.MEDICATION_CHANGES,  # checkin_medications: it re-runs the rules
    ):
        raise ValidationError({"item": "Unknown check-in item."})
    with record_change(session) as session:
        if item == CheckInItem.WEIGHT and DoseRecord.objects.filter(session=session).exists():
            raise ValidationError({item: "The dose is recorded; the weight can't change now."})
        entry = CheckInEntry.objects.create(
            session=session,
            item=item,
            value=_check_item_value(session, item, value, confirmed=confirmed),
            recorded_by=actor,
        )
        audit_change(AuditAction.UPDATE, session, entry, actor)
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
    require(actor, RECORD_SESSION, message="Your role cannot record medication changes.")
    text = changes.strip()
    if not text:
        raise ValidationError({"medication_changes": "Write “none” or describe the changes."})
    with record_change(session) as session:
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
        audit_change(AuditAction.UPDATE, session, entry, actor)
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
    require(actor, RECORD_SESSION, message="Your role cannot record a pregnancy test.")
    today = timezone.localdate(clock.now(), session_zone(session))  # the chair's day
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
    with record_change(session) as session:
        test = PregnancyTest.objects.create(
            patient_id=session.patient_id,
            session=session,
            tested_on=tested_on,
            kind=kind,
            result=result,
            recorded_by=actor,
        )
        audit_change(AuditAction.CREATE, session, test, actor)
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
    require(
        actor, RECORD_SESSION, message="Your role cannot record that pregnancy is not applicable."
    )
    text = reason.strip()
    if len(text) < 5:
        raise ValidationError({"reason": "Say why (e.g. hysterectomy, menopause)."})
    with record_change(session) as session:
        row = PregnancyNotApplicable.objects.create(
            patient_id=session.patient_id, reason=text[:300], recorded_by=actor
        )
        audit_change(AuditAction.CREATE, session, row, actor)
    return row


def checkin_phq9(
    *,
    session: TreatmentSession,
    items: dict[str, int],
    actor: User,
) -> MeasureResult:
    """Score the pre-session PHQ-9 at check-in; item 9 ≥ 1 raises the urgent alert, which
    holds the dose until a psychiatrist acknowledges it."""
    require(actor, RECORD_SESSION, message="Your role cannot record a PHQ-9.")
    try:
        result = score(PHQ9, items)
    except (ValueError, TypeError) as error:
        raise ValidationError({"__all__": f"Answer every question ({error})."}) from None
    with record_change(session) as session:
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
        taken_at=clock.now(),
        entered_by=actor,
    )
    CheckInEntry.objects.create(
        session=session, item=item, value={"measure": measure.pk, **shown}, recorded_by=actor
    )
    audit_change(AuditAction.CREATE, session, measure, actor)
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
    require(actor, RECORD_SESSION, message="Your role cannot record an ASQ.")
    try:
        result = score(ASQ, items)
    except (ValueError, TypeError):
        raise ValidationError(
            {"q5": "Ask question 5 (thoughts of killing themself right now) after any yes."}
        ) from None
    with record_change(session) as session:
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
