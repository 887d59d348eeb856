"""The dose and the controlled-substance record (controlled-substances.md §2): a dose,
each esketamine device, the waste (drawn − given) and their corrections post ledger
entries in the dose service's own transaction, so the record and the ledger commit
together or not at all. Sessions calls the ledger; the ledger never imports sessions and
knows a session only as `source_ref` ("treatment_session:<id>").

Which lot: a location that has received a drug into its ledger (it has a lot of it) must
draw every dose of that drug from a ledger lot, chosen on the dose form. A location that
has never received that drug (a clinic not yet keeping its record here) records the lot
number and expiry as typed, as before, and posts nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import Location, User
from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot
from controlled.selectors.stock import location_stocks_drug, session_entries
from controlled.services.administrations import (
    LOT_FIELD,
    administration_post,
    corrected_mg,
    correction_post,
    lot_refusal,
    source_ref_of_session,
    waste_post,
    waste_witness_required,
    witness_check,
)
from sessions import monitoring
from sessions.models import DeviceDose, DoseRecord, TreatmentSession
from sessions.selectors.location import session_location


def session_drug(session: TreatmentSession) -> str:
    return "esketamine" if session.route == monitoring.ESKETAMINE else "ketamine"


@dataclass(frozen=True)
class DoseLedger:
    """The ledger side of one dose: the session's location and the lot drawn from."""

    location: Location | None
    lot: Lot


def dose_lot(session: TreatmentSession, lot: Lot | None, started: dt.datetime) -> DoseLedger | None:
    """The ledger lot this dose draws on, or None where the location keeps no ledger for
    the drug. Refused on the lot field: no lot chosen where one is required, and every
    reason the lot can't be used (`lot_refusal`)."""
    location = session_location(session)
    if not location_stocks_drug(location, session_drug(session)):
        return None
    if lot is None:
        raise ValidationError(
            {LOT_FIELD: "Choose the lot drawn from: this location keeps its stock on the ledger."}
        )
    today = timezone.localdate(started, location.zone if location else None)
    problem = lot_refusal(lot, location=location, patient=session.patient, today=today)
    if problem:
        raise ValidationError({LOT_FIELD: problem})
    return DoseLedger(location=location, lot=lot)


def check_witness(
    ledger: DoseLedger | None, witness: User | None, password: str, actor: User
) -> User | None:
    """The waste witness of a ledger dose, confirmed with their own password now."""
    if ledger is None:
        return witness
    return witness_check(witness=witness, password=password, actor=actor, location=ledger.location)


def post_dose(
    *,
    session: TreatmentSession,
    record: DoseRecord,
    ledger: DoseLedger,
    witness: User | None,
    actor: User,
) -> list[LedgerEntry]:
    """The dose's administration entry (and its waste entry, witnessed), in the caller's
    transaction."""
    ref = source_ref_of_session(session.pk)
    posted = [
        administration_post(
            lot=ledger.lot,
            mg=record.total_mg,
            patient=session.patient,
            source_ref=ref,
            given_by=record.administered_by,
            occurred_at=record.started_at,
            actor=actor,
            location=ledger.location,
        )
    ]
    if record.waste_mg:
        posted.append(
            waste_post(
                lot=ledger.lot,
                mg=record.waste_mg,
                witness=witness,
                witness_password="",
                patient=session.patient,
                source_ref=ref,
                wasted_by=actor,
                occurred_at=record.started_at,
                actor=actor,
                location=ledger.location,
                checked_witness=True,
            )
        )
    return posted


def _administrations(session: TreatmentSession) -> list[LedgerEntry]:
    return [
        e
        for e in session_entries(source_ref_of_session(session.pk))
        if e.kind == EntryKind.ADMINISTRATION
    ]


def post_device(*, session: TreatmentSession, device: DeviceDose, actor: User) -> None:
    """One more esketamine device from the lot of the dose's first device (if that dose
    was drawn from the ledger)."""
    given = _administrations(session)
    if not given:
        return
    lot = given[0].lot
    administration_post(
        lot=lot,
        mg=given[0].lot.product.strength_mg,
        patient=session.patient,
        source_ref=source_ref_of_session(session.pk),
        given_by=actor,
        occurred_at=device.given_at,
        actor=actor,
        location=session_location(session),
        reason=f"Device {device.number}",
    )


def correct_device(*, session: TreatmentSession, device: DeviceDose, reason: str, actor: User):
    """A device entered in error puts its device back on the lot: a correcting entry
    naming the device's administration entry."""
    for entry in _administrations(session):
        if entry.occurred_at == device.given_at and corrected_mg(entry) == 0:
            return correction_post(
                entry=entry,
                reason=f"Device {device.number} entered in error: {reason}",
                actor=actor,
                occurred_at=entry.occurred_at,
            )
    return None


def correct_stopped_infusion(
    *,
    session: TreatmentSession,
    dose: DoseRecord,
    given: Decimal,
    witness: User | None,
    password: str,
    actor: User,
    at: dt.datetime,
) -> None:
    """An infusion stopped early gave less than the administration entry says: a
    correction puts the part not given back, and it is posted as waste, witnessed now."""
    entries = _administrations(session)
    if not entries:
        return
    entry = entries[0]
    not_given = dose.total_mg - given
    if not_given <= 0:
        return
    location = session_location(session)
    witness = witness_check(witness=witness, password=password, actor=actor, location=location)
    correction_post(
        entry=entry,
        reason=f"Infusion stopped early: {given.normalize():f} mg of "
        f"{dose.total_mg.normalize():f} mg given",
        actor=actor,
        occurred_at=at,
        mg=not_given,
    )
    waste_post(
        lot=entry.lot,
        mg=not_given,
        witness=witness,
        witness_password="",
        patient=session.patient,
        source_ref=entry.source_ref,
        wasted_by=actor,
        occurred_at=at,
        actor=actor,
        location=location,
        checked_witness=True,
    )


def dose_uses_ledger(session: TreatmentSession) -> bool:
    return bool(_administrations(session))


def witness_needed(session: TreatmentSession) -> bool:
    """Waste after the dose needs a witness, unless the dose drew on the ledger at a
    location that turned the witness off (where state law allows)."""
    return not dose_uses_ledger(session) or waste_witness_required(session_location(session))
