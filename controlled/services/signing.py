"""Signing with one's own password: a count, an inventory, a witnessed destruction."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from clinic.models import User


def confirm_password(user: User, password: str, *, field: str, who: str = "Your") -> None:
    """Refuse (on `field`) unless `password` is `user`'s own password."""
    if not password or not user.check_password(password):
        raise ValidationError({field: f"{who} password did not match. Nothing was recorded."})


def signature_of(user: User) -> str:
    return (user.get_full_name() or user.get_username())[:200]
