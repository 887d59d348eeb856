"""Reading the controlled-substance record: a location's lots, one lot's entries with its
running balance, and the lots a dose may draw on. Every page that reads these is audited
by the view decorator (`@permits(VIEW_LEDGER, …)`); a lot looked up here is the page's
subject (`note_subject`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from clinic.context import note_subject
from clinic.models import Location, Patient, User
from clinic.policy import NotVisible
from clinic.selectors import current_location, work_locations
from controlled.models import LedgerEntry, Lot


@dataclass(frozen=True)
class LotRow:
    lot: Lot
    expired: bool
    disposal_due_on: dt.date | None
    disposal_overdue: bool


def locations_for(user: User) -> list[Location]:
    """The locations whose stock the user reads: the ones they work at (every active one
    for staff assigned to none), as for counts and reports (`work_locations`)."""
    return list(work_locations(user))


def location_chosen(user: User, location_id: str | int | None) -> Location | None:
    """The location asked for (`?location=`), else the one picked in the header's
    location picker, else the user's first."""
    options = locations_for(user)
    picked = current_location(user)
    for wanted in (location_id, picked.pk if picked else None):
        for location in options:
            if str(location.pk) == str(wanted):
                return location
    return options[0] if options else None


def stock_at(location: Location, *, today: dt.date, include_empty: bool = False) -> list[LotRow]:
    """The lots held at `location` (those with stock, or all), by product and expiry; one
    query whatever the number of lots."""
    lots = Lot.objects.filter(location=location).select_related("product", "named_patient")
    if not include_empty:
        lots = lots.filter(balance_units__gt=0)
    rows = []
    for lot in lots.order_by("product__drug", "product__name", "expires_on", "lot_number"):
        due = lot.disposal_due_on
        rows.append(
            LotRow(
                lot=lot,
                expired=lot.expires_on < today,
                disposal_due_on=due,
                disposal_overdue=due is not None and today > due and lot.balance_units > 0,
            )
        )
    return rows


def lot_for_user(user: User, lot_id: int) -> Lot:
    """One lot, noted as the page's subject (its ledger names patients)."""
    lot = (
        Lot.objects.filter(pk=lot_id).select_related("product", "location", "named_patient").first()
    )
    if lot is None or not work_locations(user).filter(pk=lot.location_id).exists():
        # Another location's stock is not this user's to read (staff assignment).
        raise NotVisible(patient_id=None, object_type="controlled.lot", object_id=lot_id)
    note_subject(patient_id=lot.named_patient_id, object_type="controlled.lot", object_id=lot.pk)
    return lot


def lot_entries(lot: Lot) -> QuerySet[LedgerEntry]:
    """Every entry of the lot in the order posted (its running balance), with who gave,
    recorded and witnessed it, the patient, the receipt and what corrects it; a fixed
    number of queries."""
    return (
        LedgerEntry.objects.filter(lot=lot)
        .select_related("performed_by", "recorded_by", "witness", "patient", "receipt", "corrects")
        .prefetch_related(Prefetch("corrections", queryset=LedgerEntry.objects.order_by("pk")))
        .order_by("pk")
    )


class LedgerPaginator(Paginator):
    """Pages of a lot's entries in the order posted; a page in the later half (the latest
    page, shown by default) is read newest first, `ORDER BY id DESC` from the end by the
    (lot, id) index, and put back in order: the database reads that page's rows and the
    ones after it, never the lot's whole history. Each entry carries the lot's balance
    after it (`balance_*_after`, written by `post_entry`), so the running balance needs
    no earlier row either."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        if bottom * 2 < self.count:
            return super().page(number)
        newest_first = list(self.object_list.reverse()[self.count - top : self.count - bottom])
        newest_first.reverse()
        return self._get_page(newest_first, number, self)


def entry_page(lot: Lot, entry_id: str, per_page: int) -> int | None:
    """The page of `lot_entries` (in the order posted, `per_page` a page) that holds the
    entry asked for; None for an entry that is not the lot's (one query)."""
    if not entry_id.isdigit() or int(entry_id) >= 2**63:
        return None
    counted = LedgerEntry.objects.filter(lot=lot, pk__lte=int(entry_id)).aggregate(
        position=Count("pk"), found=Count("pk", filter=Q(pk=int(entry_id)))
    )
    return (counted["position"] - 1) // per_page + 1 if counted["found"] else None


def location_stocks_drug(location: Location | None, drug: str) -> bool:
    """Whether `location` keeps its `drug` on the ledger (it has received some): from then
    on a dose there must draw on a ledger lot."""
    if location is None:
        return False
    return Lot.objects.filter(location=location, product__drug=drug).exists()


def usable_lots(
    location: Location | None, drug: str, patient: Patient | None, today: dt.date
) -> list[Lot]:
    """The lots a dose for `patient` may draw on at `location` today: in stock, not
    expired, and a named-patient lot only for its patient within its 14 days."""
    if location is None:
        return []
    lots = (
        Lot.objects.filter(
            location=location,
            product__drug=drug,
            balance_units__gt=0,
            expires_on__gte=today,
        )
        .select_related("product")
        .order_by("named_patient", "expires_on", "lot_number")
    )
    patient_id = patient.pk if patient else None
    return [lot for lot in lots if lot.usable_problem(today=today, patient_id=patient_id) is None]


def session_entries(source_ref: str) -> list[LedgerEntry]:
    """The entries a session record posted (administrations, waste, their corrections)."""
    return list(
        LedgerEntry.objects.filter(source_ref=source_ref)
        .select_related("lot__product")
        .order_by("pk")
    )
