"""What the clinic holds: a product (one NDC) and its lots at a location, each lot
keeping its own balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location, Patient
from controlled.choices import (
    Drug,
    Form,
)

# Named-patient esketamine devices are disposed of this many days after receipt.
NAMED_PATIENT_DAYS = 14


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
