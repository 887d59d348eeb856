"""The ledger: every movement of a lot is an entry; stock received (a receipt) and
stock destroyed (a destruction, DEA Form 41) carry their entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location, Patient
from clinic.models.clinic_setup import validate_dea_number
from controlled.choices import (
    DestructionReason,
    EntryKind,
)
from controlled.models.append_only import AppendOnly, append_only_triggers
from controlled.models.stock import Lot


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
        triggers = append_only_triggers("receipt")

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
        triggers = append_only_triggers("destruction")
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
        triggers = append_only_triggers("ledger_entry")
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
