"""`{% load record_labels %}`: plain words for the session record's stored codes."""

from __future__ import annotations

from typing import Any

from django import template

from sessions.monitoring import CRITERION_LABELS

register = template.Library()

# The codes of `sessions.monitoring.vital_alerts` in words. The thresholds are the
# clinic's (settings), so the words name what is out of range, not the number; the
# alert's own message holds the value.
ALERT_LABELS = {
    "BP_HIGH": "Blood pressure high",
    "BP_LOW": "Systolic blood pressure low",
    "HR_HIGH": "Heart rate high",
    "HR_LOW": "Heart rate low",
    "SPO2_LOW": "Oxygen saturation (SpO2) low",
    "RR_LOW": "Breathing rate low",
    "RR_HIGH": "Breathing rate high",
    "SEDATION": "Sedation (MOAA/S 3 or below)",
    "BP_RISE": "Systolic risen well above the pre-dose value",
}
LEVEL_WORDS = {"critical": "Critical", "warning": "Warning"}


@register.filter
def criterion_label(code: str) -> str:
    """A discharge criterion in words ("Minimum observation time passed")."""
    return CRITERION_LABELS.get(code, code.replace("_", " ").capitalize())


@register.filter
def checkin_entry_text(entry: Any) -> str:
    """A check-in entry's answer in words, as the session page shows it."""
    from sessions.wording import checkin_text

    return checkin_text(entry.item, entry.value)


@register.filter
def alert_label(alert: Any) -> str:
    """A vital alert in words with its level ("Critical: blood pressure high")."""
    label = ALERT_LABELS.get(alert.code, alert.code.replace("_", " ").capitalize())
    level = LEVEL_WORDS.get(alert.level, str(alert.level).capitalize())
    return f"{level}: {label[0].lower()}{label[1:]}"


@register.filter
def form_for(forms: dict[str, Any] | None, key: str) -> Any:
    """The bound form of one row (`in_error_forms|form_for:reading.ref`), if any."""
    return (forms or {}).get(key)
