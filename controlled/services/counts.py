"""Blind counts and inventories, and what a difference leads to.

The counter enters what they see (whole containers and the estimated contents of opened
ones) without the expected balance; at submission each lot is locked and its balance at
that moment is stored with the line, so the result compares like with like. A difference
opens a discrepancy, which a psychiatrist resolves with an explanation (an adjustment
entry through `post_entry`) or escalates to a theft or loss case. An inventory (21 CFR
1304.11) is a count that states whether it was taken at the opening or the close of
business."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.policy import require
from controlled import permissions
from controlled.choices import BusinessTime, CountPurpose, DiscrepancyStatus, EntryKind
from controlled.models import CountLine, Discrepancy, Lot, StockCount, TheftLossCase
from controlled.services.cases import case_open
from controlled.services.posting import post_entry
from controlled.services.signing import confirm_password, signature_of

INVENTORIES = (CountPurpose.INITIAL, CountPurpose.BIENNIAL)


@dataclass(frozen=True)
class CountedLot:
    """What the counter saw of one lot."""

    lot_id: int
    full_containers: int
    opened_units: Decimal


def countable_lots(location: Location) -> QuerySet[Lot]:
    """The lots a count lists: every lot holding stock by the ledger, and every unexpired
    lot (a lot the ledger says is empty may still be on the shelf)."""
    today = clock.localdate(location.zone)
    return (
        Lot.objects.filter(location=location)
        .filter(Q(balance_units__gt=0) | Q(expires_on__gte=today))
        .select_related("product", "named_patient")
        .order_by("product__drug", "product__name", "expires_on", "lot_number")
    )


def purpose_problem(location: Location, purpose: str) -> str | None:
    """Why this kind of count cannot be taken at this location now (None: it can)."""
    has_inventory = StockCount.objects.filter(location=location, purpose__in=INVENTORIES).exists()
    if purpose == CountPurpose.INITIAL and has_inventory:
        return f"{location.name} already has its initial inventory; take a biennial one."
    if purpose == CountPurpose.BIENNIAL and not has_inventory:
        return f"{location.name} has no initial inventory yet: take that first."
    return None


def _one_count_at_a_time(location: Location, purpose: str, last_count_seen: int | None) -> None:
    """Lock the location's row (a second count waits for the first to commit), then
    refuse a count that another one overtook while it was being made."""
    Location.objects.select_for_update().filter(pk=location.pk).first()
    latest = (
        StockCount.objects.filter(location=location)
        .select_related("counted_by")
        .order_by("-pk")
        .first()
    )
    if last_count_seen is not None and (latest.pk if latest else 0) != last_count_seen:
        at = timezone.localtime(latest.counted_at, location.zone)
        what = latest.get_purpose_display().lower()
        raise ValidationError(
            {"lines": f"{latest.counted_by.display_name} recorded a {what} "
             f"of {location.name} at {at:%H:%M} while you were counting, so yours was not "
             "recorded. Open theirs from the counts page, or start a new count there."}
        )  # fmt: skip
    if problem := purpose_problem(location, purpose):
        raise ValidationError({"purpose": problem})


def _checked_input(
    location: Location, purpose: str, business_time: str, lines: list[CountedLot]
) -> str:
    """Refuse what the form should have caught; the business time to record."""
    if purpose not in CountPurpose.values:
        raise ValidationError({"purpose": "Choose a count or an inventory."})
    if problem := purpose_problem(location, purpose):
        raise ValidationError({"purpose": problem})
    if purpose in INVENTORIES and business_time not in BusinessTime.values:
        raise ValidationError(
            {"business_time": "Say whether the inventory is taken at the opening or the close "
             "of business."}
        )  # fmt: skip
    for line in lines:
        if line.full_containers < 0 or line.opened_units < 0:
            raise ValidationError({"lines": "Counts cannot be negative."})
    return business_time if business_time in BusinessTime.values else ""


def _locked_lots(location: Location, wanted: dict[int, CountedLot]) -> list[Lot]:
    """The location's countable lots, locked, refused unless they are exactly the lots
    counted (and a device lot has no opened quantity)."""
    lots = list(countable_lots(location).select_for_update(of=("self",)).order_by("pk"))
    if {lot.pk for lot in lots} != set(wanted):
        raise ValidationError(
            {"lines": "The stock changed while you counted (a lot was added or emptied). "
             "Start the count again."}
        )  # fmt: skip
    for lot in lots:
        if lot.product.unit != "mL" and wanted[lot.pk].opened_units:
            raise ValidationError(
                {"lines": f"Lot {lot.lot_number}: nasal devices are counted whole."}
            )
    return lots


def _record_lines(
    count: StockCount, lots: list[Lot], wanted: dict[int, CountedLot], *, now: dt.datetime
) -> None:
    """One line per lot with the ledger's balance at this moment; a discrepancy for each
    line that differs."""
    for lot in lots:
        seen = wanted[lot.pk]
        counted = lot.product.container_units * seen.full_containers + seen.opened_units
        line = CountLine.objects.create(
            count=count,
            lot=lot,
            full_containers=seen.full_containers,
            opened_units=seen.opened_units,
            counted_units=counted,
            expected_units=lot.balance_units,
        )
        if line.difference != 0:
            Discrepancy.objects.create(line=line, opened_at=now)


def count_submit(
    *,
    location: Location,
    purpose: str,
    lines: list[CountedLot],
    password: str,
    actor: User,
    business_time: str = "",
    note: str = "",
    last_count_seen: int | None = None,
) -> StockCount:
    """Record a signed count (or inventory) of every countable lot of `location`; each
    line keeps the ledger's balance at this moment, and each difference opens a
    discrepancy. Refused with a message on the field at fault; nothing is written then.

    Counts of one location are recorded one at a time (its row is locked). Two managers
    counting the same stock at once record one count: `last_count_seen`, the location's
    latest count when the form was opened (0: none), refuses the later one, and an
    initial inventory is refused once another was recorded."""
    require(actor, permissions.COUNT_STOCK)
    business_time = _checked_input(location, purpose, business_time, lines)
    confirm_password(actor, password, field="password")
    wanted = {line.lot_id: line for line in lines}
    with transaction.atomic():
        _one_count_at_a_time(location, purpose, last_count_seen)
        lots = _locked_lots(location, wanted)
        now = clock.now()
        count = StockCount.objects.create(
            location=location,
            purpose=purpose,
            business_time=business_time,
            counted_at=now,
            counted_by=actor,
            signature=signature_of(actor),
            note=note.strip()[:500],
            recorded_at=now,
        )
        _record_lines(count, lots, wanted, now=now)
        audit_record(action=AuditAction.SIGN, user=actor, obj=count)
    return count


def _open_discrepancy(discrepancy_id: int) -> Discrepancy:
    found = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("line__lot__product", "line__count__location", "line__count__counted_by")
        .get(pk=discrepancy_id)
    )
    if found.status != DiscrepancyStatus.OPEN:
        raise ValidationError({"explanation": "This discrepancy was already decided."})
    return found


def _adjust(discrepancy: Discrepancy, *, reason: str, actor: User) -> None:
    """An adjustment entry of the difference the count found (counted − expected at the
    moment of the count): with nothing posted since, the balance becomes the counted
    quantity; doses given since the count stay in the balance."""
    line = discrepancy.line
    post_entry(
        lot=line.lot,
        kind=EntryKind.ADJUSTMENT,
        units=line.difference,
        actor=actor,
        occurred_at=clock.now(),
        discrepancy=discrepancy,
        reason=reason[:500],
        field="explanation",
    )


def discrepancy_resolve(*, discrepancy: Discrepancy, explanation: str, actor: User) -> Discrepancy:
    """Resolve with an explanation: an adjustment entry brings the lot to what was counted
    (refused, with the lot's balance, if it would go below zero)."""
    require(actor, permissions.RESOLVE_DISCREPANCY)
    explanation = explanation.strip()
    if not explanation:
        raise ValidationError({"explanation": "Explain the difference before resolving it."})
    with transaction.atomic():
        found = _open_discrepancy(discrepancy.pk)
        _adjust(found, reason=f"Count discrepancy resolved: {explanation}", actor=actor)
        found.status = DiscrepancyStatus.RESOLVED
        found.explanation = explanation
        found.decided_by = actor
        found.decided_at = clock.now()
        found.save(update_fields=["status", "explanation", "decided_by", "decided_at"])
        audit_record(action=AuditAction.UPDATE, user=actor, obj=found)
    return found


def discrepancy_escalate(
    *, discrepancy: Discrepancy, explanation: str, actor: User
) -> TheftLossCase:
    """Escalate to a theft or loss case, discovered at the count by its counter (the
    deadlines run from then). The ledger records the loss with an adjustment entry naming
    the discrepancy, so later counts do not find the same difference again."""
    require(actor, permissions.RESOLVE_DISCREPANCY)
    explanation = explanation.strip()
    if not explanation:
        raise ValidationError({"explanation": "Say why this is escalated."})
    with transaction.atomic():
        found = _open_discrepancy(discrepancy.pk)
        line, count = found.line, found.line.count
        unit = line.lot.product.unit
        description = (
            f"The {count.get_purpose_display().lower()} of {count.counted_at:%Y-%m-%d %H:%M} "
            f"found {line.counted_units:f} {unit} of {line.lot.product.name}, lot "
            f"{line.lot.lot_number}, where the records held {line.expected_units:f} {unit} "
            f"(difference {line.difference:+f} {unit}). {explanation}"
        )
        case = case_open(
            location=count.location,
            discovered_at=count.counted_at,
            discovered_by=count.counted_by,
            description=description,
            actor=actor,
        )
        _adjust(found, reason=f"Loss reported in theft/loss case {case.pk}", actor=actor)
        found.status = DiscrepancyStatus.ESCALATED
        found.explanation = explanation
        found.decided_by = actor
        found.decided_at = clock.now()
        found.case = case
        found.save(update_fields=["status", "explanation", "decided_by", "decided_at", "case"])
        audit_record(action=AuditAction.UPDATE, user=actor, obj=found)
    return case
