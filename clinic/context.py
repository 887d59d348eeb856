"""Where the work being done comes from: a web request, a Celery task or a command.

Services take an `actor` and plain values, never the request, so a task, an export or a
management command can call them. The facts an audit row needs about the origin (IP
address, request id, path) come from here instead: `RequestIdMiddleware` opens a context
for each request, `clinic.celery` opens one for each task (the task id is its request id)
and `command_context()` one for a management command. Code outside all of them (a shell,
a test calling a service directly) gets an empty context.

It also carries the domain's clock (`clinic.clock`): empty in production, so the
services read the real time; only the demo and tests set it, with `clock.at(moment)`.

The context also carries what the page-view audit needs: the patient record a scoped
lookup found (`note_subject`) and whether a refusal was already audited, so a request
writes exactly one `view` row, or one `denied` row, whatever the view does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Subject:
    """The record a page shows: its patient, its type and its id, as the audit names them."""

    patient_id: int | None
    object_type: str
    object_id: str


@dataclass
class WorkContext:
    source: str = "code"  # "web", "task", "command" or "code"
    ip_address: str | None = None
    request_id: str = ""
    path: str = ""
    user_agent: str = ""
    # Who is at the keyboard (web only), read lazily: the session middleware runs later.
    user_getter: Callable[[], Any] | None = None
    subjects: list[Subject] = field(default_factory=list)
    refusal_audited: bool = False
    # The moment the domain takes as "now" (`clinic.clock.at`); None is the real time.
    # Only `clinic.clock.at` sets it (a command inherits it from the code calling it): a
    # request never can.
    clock: dt.datetime | None = None

    @property
    def user(self) -> Any:
        user = self.user_getter() if self.user_getter is not None else None
        return user if user is not None and user.is_authenticated else None


_current: ContextVar[WorkContext | None] = ContextVar("clinic_work_context", default=None)


def current() -> WorkContext:
    """The context of the work running now (an empty one outside any)."""
    found = _current.get()
    return found if found is not None else WorkContext()


@contextmanager
def work_context(**facts: Any) -> Iterator[WorkContext]:
    """Run the block inside a fresh context holding `facts`."""
    with use(WorkContext(**facts)) as context:
        yield context


@contextmanager
def use(context: WorkContext) -> Iterator[WorkContext]:
    """Run the block inside `context` (an existing one, e.g. a copy with another clock)."""
    token = enter(context)
    try:
        yield context
    finally:
        leave(token)


def enter(context: WorkContext) -> Token[WorkContext | None]:
    """Make `context` current until `leave(token)`: for work that starts and ends in two
    separate hooks (a Celery task's prerun and postrun), where no `with` block fits."""
    return _current.set(context)


def leave(token: Token[WorkContext | None]) -> None:
    """Put back the context that `enter` replaced."""
    _current.reset(token)


@contextmanager
def command_context(name: str) -> Iterator[WorkContext]:
    """The context of a management command: its rows say which command wrote them. A
    command called from code running `clock.at(...)` (a test seeding the demo at a set
    hour) keeps that clock; from the shell there is none, so it is the real time."""
    outer = _current.get()
    clock = outer.clock if outer is not None else None
    with work_context(source="command", path=f"command:{name}"[:300], clock=clock) as context:
        yield context


def note_subject(
    *, patient_id: int | None, object_type: str, object_id: object, page: bool = False
) -> None:
    """A scoped lookup found this record for the current request (see `clinic.access`).

    The page's `view` row names the first record noted, unless a view names its page's
    subject with `page=True` (an intake page looks up the patient and shows one step)."""
    context = _current.get()
    if context is not None and context.source == "web":
        subject = Subject(patient_id, object_type, str(object_id)[:64])
        if page:
            context.subjects.insert(0, subject)
        else:
            context.subjects.append(subject)
