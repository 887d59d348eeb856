"""The clinic's safety settings as the rule modules take them: vital-sign limits, dose
limits and the pregnancy-test policy."""

from __future__ import annotations

from clinic.models import ClinicSettings
from clinic.selectors import clinic_settings
from sessions import dosing, monitoring
from sessions.models import SessionSafetySettings, VitalLimitSettings


def vital_limit_settings(clinic: ClinicSettings | None = None) -> VitalLimitSettings | None:
    """The clinic's stored vital-sign limits, or None when the admin never saved any.

    The row comes with the settings row (`sessions.apps` registers the relation), so
    within a request this costs no query."""
    try:
        return (clinic or clinic_settings()).vital_limits
    except VitalLimitSettings.DoesNotExist:
        return None


def vital_limits(clinic: ClinicSettings | None = None) -> monitoring.VitalLimits:
    """The clinic's stored limits as the engine takes them; engine-api.md's defaults when
    none are stored."""
    stored = vital_limit_settings(clinic)
    if stored is None:
        return monitoring.VitalLimits()
    return monitoring.VitalLimits(**stored.vital_limit_values())


def safety_settings() -> SessionSafetySettings:
    """The clinic's dose limits and pregnancy-test policy, created with defaults."""
    row = SessionSafetySettings.objects.filter(pk=1).first()
    if row is None:
        row, _ = SessionSafetySettings.objects.get_or_create(pk=1)
    return row


def dose_limits(settings_row: SessionSafetySettings | None = None) -> dosing.DoseLimits:
    """The clinic's stored dose limits as the engine takes them."""
    return dosing.DoseLimits(**(settings_row or safety_settings()).dose_limit_values())
