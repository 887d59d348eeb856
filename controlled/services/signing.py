"""Signing with one's own password: a count, an inventory, a witnessed destruction, a
witnessed waste. The one place a password is checked outside sign-in, so it is also the
one place that stops a colleague's password being guessed through a witness field: after
`MAX_FAILURES` wrong passwords for one person within `WINDOW` of the first, that person's
password is refused here until the window has passed (sign-in has its own lockout).

The wrong tries are counted in the shared cache (Redis in production, `CACHES` in
settings), not the database: a wrong password refuses the service, whose transaction rolls
back (a waste is checked inside the dose's transaction), and a row written there would
go with it. Every web process sees the same count. The window is measured with the
domain's clock (`clinic.clock`); the cache's own expiry only clears stale counts."""

from __future__ import annotations

import datetime as dt
import math

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.models import User

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def _keys(user: User) -> tuple[str, str]:
    base = f"controlled:signing-failures:{user.pk}"
    return f"{base}:count", f"{base}:since"


def _locked_until(user: User, now: dt.datetime) -> dt.datetime | None:
    """When the person's password is accepted again, if it is refused now."""
    count_key, since_key = _keys(user)
    since = cache.get(since_key)
    if since is None:
        return None
    if now - since >= WINDOW:  # the window is over: start counting again
        cache.delete_many([count_key, since_key])
        return None
    return since + WINDOW if cache.get(count_key, 0) >= MAX_FAILURES else None


def _note_failure(user: User, now: dt.datetime) -> None:
    count_key, since_key = _keys(user)
    expiry = int(WINDOW.total_seconds()) + 60
    cache.add(since_key, now, expiry)
    cache.add(count_key, 0, expiry)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between the two calls
        cache.add(count_key, 1, expiry)


def _retry_text(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        f"try again at {timezone.localtime(until):%H:%M} "
        f"(in {minutes} minute{'s' if minutes != 1 else ''})"
    )


def confirm_password(
    user: User, password: str, *, field: str, who: str = "Your", message: str = ""
) -> None:
    """Refuse (on `field`) unless `password` is `user`'s own password."""
    now = clock.now()
    until = _locked_until(user, now)
    if until is not None:
        raise ValidationError(
            {field: f"Too many wrong passwords for {user.display_name}: "
             f"{_retry_text(until, now)}, or ask another colleague. Nothing was recorded."}
        )  # fmt: skip
    if not password or not user.check_password(password):
        _note_failure(user, now)
        raise ValidationError(
            {field: message or f"{who} password did not match. Nothing was recorded."}
        )
    cache.delete_many(_keys(user))


def signature_of(user: User) -> str:
    return (user.get_full_name() or user.get_username())[:200]
