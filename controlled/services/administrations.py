"""Administration and waste, posted with the dose in the dose service's own transaction
(21 CFR 1304.22(c): patient, date, quantity, who gave it; leftover drug after an
administration is recorded here as waste, 79 FR 53521), and the correcting entry that
names the entry it corrects (never an edit).

The ledger never imports the sessions app: a dose names its session by `source_ref`
("treatment_session:<id>") and passes the session's location."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import Location, Patient, User
from clinic.policy import may
from controlled.choices import EntryKind
from controlled.models import LedgerEntry, LedgerSettings, Lot
from controlled.permissions import WITNESS
from controlled.services.posting import lock_lot, post_entry, units_for_mg
from controlled.services.signing import confirm_password

LOT_FIELD = "lot"
WITNESS_FIELD = "waste_witness"
PASSWORD_FIELD = "witness_password"  # noqa: S105 - a form field's name


def source_ref_of_session(session_id: int) -> str:
    return f"treatment_session:{session_id}"


def waste_witness_required(location: Location | None) -> bool:
    """Whether waste at `location` needs a witness: on unless the clinic turned it off for
    that location (where state law allows a single person)."""
    if location is None:
        return True
    required = (
        LedgerSettings.objects.filter(location=location)
        .values_list("waste_witness_required", flat=True)
        .first()
    )
    return True if required is None else required


def lot_refusal(
    lot: Lot, *, location: Location | None, patient: Patient | None, today: dt.date
) -> str | None:
    """Why `lot` can't be drawn on for this patient's dose here today, or None."""
    if location is not None and lot.location_id != location.pk:
        return f"Lot {lot.lot_number} is held at another location; use a lot of this location."
    return lot.usable_problem(today=today, patient_id=patient.pk if patient else None)


def witness_check(
    *, witness: User | None, password: str, actor: User, location: Location | None
) -> User | None:
    """The waste witness confirms at this moment with their own password: another active
    staff member who may witness (`controlled.witness`). Without a witness only where the
    location has turned the witness off. Refused with the message on the field."""
    if witness is None:
        if waste_witness_required(location):
            raise ValidationError({WITNESS_FIELD: "Controlled-substance waste needs a witness."})
        return None
    if witness.pk == actor.pk:
        raise ValidationError({WITNESS_FIELD: "The witness must be another staff member."})
    if not witness.is_active or not may(witness, WITNESS):
        raise ValidationError(
            {WITNESS_FIELD: f"{witness.display_name} can't witness controlled-substance waste."}
        )
    confirm_password(
        witness,
        password,
        field=PASSWORD_FIELD,
        message=f"That is not {witness.display_name}'s password: the witness types their own "
        "password.",
    )
    return witness


def _checked_lot(
    lot: Lot, *, location: Location | None, patient: Patient | None, occurred_at: dt.datetime
) -> Lot:
    today = timezone.localdate(occurred_at)
    problem = lot_refusal(lot, location=location, patient=patient, today=today)
    if problem:
        raise ValidationError({LOT_FIELD: problem})
    return lot


def administration_post(
    *,
    lot: Lot,
    mg: Decimal,
    patient: Patient,
    source_ref: str,
    given_by: User,
    occurred_at: dt.datetime,
    actor: User,
    location: Location | None = None,
    reason: str = "",
) -> LedgerEntry:
    """Post what was given from `lot` (mg, and mL or devices), in the caller's
    transaction. Refused on the lot field: an expired lot, a lot of another location, a
    named-patient lot of another patient or past its 14 days, too little stock (the
    message shows the lot's balance). Permission is the caller's (the dose service asks
    `sessions.record_session`)."""
    if mg is None or mg <= 0:
        raise ValidationError({LOT_FIELD: "Nothing to post: the dose is not above 0 mg."})
    with transaction.atomic():
        locked = lock_lot(lot.pk)
        _checked_lot(locked, location=location, patient=patient, occurred_at=occurred_at)
        return post_entry(
            lot=locked,
            kind=EntryKind.ADMINISTRATION,
            units=-units_for_mg(locked, mg),
            mg=-mg,
            actor=actor,
            performed_by=given_by,
            occurred_at=occurred_at,
            field=LOT_FIELD,
            patient=patient,
            source_ref=source_ref,
            reason=reason[:500],
        )


def waste_post(
    *,
    lot: Lot,
    mg: Decimal,
    witness: User | None,
    witness_password: str,
    patient: Patient,
    source_ref: str,
    wasted_by: User,
    occurred_at: dt.datetime,
    actor: User,
    location: Location | None = None,
    checked_witness: bool = False,
) -> LedgerEntry:
    """Post drug drawn and not given (drawn − given), witnessed by another staff member who
    confirms with their own password now (`witness_check`; `checked_witness` when the
    caller already checked it in this transaction)."""
    if mg is None or mg <= 0:
        raise ValidationError({LOT_FIELD: "Nothing to waste."})
    if not checked_witness:
        witness = witness_check(
            witness=witness, password=witness_password, actor=wasted_by, location=location
        )
    with transaction.atomic():
        locked = lock_lot(lot.pk)
        if location is not None and locked.location_id != location.pk:
            raise ValidationError({LOT_FIELD: "This lot is held at another location."})
        return post_entry(
            lot=locked,
            kind=EntryKind.WASTE,
            units=-units_for_mg(locked, mg),
            mg=-mg,
            actor=actor,
            performed_by=wasted_by,
            witness=witness,
            occurred_at=occurred_at,
            field=LOT_FIELD,
            patient=patient,
            source_ref=source_ref,
        )


def correction_post(
    *,
    entry: LedgerEntry,
    reason: str,
    actor: User,
    occurred_at: dt.datetime,
    mg: Decimal | None = None,
) -> LedgerEntry:
    """A correcting entry naming `entry`: it reverses `mg` of it (all of it by default),
    never editing it. An administration or waste corrected puts the drug back on the lot's
    balance; a receipt corrected takes it off (refused if that would go below zero)."""
    text = " ".join(reason.split())
    if len(text) < 5:
        raise ValidationError({"reason": "Say why this entry is corrected."})
    if entry.kind not in (EntryKind.ADMINISTRATION, EntryKind.WASTE, EntryKind.RECEIPT):
        raise ValidationError("Only a receipt, an administration or a waste can be corrected.")
    with transaction.atomic():
        locked = lock_lot(entry.lot_id)
        open_mg = -(entry.mg + corrected_mg(entry))
        amount = open_mg if mg is None else (-mg if entry.mg > 0 else mg)
        if amount == 0 or (amount > 0) != (open_mg > 0) or abs(amount) > abs(open_mg):
            raise ValidationError(
                {"reason": "This entry is already corrected (or the amount exceeds it)."}
            )
        units = units_for_mg(locked, amount)
        if abs(open_mg) == abs(amount):
            units = -(entry.units + corrected_units(entry))
        return post_entry(
            lot=locked,
            kind=EntryKind.CORRECTION,
            units=units,
            mg=amount,
            actor=actor,
            occurred_at=occurred_at,
            field="reason",
            corrects=entry,
            patient=entry.patient,
            source_ref=entry.source_ref,
            reason=text[:500],
        )


def corrected_mg(entry: LedgerEntry) -> Decimal:
    return sum((c.mg for c in LedgerEntry.objects.filter(corrects=entry)), start=Decimal(0))


def corrected_units(entry: LedgerEntry) -> Decimal:
    return sum((c.units for c in LedgerEntry.objects.filter(corrects=entry)), start=Decimal(0))
