"""Display helpers for templates."""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number shown the way people read it, e.g. +1 617-555-1000."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
