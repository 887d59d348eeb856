"""Corrections to the session record (spec §7): an entry marked entered in error before
signing, and addenda (which may name an entry in error) after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import clock
from clinic.choices import AuditAction
from clinic.models import User
from clinic.notifications.reminders import on_call_psychiatrists, send_now
from clinic.policy import may, require
from sessions import dosing
from sessions.models import (
    AdverseEvent,
    DeviceDose,
    DoseRecord,
    SessionAddendum,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.adverse_events import Severity
from sessions.models.vitals import ALERT_CLOSED_IN_ERROR, AlertLevel, ReadingPhase
from sessions.permissions import (
    CORRECT_ANY_ENTRY,
    RECORD_SESSION,
    SUPERVISE_TREATMENT,
)
from sessions.record_rules import entry_ref
from sessions.selectors.location import session_zone
from sessions.selectors.session_state import state_of
from sessions.services import ledger
from sessions.services.record_change import (
    audit_change,
    lock_for_write,
)

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
    require(actor, RECORD_SESSION, message="Your role cannot mark an entry entered in error.")
    text = _in_error_reason(reason)
    model = type(row)
    with transaction.atomic():
        fresh_session = TreatmentSession.objects.select_for_update().get(pk=row.session_id)
        if fresh_session.nurse_signed_at is not None or fresh_session.cosigned_at is not None:
            raise ValidationError(SIGNED_IN_ERROR)
        session = lock_for_write(fresh_session)
        row = model.objects.select_for_update().get(pk=row.pk)
        if row.entered_in_error_at is not None:
            return row
        if row.recorded_by_id != actor.pk:
            require(
                actor,
                CORRECT_ANY_ENTRY,
                message="Only the person who recorded this entry or a psychiatrist can mark "
                "it entered in error.",
            )
        if check is not None:
            check(session, row)
        row.entered_in_error_at = clock.now()
        row.entered_in_error_by = actor
        row.entered_in_error_reason = text
        row.save(
            update_fields=[
                "entered_in_error_at",
                "entered_in_error_by",
                "entered_in_error_reason",
            ]
        )
        audit_change(AuditAction.AMEND, session, row, actor)
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
        now = clock.now()
        note = f"{ALERT_CLOSED_IN_ERROR} ({_in_error_reason(reason)})"
        for alert in VitalAlert.objects.select_for_update().filter(
            reading=row, acknowledged_at__isnull=True
        ):
            alert.acknowledged_at = now
            alert.acknowledged_by = actor
            alert.action_taken = note[:500]
            alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
            audit_change(AuditAction.UPDATE, session, alert, actor)
        critical = VitalAlert.objects.filter(reading=row, level=AlertLevel.CRITICAL).exists()
        if critical and not may(actor, SUPERVISE_TREATMENT):
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
        ledger.correct_device(session=session, device=row, reason=reason, actor=actor)

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
        # The psychiatrist was paged about a serious event: they learn it was in error.
        if row.severity == Severity.SERIOUS and not may(actor, SUPERVISE_TREATMENT):
            send_now(
                f"adverse-event-in-error:{row.pk}",
                on_call_psychiatrists(session.supervising_psychiatrist),
                patient=session.patient,
            )

    return _mark_in_error(event, actor=actor, reason=reason, check=check)


def correctable_entries(session: TreatmentSession, actor: User) -> dict[str, str]:
    """The entries `actor` may declare entered in error in an addendum (those not already
    so; as before signing, their own entries or, for a psychiatrist, any), by reference,
    each described as the record shows it."""
    zone = session_zone(session)
    state = state_of(session)
    anyone = may(actor, CORRECT_ANY_ENTRY)

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
    require(actor, RECORD_SESSION, message="Your role cannot write an addendum.")
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
        if corrects.startswith("device:"):
            # A device declared entered in error goes back on the lot (a correcting entry).
            device = DeviceDose.objects.filter(
                session=session, pk=corrects.removeprefix("device:")
            ).first()
            if device is not None:
                ledger.correct_device(session=session, device=device, reason=reason, actor=actor)
        addendum = SessionAddendum.objects.create(
            session=session,
            author=actor,
            reason=reason.strip()[:300],
            text=text.strip(),
            corrects=corrects,
        )
        audit_change(AuditAction.AMEND, session, addendum, actor)
    return addendum
