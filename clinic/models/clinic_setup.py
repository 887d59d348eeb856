"""The clinic itself: its settings row, its locations (each with its DEA registration and
REMS certification), opening hours, closures and chairs."""

from __future__ import annotations

import datetime as dt
import re
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


DEA_NUMBER_FORMAT = re.compile(r"^[A-Z]{2}[0-9]{7}$")
DEA_SCHEDULES = ("1", "2", "2N", "3", "3N", "4", "5")
# How long before a DEA registration expires the admin is warned (spec §1).
DEA_WARNING_DAYS = 60


def dea_check_digit(digits: str) -> int:
    """The DEA check digit of the first six digits: (1st + 3rd + 5th) + 2 × (2nd + 4th +
    6th), last digit of the sum."""
    odd = int(digits[0]) + int(digits[2]) + int(digits[4])
    even = int(digits[1]) + int(digits[3]) + int(digits[5])
    return (odd + 2 * even) % 10


def validate_dea_number(value: str) -> None:
    """Two letters and seven digits, the last being the DEA check digit (e.g. FR1234563)."""
    if not DEA_NUMBER_FORMAT.match(value):
        raise ValidationError(
            f"“{value}” is not a DEA number: two capital letters then seven digits "
            "(e.g. FR1234563)."
        )
    digits = value[2:]
    if dea_check_digit(digits) != int(digits[6]):
        raise ValidationError(
            f"“{value}” is not a valid DEA number: its check digit (the last digit) does not "
            "match the others. Check it against the registration certificate."
        )


def validate_dea_schedules(value: str) -> None:
    """A comma-separated list of the schedules the registration holds (e.g. 2,2N,3,3N,4,5)."""
    held = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [part for part in held if part not in DEA_SCHEDULES]
    if unknown:
        raise ValidationError(
            f"Unknown schedule(s): {', '.join(unknown)}. Use a comma-separated list of "
            f"{', '.join(DEA_SCHEDULES)}."
        )


class Location(models.Model):
    """One place of the clinic (spec: controlled-substances.md §1): its address, time zone
    and nurse capacity, its DEA registration (one per principal place of business, 21 CFR
    1301.12) and its REMS healthcare-setting certification. Chairs belong to a location;
    staff are assigned to one or more; a patient has a home location. Edited by the admin
    role in the admin site."""

    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(blank=True, max_length=500)
    phone = models.CharField(max_length=32, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    nurse_capacity = models.PositiveSmallIntegerField(
        default=3, help_text="Most sessions one nurse may be assigned at the same time."
    )
    dea_number = models.CharField(
        "DEA registration number",
        max_length=9,
        blank=True,
        validators=[validate_dea_number],
        help_text="Two letters and seven digits, as on the registration certificate.",
    )
    dea_schedules = models.CharField(
        "DEA schedules held",
        max_length=40,
        blank=True,
        validators=[validate_dea_schedules],
        help_text="Comma-separated, as on the certificate, e.g. 2,2N,3,3N,4,5 (ketamine is 3N).",
    )
    dea_expires_on = models.DateField("DEA registration expires on", null=True, blank=True)
    rems_certification_id = models.CharField(
        "REMS certification id",
        max_length=64,
        blank=True,
        help_text="This location's Spravato REMS healthcare-setting certification.",
    )
    rems_certified_on = models.DateField("REMS certified on", null=True, blank=True)
    is_active = models.BooleanField(default=True)

    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.dea_number:
            self.dea_number = self.dea_number.strip().upper()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def dea_problem(self, today: dt.date) -> str | None:
        """Why dosing is blocked here on `today` (the location's local date), in words;
        None while the registration is on file and not expired (valid through its expiry
        date)."""
        if not self.dea_number or self.dea_expires_on is None:
            return f"Dosing is blocked at {self.name}: it has no DEA registration on file."
        if self.dea_expires_on < today:
            return (
                f"Dosing is blocked at {self.name}: its DEA registration {self.dea_number} "
                f"expired on {self.dea_expires_on:%-d %B %Y}."
            )
        held = {part.strip().upper() for part in self.dea_schedules.split(",")}
        if "3N" not in held:
            # Ketamine and esketamine are Schedule III non-narcotics (21 CFR 1308.13).
            return (
                f"Dosing is blocked at {self.name}: its DEA registration {self.dea_number} "
                "does not cover Schedule III non-narcotics (3N), which ketamine and "
                "esketamine are."
            )
        return None


class OpeningHours(models.Model):
    """A location's hours on one weekday; a weekday without a row is closed there."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["location_id", "weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="opening_hours_close_after_open",
            ),
            models.UniqueConstraint(
                fields=["location", "weekday"],
                name="opening_hours_one_per_location_weekday",
                violation_error_message=(
                    "This location already has hours for that weekday: change that row."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "Closing time must be after opening time."})


class Closure(models.Model):
    """A whole day closed (holiday, training day): at one location, or with no location at
    every location of the clinic (a public holiday)."""

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="closures",
        null=True,
        blank=True,
        help_text="Leave empty to close every location that day (e.g. a public holiday).",
    )
    date = models.DateField()
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["date", "location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "date"],
                condition=Q(location__isnull=False),
                name="closure_one_per_location_date",
                violation_error_message="This location is already closed on that day.",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(location__isnull=True),
                name="closure_one_clinic_wide_per_date",
                violation_error_message="Every location is already closed on that day.",
            ),
        ]

    def __str__(self) -> str:
        where = self.location.name if self.location_id else "all locations"
        return f"{self.date:%Y-%m-%d} {self.reason} ({where})"


class Chair(models.Model):
    """A treatment chair or room where a session takes place."""

    name = models.CharField(max_length=60, unique=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="chairs")
    room = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name
