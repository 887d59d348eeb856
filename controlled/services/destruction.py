"""Destruction of stock (DEA Form 41 data): expired, damaged or recalled stock, and unused
named-patient esketamine devices 14 days after receipt (never returned to stock). The
person destroying and two witnesses, three different people, each witness confirming
with their own password at that moment. Each lot destroyed is a destruction entry posted
through `post_entry`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.policy import may, require
from controlled import permissions
from controlled.choices import DestructionReason, EntryKind
from controlled.models import NAMED_PATIENT_DAYS, Destruction, Lot
from controlled.services.posting import post_entry
from controlled.services.signing import confirm_password


@dataclass(frozen=True)
class DestroyedLot:
    lot_id: int
    units: Decimal  # mL or devices, positive
    containers: int | None = None


@dataclass(frozen=True)
class Witness:
    user: User
    password: str


def _lot_problem(lot: Lot, reason: str, destroyed_on: dt.date) -> str | None:
    if reason == DestructionReason.EXPIRED and lot.expires_on >= destroyed_on:
        return f"Lot {lot.lot_number} expires on {lot.expires_on:%b %d, %Y}: it is not expired."
    if reason == DestructionReason.NAMED_PATIENT_UNUSED:
        if lot.named_patient_id is None:
            return f"Lot {lot.lot_number} is not a named-patient lot."
        if destroyed_on < lot.disposal_due_on:
            return (
                f"Lot {lot.lot_number} was received on {lot.received_on:%b %d}; its unused "
                f"devices are disposed of {NAMED_PATIENT_DAYS} days after receipt, from "
                f"{lot.disposal_due_on:%b %d, %Y}."
            )
    return None


def _check_people(actor: User, first: Witness, second: Witness) -> None:
    errors: dict[str, str] = {}
    for field, witness in (("first_witness", first), ("second_witness", second)):
        if witness.user.pk == actor.pk:
            errors[field] = "A witness is someone other than the person destroying the stock."
        elif not may(witness.user, permissions.WITNESS):
            errors[field] = f"{witness.user.display_name} may not witness a destruction."
    if first.user.pk == second.user.pk:
        errors["second_witness"] = "The two witnesses are two different people."
    if errors:
        raise ValidationError(errors)


def _checked_form(
    *,
    location: Location,
    reason: str,
    method: str,
    destroyed_on: dt.date | None,
    lines: list[DestroyedLot],
) -> tuple[str, dt.date, list[DestroyedLot]]:
    """The reason, method, date and quantities of a destruction, checked in that order:
    the method stripped, the date defaulted to today, the lines with a quantity."""
    if reason not in DestructionReason.values:
        raise ValidationError({"reason": "Choose why the stock is destroyed."})
    method = method.strip()
    if not method:
        raise ValidationError({"method": "Say how the stock was destroyed."})
    today = clock.localdate(location.zone)
    destroyed_on = destroyed_on or today
    if destroyed_on > today:
        raise ValidationError({"destroyed_on": "The destruction cannot be in the future."})
    lines = [line for line in lines if line.units]
    if not lines:
        raise ValidationError({"lines": "Enter the quantity destroyed of at least one lot."})
    if any(line.units < 0 for line in lines):
        raise ValidationError({"lines": "Quantities destroyed cannot be negative."})
    return method, destroyed_on, lines


def _lots_to_destroy(
    location: Location, lines: list[DestroyedLot], *, reason: str, destroyed_on: dt.date
) -> dict[int, Lot]:
    """The lots of the lines, by id: each held at this location and destroyable for this
    reason on that day."""
    lots = {
        lot.pk: lot
        for lot in Lot.objects.filter(location=location, pk__in=[line.lot_id for line in lines])
    }
    for line in lines:
        lot = lots.get(line.lot_id)
        if lot is None:
            raise ValidationError({"lines": "A lot chosen is not held at this location."})
        if problem := _lot_problem(lot, reason, destroyed_on):
            raise ValidationError({"lines": problem})
    return lots


def destruction_record(
    *,
    location: Location,
    reason: str,
    method: str,
    lines: list[DestroyedLot],
    first: Witness,
    second: Witness,
    actor: User,
    destroyed_on: dt.date | None = None,
    note: str = "",
) -> Destruction:
    """Record a witnessed destruction and post one destruction entry per lot. Refused,
    with the message on the field at fault, before anything is written."""
    require(actor, permissions.DESTROY_STOCK)
    method, destroyed_on, lines = _checked_form(
        location=location, reason=reason, method=method, destroyed_on=destroyed_on, lines=lines
    )
    _check_people(actor, first, second)
    confirm_password(first.user, first.password, field="first_password", who="The first witness's")
    confirm_password(
        second.user, second.password, field="second_password", who="The second witness's"
    )
    lots = _lots_to_destroy(location, lines, reason=reason, destroyed_on=destroyed_on)
    occurred_at = timezone.make_aware(
        dt.datetime.combine(destroyed_on, clock.now().astimezone(location.zone).time()),
        location.zone,
    )
    with transaction.atomic():
        destruction = Destruction.objects.create(
            location=location,
            reason=reason,
            method=method[:200],
            destroyed_on=destroyed_on,
            destroyed_by=actor,
            first_witness=first.user,
            second_witness=second.user,
            note=note.strip()[:500],
            recorded_at=clock.now(),
        )
        for line in lines:
            post_entry(
                lot=lots[line.lot_id],
                kind=EntryKind.DESTRUCTION,
                units=-line.units,
                actor=actor,
                witness=first.user,
                occurred_at=occurred_at,
                destruction=destruction,
                containers=line.containers,
                reason=f"{destruction.get_reason_display()}: {method}"[:500],
                field="lines",
            )
        audit_record(action=AuditAction.CREATE, user=actor, obj=destruction)
    return destruction
