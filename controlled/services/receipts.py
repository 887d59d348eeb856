"""Stock received from a supplier (21 CFR 1304.22(c)): one `Receipt` with the supplier's
name, address and DEA number and the invoice, and per line a lot (found or opened at the
location) and a receipt entry of its containers, all in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, Patient, User
from clinic.models.clinic_setup import validate_dea_number
from clinic.policy import require
from controlled.choices import EntryKind, Form
from controlled.models import Lot, Product, Receipt
from controlled.permissions import RECEIVE_STOCK
from controlled.selectors.named_patients import named_patient_choices
from controlled.services.posting import post_entry


@dataclass(frozen=True)
class ReceiptLine:
    product: Product
    lot_number: str
    expires_on: dt.date
    containers: int
    named_patient: Patient | None = None


def line_key(index: int, field: str) -> str:
    """The error key of one line's field ("line-0-containers"): the receipt form puts the
    message next to that field of that line."""
    return f"line-{index}-{field}"


def _header_errors(
    supplier_name: str,
    supplier_address: str,
    supplier_dea: str,
    invoice_number: str,
    received_on: dt.date | None,
    today: dt.date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not supplier_name.strip():
        errors["supplier_name"] = "Enter the supplier's name."
    if not supplier_address.strip():
        errors["supplier_address"] = "Enter the supplier's address (21 CFR 1304.22(c))."
    dea = supplier_dea.strip().upper()
    if not dea:
        errors["supplier_dea"] = "Enter the supplier's DEA number (on the invoice or DEA Form 222)."
    else:
        try:
            validate_dea_number(dea)
        except ValidationError as error:
            errors["supplier_dea"] = error.messages[0]
    if not invoice_number.strip():
        errors["invoice_number"] = "Enter the invoice or order number."
    if received_on is None:
        errors["received_on"] = "Enter the date the stock was received."
    elif received_on > today:
        errors["received_on"] = "The date received can't be in the future."
    return errors


def _line_errors(lines: Sequence[ReceiptLine], today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not lines:
        errors["__all__"] = "Add at least one line: the product, lot and containers received."
    for index, line in enumerate(lines):
        if not line.lot_number.strip():
            errors[line_key(index, "lot_number")] = "Enter the lot number."
        if line.containers is None or line.containers <= 0:
            errors[line_key(index, "containers")] = "Enter how many containers (at least 1)."
        if line.expires_on is None:
            errors[line_key(index, "expires_on")] = "Enter the expiry date."
        elif line.expires_on < today:
            errors[line_key(index, "expires_on")] = (
                f"This lot expired on {line.expires_on:%b %d, %Y}: expired stock is not "
                "received into stock."
            )
        if line.named_patient is not None and line.product.form != Form.NASAL_DEVICE:
            errors[line_key(index, "named_patient")] = (
                "Only esketamine nasal devices are dispensed for a named patient."
            )
        if not line.product.is_active:
            errors[line_key(index, "product")] = "This product is no longer stocked."
    return errors


def _named_patient_errors(
    lines: Sequence[ReceiptLine], location: Location, actor: User, found: dict[str, str]
) -> dict[str, str]:
    """A named-patient line must name a patient on the nasal esketamine route at this
    location, in the actor's scope: the patients the receipt form offers
    (`named_patient_choices`), asked again here so no other caller skips it. One query
    for all the lines."""
    named = {
        index: line.named_patient.pk
        for index, line in enumerate(lines)
        if line.named_patient is not None and line_key(index, "named_patient") not in found
    }
    if not named:
        return {}
    allowed = set(
        named_patient_choices(actor, location)
        .filter(pk__in=set(named.values()))
        .values_list("pk", flat=True)
    )
    return {
        line_key(index, "named_patient"): (
            "This patient is not on nasal esketamine at this location: named-patient "
            "devices are received only for such a patient."
        )
        for index, patient_id in named.items()
        if patient_id not in allowed
    }


def _lot_for(location: Location, line: ReceiptLine, received_on: dt.date, index: int) -> Lot:
    """The lot of this line at this location (a named-patient lot is kept apart for its
    patient), opened if new; an existing lot must state the same expiry."""
    lot_number = line.lot_number.strip()[:40]
    lot, created = Lot.objects.get_or_create(
        location=location,
        product=line.product,
        lot_number=lot_number,
        named_patient=line.named_patient,
        defaults={"expires_on": line.expires_on, "received_on": received_on},
    )
    if not created and lot.expires_on != line.expires_on:
        raise ValidationError(
            {
                line_key(index, "expires_on"): (
                    f"Lot {lot_number} is already in stock with expiry "
                    f"{lot.expires_on:%b %d, %Y}; check the label."
                )
            }
        )
    return lot


def receipt_record(
    *,
    location: Location,
    supplier_name: str,
    supplier_address: str,
    supplier_dea: str,
    invoice_number: str,
    received_on: dt.date | None,
    lines: Sequence[ReceiptLine | tuple],
    actor: User,
) -> Receipt:
    """Record stock received at `location`: the receipt, a lot per line and a receipt
    entry per line (containers × container size), in one transaction. Refused, with the
    message on the field: a missing or invalid supplier DEA number, no lines, containers
    under 1, a lot already expired, a date received in the future, a named patient who is
    not a nasal-esketamine patient at `location`."""
    require(actor, RECEIVE_STOCK, message="Only a controlled-substance manager records receipts.")
    lines = [line if isinstance(line, ReceiptLine) else ReceiptLine(*line) for line in lines]
    today = timezone.localdate(clock.now())
    errors = _header_errors(
        supplier_name, supplier_address, supplier_dea, invoice_number, received_on, today
    )
    errors |= _line_errors(lines, today)
    errors |= _named_patient_errors(lines, location, actor, errors)
    if errors:
        raise ValidationError(errors)
    # Dated with the actual date of the event (21 CFR 1304.21(a)): today, now; an earlier
    # day (recorded late), its noon.
    occurred = clock.now()
    if received_on != today:
        occurred = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12)))
    with transaction.atomic():
        receipt = Receipt.objects.create(
            location=location,
            supplier_name=supplier_name.strip()[:160],
            supplier_address=supplier_address.strip()[:300],
            supplier_dea=supplier_dea.strip().upper(),
            invoice_number=invoice_number.strip()[:60],
            received_on=received_on,
            received_by=actor,
            recorded_at=clock.now(),
        )
        audit_record(action=AuditAction.CREATE, user=actor, obj=receipt)
        for index, line in enumerate(lines):
            lot = _lot_for(location, line, received_on, index)
            post_entry(
                lot=lot,
                kind=EntryKind.RECEIPT,
                units=line.product.container_units * line.containers,
                actor=actor,
                occurred_at=occurred,
                receipt=receipt,
                containers=line.containers,
                patient=line.named_patient,
                field=line_key(index, "containers"),
            )
    return receipt
