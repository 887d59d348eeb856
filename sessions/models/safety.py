"""The clinic's dose limits and pregnancy-test policy (one row, edited by the admin)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class PregnancyTestPolicy(models.TextChoices):
    FIRST_DOSE = "first_dose", "Before the first dose (and whenever pregnancy is unsure)"
    EVERY_DOSE = "every_dose", "Before every dose"


class SessionSafetySettings(models.Model):
    """The clinic's dose limits and pregnancy-test policy (one row, pk 1, edited by the
    admin). The limits are `sessions.dosing.DoseLimits`; the engine holds the defaults."""

    iv_usual_mg_per_kg = models.DecimalField(
        "IV usual (mg/kg, warn above)", max_digits=4, decimal_places=2, default=Decimal("0.75")
    )
    iv_max_mg_per_kg = models.DecimalField(
        "IV maximum (mg/kg, refuse above)", max_digits=4, decimal_places=2, default=Decimal("1.0")
    )
    im_usual_mg_per_kg = models.DecimalField(
        "IM usual (mg/kg, warn above)", max_digits=4, decimal_places=2, default=Decimal("0.75")
    )
    im_max_mg_per_kg = models.DecimalField(
        "IM maximum (mg/kg, refuse above)", max_digits=4, decimal_places=2, default=Decimal("1.0")
    )
    max_total_mg = models.DecimalField(
        "IV/IM maximum total (mg)", max_digits=6, decimal_places=1, default=Decimal("150")
    )
    oral_usual_mg = models.DecimalField(
        "Oral usual (mg, warn above)", max_digits=6, decimal_places=1, default=Decimal("200")
    )
    oral_max_mg = models.DecimalField(
        "Oral maximum (mg, refuse above)", max_digits=6, decimal_places=1, default=Decimal("300")
    )
    iv_min_infusion_minutes = models.PositiveSmallIntegerField(
        "Shortest IV infusion that may be ordered (minutes)", default=40
    )
    infusion_tolerance_percent = models.PositiveSmallIntegerField(
        "An infusion may run this much shorter than ordered (%)", default=10
    )
    weight_change_percent = models.PositiveSmallIntegerField(
        "Weight change that must be confirmed (%)", default=10
    )
    pregnancy_test_policy = models.CharField(
        max_length=12,
        choices=PregnancyTestPolicy.choices,
        default=PregnancyTestPolicy.FIRST_DOSE,
    )
    rems_form_version = models.ForeignKey(
        "RemsFormVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The REMS monitoring form version the clinic files (blank: the newest).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "dose limits and pregnancy tests"
        verbose_name_plural = "dose limits and pregnancy tests"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="session_safety_single_row"),
            models.CheckConstraint(
                condition=Q(iv_usual_mg_per_kg__lte=models.F("iv_max_mg_per_kg"))
                & Q(im_usual_mg_per_kg__lte=models.F("im_max_mg_per_kg"))
                & Q(oral_usual_mg__lte=models.F("oral_max_mg")),
                name="session_safety_usual_below_max",
            ),
        ]

    def __str__(self) -> str:
        return "Dose limits and pregnancy tests"

    def clean(self) -> None:
        errors = {}
        for usual, maximum in (
            ("iv_usual_mg_per_kg", "iv_max_mg_per_kg"),
            ("im_usual_mg_per_kg", "im_max_mg_per_kg"),
            ("oral_usual_mg", "oral_max_mg"),
        ):
            low, high = getattr(self, usual), getattr(self, maximum)
            if low is not None and high is not None and low > high:
                errors[usual] = "The usual dose must not be above the maximum."
        if self.infusion_tolerance_percent > 50:
            errors["infusion_tolerance_percent"] = "At most 50 %."
        if not 1 <= self.weight_change_percent <= 50:
            errors["weight_change_percent"] = "Between 1 and 50 %."
        if errors:
            raise ValidationError(errors)

    def dose_limit_values(self) -> dict[str, Any]:
        """The stored limits as keyword arguments for `sessions.dosing.DoseLimits`."""
        return {
            "iv_usual_mg_per_kg": self.iv_usual_mg_per_kg,
            "iv_max_mg_per_kg": self.iv_max_mg_per_kg,
            "im_usual_mg_per_kg": self.im_usual_mg_per_kg,
            "im_max_mg_per_kg": self.im_max_mg_per_kg,
            "max_total_mg": self.max_total_mg,
            "oral_usual_mg": self.oral_usual_mg,
            "oral_max_mg": self.oral_max_mg,
            "iv_min_infusion_minutes": self.iv_min_infusion_minutes,
            "infusion_tolerance": Decimal(self.infusion_tolerance_percent) / 100,
            "weight_change_fraction": Decimal(self.weight_change_percent) / 100,
        }
