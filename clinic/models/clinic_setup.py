"""The clinic itself: its settings row, opening hours, closures and chairs."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clinic.choices import PaperSize, Weekday


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. America/New_York).")


class ClinicSettings(models.Model):
    """The clinic's stored configuration. One row (pk 1), edited by the admin role.

    A feature app keeps its own per-clinic settings in a row of its own that points here
    (one-to-one) and registers that relation with `clinic.selectors.register_settings_relation`
    (sessions: its vital-sign limits)."""

    name = models.CharField(max_length=120, default="Ketamine Clinic")
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True, max_length=500)

    nurse_capacity = models.PositiveSmallIntegerField(
        default=3, help_text="Most sessions one nurse may be assigned at the same time."
    )
    invitation_valid_days = models.PositiveSmallIntegerField(default=7)
    rems_certification_id = models.CharField(
        "REMS certification id",
        max_length=64,
        blank=True,
        help_text="The clinic's Spravato REMS healthcare-setting certification.",
    )
    rems_certified_on = models.DateField("REMS certified on", null=True, blank=True)
    sms_quiet_start = models.TimeField(default="21:00")
    sms_quiet_end = models.TimeField(default="08:00")
    paper_size = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.A4)

    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_settings_single_row")]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OpeningHours(models.Model):
    """The clinic's hours on one weekday; a weekday without a row is closed."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="opening_hours_close_after_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "Closing time must be after opening time."})


class Closure(models.Model):
    """A whole day the clinic is closed (holiday, training day)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class Chair(models.Model):
    """A treatment chair or room where a session takes place."""

    name = models.CharField(max_length=60, unique=True)
    room = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name
