"""Signing with one's own password: a count, an inventory, a witnessed destruction, a
witnessed waste. The one place a password is checked outside sign-in, so it is also the
one place that stops a colleague's password being guessed through a witness field: after
`MAX_FAILURES` wrong passwords for one person within `WINDOW` seconds, that person's
password is refused here until the window has passed (sign-in has its own lockout)."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError

from clinic.models import User

MAX_FAILURES = 5
WINDOW = 15 * 60


def _failures_key(user: User) -> str:
    return f"controlled:signing-failures:{user.pk}"


def confirm_password(
    user: User, password: str, *, field: str, who: str = "Your", message: str = ""
) -> None:
    """Refuse (on `field`) unless `password` is `user`'s own password."""
    key = _failures_key(user)
    if cache.get(key, 0) >= MAX_FAILURES:
        raise ValidationError(
            {field: f"Too many wrong passwords for {user.display_name}: wait 15 minutes, or "
             "ask another colleague. Nothing was recorded."}
        )  # fmt: skip
    if not password or not user.check_password(password):
        cache.add(key, 0, WINDOW)
        cache.incr(key)
        raise ValidationError(
            {field: message or f"{who} password did not match. Nothing was recorded."}
        )
    cache.delete(key)


def signature_of(user: User) -> str:
    return (user.get_full_name() or user.get_username())[:200]
