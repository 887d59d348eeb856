"""Check-in answers as a person reads them back: the session page and the session-record
PDF use the same words (never a stored code or a raw dictionary)."""

from __future__ import annotations

from typing import Any

from intake.instruments import ASQ_BAND_LABELS
from sessions import dosing
from sessions.forms import MEDICINE_CLASSES, PregnancyForm
from sessions.models.records import CheckInItem
from sessions.selectors.records import weight_of

PREGNANCY_TEXT: dict[str, str] = dict(PregnancyForm.base_fields["pregnancy"].choices)
PREGNANCY_TEXT.setdefault("not_applicable", "Not applicable")


def checkin_text(item: str, value: Any) -> str:
    """One check-in answer in words ("67.4 kg (148.6 lb)", "Not pregnant", "PHQ-9 4")."""
    if item == CheckInItem.WEIGHT:
        kg = weight_of(value)
        confirmed = (
            " — large change confirmed as re-measured"
            if (isinstance(value, dict) and value.get("confirmed"))
            else ""
        )
        return f"{kg} kg ({dosing.pounds(kg)} lb){confirmed}"
    if item == CheckInItem.PREGNANCY:
        return str(PREGNANCY_TEXT.get(value, value))
    if item == CheckInItem.MEDICATION_CHANGES and isinstance(value, dict):
        taking = [label for key, label in MEDICINE_CLASSES if value["medicines"].get(key)]
        return value["text"] + (f" — takes: {'; '.join(taking)}" if taking else "")
    if item == CheckInItem.PHQ9 and isinstance(value, dict):
        return f"PHQ-9 {value.get('total')} (question 9: {value.get('item9')})"
    if item == CheckInItem.ASQ and isinstance(value, dict):
        band = ASQ_BAND_LABELS.get(value.get("band", ""), "not scored")
        return f"ASQ {band}"
    if value is True:
        return "Confirmed"
    if value is False:
        return "No"
    return str(value)
