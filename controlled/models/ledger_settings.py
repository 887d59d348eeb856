"""Per-location settings of the ledger: the waste witness, retention, the biennial
inventory's due date."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from clinic.models import Location


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
