"""Password rules beyond Django's defaults."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from clinic.choices import AccountType


class StaffMinimumLengthValidator:
    """Staff passwords are at least 12 characters (security.md §2); patients keep Django's 8."""

    def __init__(self, min_length: int = 12) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        is_staff_account = user is None or getattr(user, "account_type", "") == AccountType.STAFF
        if is_staff_account and len(password) < self.min_length:
            raise ValidationError(
                f"Staff passwords must be at least {self.min_length} characters long.",
                code="password_too_short_for_staff",
            )

    def get_help_text(self) -> str:
        return f"Staff passwords must be at least {self.min_length} characters long."
