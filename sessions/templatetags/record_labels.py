"""`{% load record_labels %}`: plain words for the session record's stored codes."""

from __future__ import annotations

from django import template

from sessions.monitoring import CRITERION_LABELS

register = template.Library()

# Check-in answers stored as codes (the pregnancy status of the day).
CHECKIN_VALUES = {
    "not_pregnant": "Not pregnant",
    "unsure": "Unsure (a test is needed before the dose)",
    "pregnant": "Pregnant",
    "not_applicable": "Not applicable",
}


@register.filter
def criterion_label(code: str) -> str:
    """A discharge criterion in words ("Minimum observation time passed")."""
    return CRITERION_LABELS.get(code, code.replace("_", " ").capitalize())


@register.filter
def checkin_value(value: object) -> object:
    return CHECKIN_VALUES.get(value, value) if isinstance(value, str) else value
