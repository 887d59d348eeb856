"""Pure rules of the session record (spec: session-monitoring.md): which check-in items
apply, the fasting rule, a stored weight, when observation starts, whether dissociation
has resolved, how an entry is named, and the record's stage. No I/O."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clinic.choices import SexAtBirth
from sessions import monitoring
from sessions.models.checkin import CheckInItem

if TYPE_CHECKING:
    from sessions.models import DoseRecord, TreatmentSession, VitalReading


def pregnancy_applies(session: TreatmentSession) -> bool:
    # Clinically safer: ask unless the patient is recorded as male at birth.
    return session.patient.sex_at_birth != SexAtBirth.MALE


def checkin_required_items(session: TreatmentSession) -> list[str]:
    """The check-in items of this session, in the order the screen lists them."""
    items = [
        CheckInItem.IDENTITY,
        CheckInItem.WEIGHT,
        CheckInItem.FASTING,
        CheckInItem.ESCORT,
        CheckInItem.NO_DRIVING,
        CheckInItem.MEDICATION_CHANGES,
        CheckInItem.PHQ9,
        CheckInItem.ASQ,
    ]
    if pregnancy_applies(session):
        items.insert(5, CheckInItem.PREGNANCY)
    return items


FASTING_RULES = {
    monitoring.ESKETAMINE: (
        "No food for 2 hours and no liquids for 30 minutes before; nasal corticosteroids or "
        "decongestants at least 1 hour before."
    ),
}
FASTING_DEFAULT = "No food for 4 hours before; clear liquids until 2 hours before."


def fasting_rule(route: str) -> str:
    """The fasting instruction the check-in confirms, for this route."""
    return FASTING_RULES.get(route, FASTING_DEFAULT)


# The stages of a session as the screen and the board name them (`SessionState.stage`).
STAGES = (
    ("locked", "Co-signed and locked"),
    ("signed", "Signed by nurse — awaiting co-signature"),
    ("discharged", "Discharged"),
    ("ready", "Ready to leave"),
    ("observation", "Observation"),
    ("dosing", "Dosing"),
    ("predose", "Checked in — pre-dose"),
)


def weight_of(value: Any) -> Decimal:
    """A stored check-in weight: {"kg": "82.4", "confirmed": …}, or the kg as a string."""
    return Decimal(value["kg"] if isinstance(value, dict) else value)


def dissociation_resolved(readings: list[VitalReading]) -> bool:
    """The newest dissociation rating after the dose is 0 (clinician rating 0, or CADSS-6
    total 0, which means every item 0). No rating yet: not resolved."""
    rated = [r for r in readings if r.dissociation is not None or r.cadss6 is not None]
    if not rated:
        return False
    newest = rated[-1]
    return (newest.dissociation in (None, 0)) and (newest.cadss6 in (None, 0))


def observation_start(session: TreatmentSession, dose: DoseRecord | None) -> dt.datetime | None:
    """When the observation time starts: the end of an IV infusion, else the dose."""
    if dose is None:
        return None
    if session.route == "iv":
        return dose.ended_at
    return dose.started_at


ENTRY_KINDS = ("reading", "device", "event")


def entry_ref(kind: str, pk: int) -> str:
    """How an addendum names the entry it declares entered in error ("reading:12")."""
    return f"{kind}:{pk}"
