"""`{% load intake_labels %}`: plain words for flag codes and severities."""

from __future__ import annotations

from django import template

from intake.flag_labels import flag_label as _flag_label
from intake.flag_labels import severity_label as _severity_label

register = template.Library()


@register.filter
def flag_label(code: str) -> str:
    return _flag_label(code)


@register.filter
def severity_label(severity: str) -> str:
    return _severity_label(severity)
