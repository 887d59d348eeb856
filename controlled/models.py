"""The controlled-substance record (spec controlled-substances.md §2).

Stock is held per location (DEA registration), product and lot. Every movement is a
`LedgerEntry`; entries are append-only (refused here and, on PostgreSQL, by a trigger) and
a mistake is corrected by a new entry naming the one it corrects. A lot's balance is the
sum of its entries, kept on the lot's own row, which every posting locks
(`select_for_update`), so two nurses drawing from one lot at once never both pass zero;
a check constraint refuses a negative balance as the last line of defence.

Quantities are kept twice, as the records must state them: in milligrams and in the
product's unit (millilitres of a vial's solution, or nasal devices).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location, Patient
from clinic.models.clinic_setup import validate_dea_number
from controlled.choices import (
    BusinessTime,
    CountPurpose,
    DestructionReason,
    DiscrepancyStatus,
    Drug,
    EntryKind,
    Form,
)

APPEND_ONLY = "Controlled-substance records are append-only: record a correcting entry."
# Named-patient esketamine devices are disposed of this many days after receipt.
NAMED_PATIENT_DAYS = 14


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


class AppendOnly(models.Model):
    """A record written once: no update, no delete (model layer; the trigger on
    PostgreSQL is declared on each concrete model)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


def _protected(name: str) -> list[pgtrigger.Trigger]:
    return [
        pgtrigger.Protect(name=f"{name}_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
    ]


class Product(models.Model):
    """A controlled drug product the clinic stocks (one NDC)."""

    name = models.CharField(max_length=120, help_text="As on the label, e.g. Ketalar 50 mg/mL.")
    drug = models.CharField(max_length=12, choices=Drug.choices)
    ndc = models.CharField("NDC", max_length=13, unique=True)
    form = models.CharField(max_length=14, choices=Form.choices)
    strength_mg = models.DecimalField(
        "Strength (mg per mL or per device)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    container_units = models.DecimalField(
        "Container size (mL per vial, or devices per pack)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    schedule = models.CharField(max_length=3, default="3N")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["drug", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(strength_mg__gt=0), name="product_strength"),
            models.CheckConstraint(condition=Q(container_units__gt=0), name="product_size"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (NDC {self.ndc})"

    @property
    def unit(self) -> str:
        return "mL" if self.form == Form.VIAL else "device"

    def mg_for(self, units: Decimal) -> Decimal:
        return (units * self.strength_mg).quantize(Decimal("0.01"))


class Lot(models.Model):
    """One manufacturer lot of a product held at a location; its balance is the sum of
    its entries, kept here and locked by every posting. A named-patient lot (esketamine
    devices dispensed by a specialty pharmacy for one patient) is usable only for that
    patient and is due for disposal 14 days after receipt."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="lots")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    named_patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_on = models.DateField()
    balance_units = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    balance_mg = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["location", "product", "expires_on", "lot_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_units__gte=0) & Q(balance_mg__gte=0),
                name="lot_balance_never_negative",
            ),
            models.UniqueConstraint(
                fields=["location", "product", "lot_number"],
                condition=Q(named_patient__isnull=True),
                name="lot_once_per_location",
            ),
            models.UniqueConstraint(
                fields=["location", "product", "lot_number", "named_patient"],
                name="named_lot_once_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} lot {self.lot_number}"

    @property
    def disposal_due_on(self) -> dt.date | None:
        if self.named_patient_id is None:
            return None
        return self.received_on + dt.timedelta(days=NAMED_PATIENT_DAYS)

    def usable_problem(self, *, today: dt.date, patient_id: int | None) -> str | None:
        """Why this lot cannot be drawn on for a dose today (None when it can)."""
        if today < self.received_on:
            return (
                f"Lot {self.lot_number} was received on {self.received_on:%b %d, %Y}; "
                "nothing can be given from it before that day."
            )
        if self.expires_on < today:
            return f"Lot {self.lot_number} expired on {self.expires_on:%b %d, %Y}."
        if self.named_patient_id is not None and self.named_patient_id != patient_id:
            return f"Lot {self.lot_number} was dispensed for another patient."
        due = self.disposal_due_on
        if due is not None and today > due:
            return (
                f"Lot {self.lot_number} was received on {self.received_on:%b %d}; "
                f"named-patient devices are disposed of after {NAMED_PATIENT_DAYS} days."
            )
        return None


class Receipt(AppendOnly):
    """Stock received from a supplier (21 CFR 1304.22(c)): supplier's name, address and
    DEA number, the invoice or order, the date received; its lines are receipt entries."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    supplier_name = models.CharField(max_length=160)
    supplier_address = models.CharField(max_length=300)
    supplier_dea = models.CharField(
        "Supplier's DEA number", max_length=9, validators=[validate_dea_number]
    )
    invoice_number = models.CharField("Invoice or order number", max_length=60)
    received_on = models.DateField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        triggers = _protected("receipt")

    def __str__(self) -> str:
        return f"Receipt {self.invoice_number} from {self.supplier_name}"


class Destruction(AppendOnly):
    """Stock destroyed (expired, damaged, unused named-patient devices): DEA Form 41
    data, with two witnesses; its lines are destruction entries."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=14, choices=DestructionReason.choices)
    method = models.CharField(max_length=200, help_text="e.g. Rx Destroyer chemical digestion")
    destroyed_on = models.DateField()
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-destroyed_on", "-pk"]
        triggers = _protected("destruction")
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_witness=models.F("second_witness"))
                & ~Q(first_witness=models.F("destroyed_by"))
                & ~Q(second_witness=models.F("destroyed_by")),
                name="destruction_three_people",
            )
        ]

    def __str__(self) -> str:
        return f"Destruction on {self.destroyed_on:%Y-%m-%d} ({self.get_reason_display()})"


class LedgerEntry(AppendOnly):
    """One movement of one lot. `units` and `mg` are signed: + into stock, − out of it.
    `balance_*_after` is the lot's balance once this entry is posted (the running
    balance an inspector reads). `occurred_at` is when it happened; `recorded_at` when it
    was written (21 CFR 1304.21: dated with the actual date of each event)."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=14, choices=EntryKind.choices)
    units = models.DecimalField(max_digits=10, decimal_places=2)
    mg = models.DecimalField(max_digits=12, decimal_places=2)
    balance_units_after = models.DecimalField(max_digits=10, decimal_places=2)
    balance_mg_after = models.DecimalField(max_digits=12, decimal_places=2)
    containers = models.PositiveIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Who gave the dose, wasted, destroyed (may differ from who recorded it).
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The session record a dose or waste came from, by key ("treatment_session:<id>"):
    # the ledger sits under the sessions app and never imports it.
    source_ref = models.CharField(max_length=64, blank=True, db_index=True)
    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    destruction = models.ForeignKey(
        Destruction, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    discrepancy = models.ForeignKey(
        "Discrepancy", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "ledger entries"
        triggers = _protected("ledger_entry")
        indexes = [
            models.Index(fields=["lot", "occurred_at"]),
            # The lot ledger page reads its latest page backwards by this index.
            models.Index(fields=["lot", "id"], name="controlled_entry_lot_id"),
            models.Index(fields=["kind", "occurred_at"]),
            # A report's PDF length check reads a location's latest entries of a period
            # backwards and stops at the PDF's limit (no scan of two years of entries).
            models.Index(fields=["occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.RECEIPT) | (Q(units__gt=0) & Q(receipt__isnull=False)),
                name="entry_receipt_adds_with_its_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[EntryKind.ADMINISTRATION, EntryKind.WASTE, EntryKind.DESTRUCTION]
                )
                | Q(units__lt=0),
                name="entry_outbound_takes_away",
            ),
            # Waste is witnessed unless the location turned the witness off where state law
            # allows (LedgerSettings.waste_witness_required, checked by the service).
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.WASTE) | ~Q(witness=models.F("performed_by")),
                name="entry_waste_witness_is_someone_else",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.ADJUSTMENT) | Q(discrepancy__isnull=False),
                name="entry_adjustment_resolves_a_discrepancy",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.CORRECTION) | Q(corrects__isnull=False),
                name="entry_correction_names_its_entry",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.DESTRUCTION) | Q(destruction__isnull=False),
                name="entry_destruction_with_its_form",
            ),
            models.CheckConstraint(
                condition=Q(balance_units_after__gte=0) & Q(balance_mg_after__gte=0),
                name="entry_balance_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.units} of lot {self.lot_id}"


class StockCount(AppendOnly):
    """A count of a location's stock, or its initial or biennial inventory (21 CFR
    1304.11: opening or close of business; an opened Schedule III container may be
    estimated). Blind: the counter enters what they see; the expected balance is stored
    with each line at submission and shown only then. Written once, signed at submission."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=10, choices=CountPurpose.choices)
    business_time = models.CharField(max_length=8, choices=BusinessTime.choices, blank=True)
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(
        max_length=200, help_text="The counter's name as signed, with their password confirmed."
    )
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-counted_at", "-pk"]
        triggers = _protected("stock_count")
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose=CountPurpose.COUNT) | ~Q(business_time=""),
                name="inventory_states_opening_or_close",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} of {self.counted_at:%Y-%m-%d}"


class CountLine(AppendOnly):
    """One lot in a count: whole containers, the estimated mL (or devices) in opened
    ones, and what the ledger expected at that moment."""

    count = models.ForeignKey(StockCount, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    full_containers = models.PositiveIntegerField()
    opened_units = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    counted_units = models.DecimalField(max_digits=10, decimal_places=2)
    expected_units = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        triggers = _protected("count_line")
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="count_line_once_per_lot"),
            models.CheckConstraint(
                condition=Q(opened_units__gte=0), name="count_opened_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Count {self.count_id}: lot {self.lot_id}"

    @property
    def difference(self) -> Decimal:
        return self.counted_units - self.expected_units


class TheftLossCase(models.Model):
    """Theft or significant loss: written notice to the DEA within one business day of
    discovery, then DEA Form 106 within 45 days (21 CFR 1301.76(b), 88 FR 40707)."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    discovered_at = models.DateTimeField()
    discovered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(help_text="What is missing and how it was found.")
    notice_due_on = models.DateField()
    form_106_due_on = models.DateField()
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    notice_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form_106_filed_at = models.DateTimeField(null=True, blank=True)
    form_106_filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form_106_reference = models.CharField(max_length=60, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-discovered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(form_106_due_on__gte=models.F("notice_due_on")),
                name="theft_loss_deadlines_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"Theft or loss discovered {self.discovered_at:%Y-%m-%d}"


class Discrepancy(models.Model):
    """A count line that differs from the ledger, until a psychiatrist resolves it with
    an explanation (an adjustment entry) or escalates it to a theft or loss case."""

    line = models.OneToOneField(CountLine, on_delete=models.PROTECT, related_name="discrepancy")
    status = models.CharField(
        max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    explanation = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        TheftLossCase, on_delete=models.PROTECT, null=True, blank=True, related_name="discrepancies"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DiscrepancyStatus.OPEN)
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False) & ~Q(explanation="")),
                name="discrepancy_decided_with_explanation",
            ),
            models.CheckConstraint(
                condition=~Q(status=DiscrepancyStatus.ESCALATED) | Q(case__isnull=False),
                name="discrepancy_escalated_to_a_case",
            ),
        ]

    def __str__(self) -> str:
        return f"Discrepancy on count line {self.line_id} ({self.status})"


class LedgerSettings(models.Model):
    """Per location: the waste witness (on unless the law allows otherwise), how long
    records are kept (never under 2 years), the date the next biennial inventory is due
    (the clinic may set an earlier, state-specific one)."""

    location = models.OneToOneField(
        Location, on_delete=models.PROTECT, related_name="ledger_settings"
    )
    waste_witness_required = models.BooleanField(
        default=True,
        help_text="Turn off only where state law allows a single person to record waste.",
    )
    retention_years = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(2)], help_text="At least 2 (21 CFR 1304.04)."
    )
    biennial_due_on = models.DateField(
        null=True,
        blank=True,
        help_text="Leave empty for two years after the last inventory; set an earlier "
        "state-specific date if your state asks for one.",
    )

    class Meta:
        verbose_name_plural = "ledger settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_years__gte=2), name="ledger_retention_two_years"
            )
        ]

    def __str__(self) -> str:
        return f"Ledger settings of location {self.location_id}"


# A report rendered by a worker (its own module: this one holds the ledger).
from controlled.report_file import ReportFile  # noqa: E402, F401
