"""What every change to a session record shares, written once: the session row locked
in one transaction, a signed record refused, the audit row of the change, and the
checks of a clinical time and a written reason (spec: session-monitoring.md §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import audit_record
from clinic.models import User
from sessions.models import RecordLocked, TreatmentSession

# How far back a nurse may chart an entry (charting after the fact is normal; days
# later is not) and how far ahead a clock may drift.
BACKDATE_LIMIT = dt.timedelta(hours=6)
CLOCK_SKEW = dt.timedelta(minutes=2)
MIN_REASON = 20


def audit_change(action: str, session: TreatmentSession, obj: object, actor: User) -> None:
    """The audit row of a change to the session record (same transaction)."""
    audit_record(action=action, user=actor, patient_id=session.patient_id, obj=obj)


ENDED_WITHOUT_DOSE = "This session ended without a dose; nothing more is charted on it."


def lock_for_write(session: TreatmentSession, *, ended_ok: bool = False) -> TreatmentSession:
    """Re-read the session under a row lock and refuse writes to a signed record.

    Every write to the record goes through here: from the nurse's signature on, only the
    co-signature (`session_cosign`) and addenda are taken. A session ended without a dose
    takes only its signature (`ended_ok`)."""
    fresh = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if fresh.cosigned_at is not None:
        raise RecordLocked
    if fresh.nurse_signed_at is not None:
        raise ValidationError("The nurse has signed this record; add an addendum instead.")
    if fresh.ended_without_dose_at is not None and not ended_ok:
        raise ValidationError(ENDED_WITHOUT_DOSE)
    return fresh


@contextmanager
def record_change(
    session: TreatmentSession, *, ended_ok: bool = False
) -> Iterator[TreatmentSession]:
    """One transaction around a change to the record, with the session re-read under its
    row lock (`lock_for_write`): `with record_change(session) as session: ...`."""
    with transaction.atomic():
        yield lock_for_write(session, ended_ok=ended_ok)


def clinical_time(value: dt.datetime | None, *, field: str, now: dt.datetime) -> dt.datetime:
    """The time an entry happened: now unless given; never in the future, never days back."""
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: "This time is in the future."})
    if value < now - BACKDATE_LIMIT:
        raise ValidationError(
            {field: "This time is more than 6 hours ago; write an addendum instead."}
        )
    return value


def reason_text(text: str, field: str = "reason") -> str:
    """A written reason (an override, an amended order): at least `MIN_REASON` characters."""
    cleaned = text.strip()
    if len(cleaned) < MIN_REASON:
        raise ValidationError({field: f"Write the reason (at least {MIN_REASON} characters)."})
    return cleaned
