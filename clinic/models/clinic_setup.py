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
    """The clinic's stored configuration. One row (pk 1), edited by the admin role."""

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

    # Vital-sign limits (session-monitoring.md, engine-api.md VitalLimits defaults).
    bp_high_warning_systolic = models.PositiveSmallIntegerField(default=160)
    bp_high_warning_diastolic = models.PositiveSmallIntegerField(default=100)
    bp_high_critical_systolic = models.PositiveSmallIntegerField(default=180)
    bp_high_critical_diastolic = models.PositiveSmallIntegerField(default=110)
    bp_low_warning = models.PositiveSmallIntegerField("BP low warning (systolic)", default=90)
    bp_low_critical = models.PositiveSmallIntegerField("BP low critical (systolic)", default=80)
    hr_high_warning = models.PositiveSmallIntegerField(default=120)
    hr_high_critical = models.PositiveSmallIntegerField(default=140)
    hr_low_warning = models.PositiveSmallIntegerField(default=50)
    hr_low_critical = models.PositiveSmallIntegerField(default=40)
    spo2_low_warning = models.PositiveSmallIntegerField(default=94)
    spo2_low_critical = models.PositiveSmallIntegerField(default=90)
    rr_low_warning = models.PositiveSmallIntegerField(default=10)
    rr_low_critical = models.PositiveSmallIntegerField(default=8)
    rr_high_warning = models.PositiveSmallIntegerField(default=30)
    rr_high_critical = models.PositiveSmallIntegerField(default=40)
    bp_rise_warning = models.PositiveSmallIntegerField(default=40)
    predose_bp_esketamine_systolic = models.PositiveSmallIntegerField(default=140)
    predose_bp_esketamine_diastolic = models.PositiveSmallIntegerField(default=90)
    predose_bp_esketamine_65_systolic = models.PositiveSmallIntegerField(default=150)
    predose_bp_esketamine_65_diastolic = models.PositiveSmallIntegerField(default=90)
    predose_bp_other_systolic = models.PositiveSmallIntegerField(default=160)
    predose_bp_other_diastolic = models.PositiveSmallIntegerField(default=100)
    predose_hr_low = models.PositiveSmallIntegerField(default=45)
    predose_hr_high = models.PositiveSmallIntegerField(default=120)
    predose_spo2 = models.PositiveSmallIntegerField(default=94)

    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_settings_single_row")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.bp_high_critical_systolic <= self.bp_high_warning_systolic:
            errors["bp_high_critical_systolic"] = "Must be above the warning level."
        if self.bp_low_critical >= self.bp_low_warning:
            errors["bp_low_critical"] = "Must be below the warning level."
        if self.hr_high_critical <= self.hr_high_warning:
            errors["hr_high_critical"] = "Must be above the warning level."
        if self.hr_low_critical >= self.hr_low_warning:
            errors["hr_low_critical"] = "Must be below the warning level."
        if self.spo2_low_critical >= self.spo2_low_warning:
            errors["spo2_low_critical"] = "Must be below the warning level."
        if self.predose_hr_low >= self.predose_hr_high:
            errors["predose_hr_low"] = "Must be below the upper heart-rate limit."
        if self.spo2_low_warning > 100 or self.predose_spo2 > 100:
            errors["spo2_low_warning"] = "SpO2 limits are percentages (at most 100)."
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def vital_limit_values(self) -> dict[str, int | tuple[int, int]]:
        """The stored limits as keyword arguments for `sessions.monitoring.VitalLimits`."""
        return {
            "bp_high_warning": (self.bp_high_warning_systolic, self.bp_high_warning_diastolic),
            "bp_high_critical": (self.bp_high_critical_systolic, self.bp_high_critical_diastolic),
            "bp_low_warning": self.bp_low_warning,
            "bp_low_critical": self.bp_low_critical,
            "hr_high_warning": self.hr_high_warning,
            "hr_high_critical": self.hr_high_critical,
            "hr_low_warning": self.hr_low_warning,
            "hr_low_critical": self.hr_low_critical,
            "spo2_low_warning": self.spo2_low_warning,
            "spo2_low_critical": self.spo2_low_critical,
            "rr_low_warning": self.rr_low_warning,
            "rr_low_critical": self.rr_low_critical,
            "rr_high_warning": self.rr_high_warning,
            "rr_high_critical": self.rr_high_critical,
            "bp_rise_warning": self.bp_rise_warning,
            "predose_bp_esketamine": (
                self.predose_bp_esketamine_systolic,
                self.predose_bp_esketamine_diastolic,
            ),
            "predose_bp_esketamine_65": (
                self.predose_bp_esketamine_65_systolic,
                self.predose_bp_esketamine_65_diastolic,
            ),
            "predose_bp_other": (self.predose_bp_other_systolic, self.predose_bp_other_diastolic),
            "predose_hr": (self.predose_hr_low, self.predose_hr_high),
            "predose_spo2": self.predose_spo2,
        }


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
