"""Reminder kinds: what a reminder is about, declared by the app that sends it.

The core sends one kind itself, the urgent staff alert (`reminders.send_now`), so it
declares that one here. Every other kind (a booking confirmation, an unfinished intake,
a booster due …) belongs to a feature app, which declares it when it loads
(`AppConfig.ready`) with `define_kind`, naming the function that builds its message:

    SESSION_24H = "session_24h"
    kinds.define_kind(SESSION_24H, "Session in 24 hours", context=session_context)

`Reminder.kind` takes its choices from `kind_choices` (a callable, read when a form, the
admin or `get_kind_display()` asks), so the core's model names no feature's kind.
Migrations refer to `kind_choices` by this dotted path: keep it here, and keep this
module free of model imports (the models import it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from clinic.models import Reminder

# Builds a message's context from its row, or returns None when the reminder no longer
# applies (a cancelled session, an intake submitted meanwhile): it is then not sent.
ContextBuilder = Callable[["Reminder"], "dict[str, Any] | None"]

# Reminder.kind's max_length: a longer value could not be stored.
KIND_MAX_LENGTH = 24


@dataclass(frozen=True)
class ReminderKindSpec:
    value: str
    label: str
    context: ContextBuilder
    # Its very existence is a clinical fact: only roles with clinic.see_clinical_reminders
    # see that it went out (an urgent suicide-risk alert).
    clinical: bool = False
    # Sent by text message alone to a patient who chose both channels (a short notice
    # shortly before the session reads better on the phone than in the inbox).
    prefer_sms: bool = False


KINDS: dict[str, ReminderKindSpec] = {}


def define_kind(
    value: str,
    label: str,
    *,
    context: ContextBuilder,
    clinical: bool = False,
    prefer_sms: bool = False,
) -> str:
    """Declare a reminder kind (once per process, from its app's `ready()`); returns the
    value to plan rows with."""
    if value in KINDS:
        raise ImproperlyConfigured(f"The reminder kind {value!r} is already defined.")
    if not value or len(value) > KIND_MAX_LENGTH:
        raise ImproperlyConfigured(
            f"A reminder kind is 1 to {KIND_MAX_LENGTH} characters long, not {value!r}."
        )
    KINDS[value] = ReminderKindSpec(
        value=value, label=label, context=context, clinical=clinical, prefer_sms=prefer_sms
    )
    return value


def kind_choices() -> list[tuple[str, str]]:
    """The choices of `Reminder.kind`: every kind declared so far, in declaration order."""
    return [(spec.value, spec.label) for spec in KINDS.values()]


def context_builder(kind: str) -> ContextBuilder | None:
    spec = KINDS.get(kind)
    return spec.context if spec else None


def clinical_kinds() -> frozenset[str]:
    """Kinds hidden from roles without clinic.see_clinical_reminders."""
    return frozenset(spec.value for spec in KINDS.values() if spec.clinical)


def prefers_sms(kind: str) -> bool:
    spec = KINDS.get(kind)
    return spec is not None and spec.prefer_sms


# --- The core's own kind: the urgent staff alert ------------------------------------------

# Urgent alerts come from several apps; each registers a builder for its subject prefix
# ("urgent", "vital-alert", "adverse-event") under the one `urgent_alert` kind.
URGENT_CONTEXT: dict[str, ContextBuilder] = {}


def register_urgent(prefix: str, builder: ContextBuilder) -> None:
    URGENT_CONTEXT[prefix] = builder


def _urgent_context(reminder: Reminder) -> dict[str, Any] | None:
    builder = URGENT_CONTEXT.get(reminder.target.split(":", 1)[0])
    return builder(reminder) if builder else None


URGENT_ALERT = define_kind("urgent_alert", "Urgent alert", context=_urgent_context, clinical=True)
