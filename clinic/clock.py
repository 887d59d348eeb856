"""The domain's clock: what time the services, selectors and record rules take as "now".

Production never sets it: outside `at(...)` `now()` is `django.utils.timezone.now()`, the
real time. The demo (`manage.py seed_demo`) and tests run a block of work `at` another
moment, so a session record of three weeks ago is made by the same service calls a nurse
makes at the chair, each at the moment it happened. The moment lives in the work context
(`clinic.context`), which a request cannot set (the middleware opens a fresh context).

Audit rows do not read this clock: they record when the write really happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from clinic import context


def now() -> dt.datetime:
    """The current moment of the work running now: the real time unless inside `at()`."""
    moment = context.current().clock
    return moment if moment is not None else timezone.now()


def localdate(zone: dt.tzinfo | None = None) -> dt.date:
    """Today in `zone` (the active time zone by default) by this clock."""
    return timezone.localdate(now(), zone)


@contextmanager
def at(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Run the block as if it were `moment` (aware). For the demo and tests only."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at() needs an aware datetime.")
    frozen = dataclasses.replace(context.current(), clock=moment)
    with context.use(frozen):
        yield moment
