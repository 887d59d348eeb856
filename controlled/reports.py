"""The controlled-substance reports of one location over a date range, as an inspector
reads them (21 CFR 1304.21–1304.22(c)), in PDF and CSV: the administration log, the
receipts log, the waste and destruction log, the running balance of each lot, and the
inventories taken. Each report is a list of columns and a stream of rows read with a
fixed number of queries, whatever the number of rows.

A short report is made in the request: a PDF of at most `IN_REQUEST_ROWS["pdf"]` rows
(WeasyPrint lays out a long table at 20–115 ms a row, benchmarks/RESULTS.md), a CSV of at
most `IN_REQUEST_ROWS["csv"]` (a two-year CSV of a busy location streamed for 10–58 s).
A longer one is rendered by a Celery task into storage (`controlled.report_render`,
`controlled.services.report_files`) and downloaded from the reports page when ready.

CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) are prefixed with an apostrophe; numbers we format ourselves are not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.documents import render_pdf
from clinic.models import Location, Patient, User
from controlled.choices import CountPurpose, EntryKind
from controlled.models import CountLine, LedgerEntry, StockCount

Row = list[Any]
# At most this many rows in a report PDF made in the request: WeasyPrint lays out
# 20–115 ms a row on the bench machine (quiet to loaded: 287 rows took 33 s at load 9), so
# 100 rows stay well under a web worker's 30 s timeout even when loaded
# (benchmarks/RESULTS.md). A longer PDF is rendered by a worker.
PDF_MAX_ROWS = 100
# At most this many rows in a CSV streamed in the request: 566 rows took about 1 s at
# load 9, 13,030 rows 10–20 s; 2,000 rows stay within a few seconds. A longer CSV (a year
# or two of a busy location) is written by a worker.
CSV_MAX_ROWS = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One CSV cell: text from people is defused, our own numbers and dates are not."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int | float):
        return f"{value:f}" if isinstance(value, Decimal) else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def person(user: User | None) -> str:
    return user.display_name if user is not None else ""


def patient_address(patient: Patient | None) -> str:
    if patient is None:
        return ""
    parts = [
        patient.address_line1,
        patient.address_line2,
        patient.city,
        " ".join(part for part in (patient.region, patient.postal_code) if part),
    ]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Period:
    location: Location
    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = self.location.zone
        first = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min), zone)
        after = timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min), zone
        )
        return first, after

    def local(self, moment: dt.datetime) -> str:
        return f"{timezone.localtime(moment, self.location.zone):%Y-%m-%d %H:%M}"


# What each log reads with its entries: only what its rows print (each join and each
# related row built costs time per row: a two-year administration log is 13,000 rows).
ADMINISTRATION_RELATED = ("lot__product", "patient", "performed_by")
RECEIPT_RELATED = ("lot__product", "receipt__received_by")
WASTE_RELATED = (
    "lot__product",
    "patient",
    "performed_by",
    "witness",
    "destruction__first_witness",
    "destruction__second_witness",
)


def _entries_of(kinds: tuple[str, ...], related: tuple[str, ...]) -> Callable[[Period], QuerySet]:
    return lambda period: _entries(period, kinds, related)


def _entries(
    period: Period, kinds: Iterable[str], related: tuple[str, ...]
) -> QuerySet[LedgerEntry]:
    first, after = period.bounds()
    return (
        LedgerEntry.objects.filter(
            lot__location=period.location,
            kind__in=list(kinds),
            occurred_at__gte=first,
            occurred_at__lt=after,
        )
        .select_related(*related)
        .order_by("occurred_at", "pk")
    )


def _administration(period: Period, entry: LedgerEntry) -> Row:
    product = entry.lot.product
    return [
        period.local(entry.occurred_at),
        entry.patient.full_name if entry.patient else "",
        patient_address(entry.patient),
        product.name,
        product.ndc,
        entry.lot.lot_number,
        -entry.mg,
        -entry.units,
        product.unit,
        person(entry.performed_by),
        entry.get_kind_display() + (f" of entry {entry.corrects_id}" if entry.corrects_id else ""),
    ]


def _receipt(period: Period, entry: LedgerEntry) -> Row:
    receipt, product = entry.receipt, entry.lot.product
    return [
        f"{receipt.received_on:%Y-%m-%d}",
        receipt.supplier_name,
        receipt.supplier_address,
        receipt.supplier_dea,
        receipt.invoice_number,
        product.name,
        product.ndc,
        f"{product.strength_mg:f} mg/{'mL' if product.unit == 'mL' else 'device'}",
        product.get_form_display(),
        f"{product.container_units:f} {product.unit}",
        entry.lot.lot_number,
        f"{entry.lot.expires_on:%Y-%m-%d}",
        entry.containers,
        entry.units,
        entry.mg,
        person(receipt.received_by),
    ]


def _waste_or_destruction(period: Period, entry: LedgerEntry) -> Row:
    product, destruction = entry.lot.product, entry.destruction
    if destruction is not None:
        witnesses = f"{person(destruction.first_witness)}; {person(destruction.second_witness)}"
        manner = f"{destruction.get_reason_display()}: {destruction.method}"
    else:
        witnesses, manner = person(entry.witness), entry.reason or "Waste after a dose"
    return [
        period.local(entry.occurred_at),
        entry.get_kind_display(),
        entry.patient.full_name if entry.patient else "",
        product.name,
        product.ndc,
        entry.lot.lot_number,
        -entry.mg,
        -entry.units,
        product.unit,
        manner,
        person(entry.performed_by),
        witnesses,
    ]


def _balance_entries(period: Period) -> QuerySet[LedgerEntry]:
    first, after = period.bounds()
    return (
        LedgerEntry.objects.filter(
            lot__location=period.location, occurred_at__gte=first, occurred_at__lt=after
        )
        .select_related("lot__product", "performed_by")
        .order_by("lot__product__name", "lot__lot_number", "lot_id", "pk")
    )


def _balance(period: Period, entry: LedgerEntry) -> Row:
    return [
        entry.lot.product.name,
        entry.lot.lot_number,
        period.local(entry.occurred_at),
        entry.get_kind_display(),
        entry.units,
        entry.mg,
        entry.balance_units_after,
        entry.balance_mg_after,
        entry.lot.product.unit,
        person(entry.performed_by),
    ]


def _inventory_lines(period: Period) -> QuerySet[CountLine]:
    first, after = period.bounds()
    return (
        CountLine.objects.filter(
            count__location=period.location,
            count__counted_at__gte=first,
            count__counted_at__lt=after,
        )
        .select_related("count__counted_by", "lot__product")
        .order_by("count__counted_at", "count_id", "pk")
    )


def _inventory_line(period: Period, line: CountLine) -> Row:
    count, product = line.count, line.lot.product
    return [
        period.local(count.counted_at),
        count.get_purpose_display(),
        count.get_business_time_display(),
        product.name,
        product.ndc,
        f"{product.strength_mg:f} mg",
        product.get_form_display(),
        f"{product.container_units:f} {product.unit}",
        line.lot.lot_number,
        line.full_containers,
        line.opened_units,
        line.counted_units,
        line.expected_units,
        count.signature,
    ]


@dataclass(frozen=True)
class Report:
    """One report: its columns, the records it lists in a period (one query, ordered),
    one row per record, and the field that dates a record."""

    code: str
    title: str
    columns: list[str]
    records: Callable[[Period], QuerySet]
    row: Callable[[Period, Any], Row]
    dated_by: str = "occurred_at"
    landscape: bool = True

    def rows(self, period: Period) -> Iterator[Row]:
        for record in self.records(period).iterator(chunk_size=500):
            yield self.row(period, record)

    def longer_than(self, period: Period, limit: int) -> bool:
        """Whether the period holds more than `limit` records. One query, which reads at
        most `limit` + 1 records from the period's end (no count of a long period)."""
        latest_first = self.records(period).order_by(f"-{self.dated_by}")
        return latest_first.values_list(self.dated_by, flat=True)[limit : limit + 1].exists()

    def made_in_request(self, period: Period, fmt: str) -> bool:
        """Whether this report is short enough to make while the user waits."""
        return not self.longer_than(period, in_request_rows(fmt))


def in_request_rows(fmt: str) -> int:
    """The most rows a report of this format holds when made in the request."""
    return PDF_MAX_ROWS if fmt == "pdf" else CSV_MAX_ROWS


REPORTS: dict[str, Report] = {
    report.code: report
    for report in (
        Report(
            "administrations",
            "Administration log",
            ["Date and time", "Patient", "Patient's address", "Product", "NDC", "Lot",
             "Quantity (mg)", "Quantity (mL or devices)", "Unit", "Given by", "Entry"],
            _entries_of((EntryKind.ADMINISTRATION, EntryKind.CORRECTION), ADMINISTRATION_RELATED),
            _administration,
        ),
        Report(
            "receipts",
            "Receipts log",
            ["Date received", "Supplier", "Supplier's address", "Supplier's DEA number",
             "Invoice or order", "Product", "NDC", "Strength", "Form", "Container size",
             "Lot", "Expires", "Containers", "Units", "mg", "Received by"],
            _entries_of((EntryKind.RECEIPT,), RECEIPT_RELATED),
            _receipt,
        ),
        Report(
            "waste",
            "Waste and destruction log",
            ["Date and time", "Entry", "Patient", "Product", "NDC", "Lot", "Quantity (mg)",
             "Quantity (mL or devices)", "Unit", "Manner", "By", "Witnesses"],
            _entries_of((EntryKind.WASTE, EntryKind.DESTRUCTION), WASTE_RELATED),
            _waste_or_destruction,
        ),
        Report(
            "balances",
            "Running balance per lot",
            ["Product", "Lot", "Date and time", "Entry", "Units", "mg", "Balance (units)",
             "Balance (mg)", "Unit", "By"],
            _balance_entries,
            _balance,
        ),
        Report(
            "inventory",
            "Counts and inventories",
            ["Taken", "Kind", "Opening or close", "Product", "NDC", "Strength", "Form",
             "Container size", "Lot", "Full containers", "Opened (estimated)",
             "Counted", "Records held", "Signed"],
            _inventory_lines,
            _inventory_line,
            dated_by="count__counted_at",
        ),
    )
}  # fmt: skip


def report_pdf(report: Report, period: Period, *, generated_for: User) -> bytes:
    from clinic.selectors import clinic_settings

    clinic = clinic_settings()
    rows = [[safe_display(cell) for cell in row] for row in report.rows(period)]
    with timezone.override(period.location.zone):
        html = render_to_string(
            "controlled/documents/report.html",
            {
                "report": report,
                "period": period,
                "location": period.location,
                "clinic": clinic,
                "rows": rows,
                "total": len(rows),
                "generated_at": timezone.now(),
                "generated_for": generated_for,
                "paper": "A4" if clinic.paper_size == "A4" else "letter",
            },
        )
    return render_pdf(html)


def safe_display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def inventory_context(count: StockCount) -> dict[str, Any]:
    """The inventory as an inspector reads it (21 CFR 1304.11): per product, full
    containers and the estimated contents of opened ones."""
    lines = list(
        CountLine.objects.filter(count=count)
        .select_related("lot__product")
        .order_by("lot__product__drug", "lot__product__name", "lot__lot_number")
    )
    return {"count": count, "lines": lines, "is_inventory": count.purpose != CountPurpose.COUNT}


def _document(template: str, location: Location, context: dict[str, Any], user: User) -> bytes:
    from clinic.selectors import clinic_settings

    clinic = clinic_settings()
    with timezone.override(location.zone):
        html = render_to_string(
            template,
            {
                "clinic": clinic,
                "location": location,
                "generated_at": timezone.now(),
                "generated_for": user,
                "paper": "A4" if clinic.paper_size == "A4" else "letter",
                **context,
            },
        )
    return render_pdf(html)


def inventory_pdf(count: StockCount, *, generated_for: User) -> bytes:
    return _document(
        "controlled/documents/inventory.html", count.location, inventory_context(count),
        generated_for,
    )  # fmt: skip


def destruction_pdf(destruction: Any, *, generated_for: User) -> bytes:
    """DEA Form 41-style record of one destruction."""
    entries = list(
        LedgerEntry.objects.filter(destruction=destruction)
        .select_related("lot__product")
        .order_by("pk")
    )
    return _document(
        "controlled/documents/form_41.html",
        destruction.location,
        {"destruction": destruction, "entries": entries},
        generated_for,
    )
