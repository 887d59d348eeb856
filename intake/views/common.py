"""Helpers shared by the intake views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form


def attach_errors(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)
