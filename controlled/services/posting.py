"""The one way stock moves: `post_entry` locks the lot's row, checks the new balance, and
writes the entry with the running balance and its audit row, in the caller's transaction.

Every other ledger service (receipts, administrations, waste, destruction, adjustments,
corrections) is a thin caller of this one, so the lock, the no-negative rule and the
audit row cannot be forgotten."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import User
from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot

CENT = Decimal("0.01")
ROUNDING_SLACK = Decimal("0.05")


def units_for_mg(lot: Lot, mg: Decimal) -> Decimal:
    """The product's units (mL, devices) holding `mg`, to 0.01."""
    return (mg / lot.product.strength_mg).quantize(CENT, rounding=ROUND_HALF_UP)


def describe_balance(lot: Lot) -> str:
    unit = lot.product.unit
    units = f"{lot.balance_units.normalize():f}"
    unit = unit if unit == "mL" else f"{unit}s"
    return f"Lot {lot.lot_number} holds {units} {unit} ({lot.balance_mg:.1f} mg)."


def lock_lot(lot_id: int) -> Lot:
    """The lot's row, locked until the caller's transaction ends (PostgreSQL: `FOR
    UPDATE`; SQLite serialises writers anyway)."""
    return Lot.objects.select_for_update().select_related("product", "location").get(pk=lot_id)


def post_entry(
    *,
    lot: Lot,
    kind: str,
    units: Decimal,
    mg: Decimal | None = None,
    actor: User,
    performed_by: User | None = None,
    occurred_at: dt.datetime,
    field: str = "quantity",
    **links: Any,
) -> LedgerEntry:
    """Move `units` (signed) of `lot`; `mg` defaults to units × strength. Refused, with
    the lot's balance in the message on `field`, when the balance would go below zero.
    The caller holds the transaction; this locks the lot itself."""
    if kind not in EntryKind.values:
        raise ValueError(f"Unknown entry kind {kind!r}")
    with transaction.atomic():
        locked = lock_lot(lot.pk)
        mg = locked.product.mg_for(units) if mg is None else mg
        after_units = locked.balance_units + units
        after_mg = locked.balance_mg + mg
        if after_mg == 0 and 0 < abs(after_units) <= ROUNDING_SLACK:
            # The last milligrams of a lot: its units go to zero with them (the units were
            # rounded from mg to 0.01).
            units, after_units = -locked.balance_units, Decimal(0)
        if after_units < 0 or after_mg < 0:
            raise ValidationError(
                {field: f"Not enough stock: {describe_balance(locked)} Nothing was recorded."}
            )
        Lot.objects.filter(pk=locked.pk).update(balance_units=after_units, balance_mg=after_mg)
        locked.balance_units, locked.balance_mg = after_units, after_mg
        lot.balance_units, lot.balance_mg = after_units, after_mg
        entry = LedgerEntry.objects.create(
            lot=locked,
            kind=kind,
            units=units,
            mg=mg,
            balance_units_after=after_units,
            balance_mg_after=after_mg,
            occurred_at=occurred_at,
            recorded_at=clock.now(),
            recorded_by=actor,
            performed_by=performed_by or actor,
            **links,
        )
        audit_record(
            action=AuditAction.CREATE,
            user=actor,
            patient=links.get("patient"),
            obj=entry,
        )
    return entry
