"""Counts and inventories of stock, their lines, and the discrepancies a count finds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location
from controlled.choices import (
    BusinessTime,
    CountPurpose,
    DiscrepancyStatus,
)
from controlled.models.append_only import AppendOnly, append_only_triggers
from controlled.models.stock import Lot
from controlled.models.theft_loss import TheftLossCase


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
        triggers = append_only_triggers("stock_count")
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
        triggers = append_only_triggers("count_line")
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
