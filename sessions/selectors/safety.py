"""The clinic's safety settings as the rule modules take them: vital-sign limits, dose
limits and the pregnancy-test policy."""

from __future__ import annotations

from clinic.models import ClinicSettings
from clinic.selectors import clinic_settings
from sessions import dosing, monitoring
from sessions.models import (
    SessionSafetySettings,
)


def vital_limits(clinic: ClinicSettings | None = None) -> monitoring.VitalLimits:
    """The clinic's stored limits as the engine takes them."""
    return monitoring.VitalLimits(**(clinic or clinic_settings()).vital_limit_values())


def safety_settings() -> SessionSafetySettings:
    """The clinic's dose limits and pregnancy-test policy, created with defaults."""
    row = SessionSafetySettings.objects.filter(pk=1).first()
    if row is None:
        row, _ = SessionSafetySettings.objects.get_or_create(pk=1)
    return row


def dose_limits(settings_row: SessionSafetySettings | None = None) -> dosing.DoseLimits:
    """The clinic's stored dose limits as the engine takes them."""
    return dosing.DoseLimits(**(settings_row or safety_settings()).dose_limit_values())
