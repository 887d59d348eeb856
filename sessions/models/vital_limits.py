"""The clinic's vital-sign limits: when a reading raises a warning or a critical alert,
and what the pre-dose gate lets through (session-monitoring.md). Edited by the admin on
the clinic settings page; the rule engine (`sessions.monitoring.VitalLimits`) holds the
defaults, so a clinic that never saved its limits gets engine-api.md's tables."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import ClinicSettings
from sessions.monitoring import VitalLimits

ENGINE_DEFAULTS = VitalLimits()


def _limit(default: int, label: str | None = None) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=default)


class VitalLimitSettings(models.Model):
    """The clinic's vital-sign alert and pre-dose gate limits: one row per clinic (its key
    is the clinic settings row), read with that row in the request's one settings query."""

    clinic = models.OneToOneField(
        ClinicSettings,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="vital_limits",
    )
    bp_high_warning_systolic = _limit(ENGINE_DEFAULTS.bp_high_warning[0])
    bp_high_warning_diastolic = _limit(ENGINE_DEFAULTS.bp_high_warning[1])
    bp_high_critical_systolic = _limit(ENGINE_DEFAULTS.bp_high_critical[0])
    bp_high_critical_diastolic = _limit(ENGINE_DEFAULTS.bp_high_critical[1])
    bp_low_warning = _limit(ENGINE_DEFAULTS.bp_low_warning, "BP low warning (systolic)")
    bp_low_critical = _limit(ENGINE_DEFAULTS.bp_low_critical, "BP low critical (systolic)")
    hr_high_warning = _limit(ENGINE_DEFAULTS.hr_high_warning)
    hr_high_critical = _limit(ENGINE_DEFAULTS.hr_high_critical)
    hr_low_warning = _limit(ENGINE_DEFAULTS.hr_low_warning)
    hr_low_critical = _limit(ENGINE_DEFAULTS.hr_low_critical)
    spo2_low_warning = _limit(ENGINE_DEFAULTS.spo2_low_warning)
    spo2_low_critical = _limit(ENGINE_DEFAULTS.spo2_low_critical)
    rr_low_warning = _limit(ENGINE_DEFAULTS.rr_low_warning)
    rr_low_critical = _limit(ENGINE_DEFAULTS.rr_low_critical)
    rr_high_warning = _limit(ENGINE_DEFAULTS.rr_high_warning)
    rr_high_critical = _limit(ENGINE_DEFAULTS.rr_high_critical)
    bp_rise_warning = _limit(ENGINE_DEFAULTS.bp_rise_warning)
    predose_bp_esketamine_systolic = _limit(ENGINE_DEFAULTS.predose_bp_esketamine[0])
    predose_bp_esketamine_diastolic = _limit(ENGINE_DEFAULTS.predose_bp_esketamine[1])
    predose_bp_esketamine_65_systolic = _limit(ENGINE_DEFAULTS.predose_bp_esketamine_65[0])
    predose_bp_esketamine_65_diastolic = _limit(ENGINE_DEFAULTS.predose_bp_esketamine_65[1])
    predose_bp_other_systolic = _limit(ENGINE_DEFAULTS.predose_bp_other[0])
    predose_bp_other_diastolic = _limit(ENGINE_DEFAULTS.predose_bp_other[1])
    predose_hr_low = _limit(ENGINE_DEFAULTS.predose_hr[0])
    predose_hr_high = _limit(ENGINE_DEFAULTS.predose_hr[1])
    predose_spo2 = _limit(ENGINE_DEFAULTS.predose_spo2)

    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "vital-sign limits"
        verbose_name_plural = "vital-sign limits"

    def __str__(self) -> str:
        return "Vital-sign limits"

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
