"""The session record in words as a person reads it back: check-in answers and the
pre-dose gate's hold reasons. The session page and the session-record PDF use the same
words (never a stored code or a raw dictionary)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from clinic.selectors import clinic_settings
from intake.instruments import ASQ_BAND_LABELS
from sessions import dosing, monitoring
from sessions.forms.records import MEDICINE_CLASSES, PregnancyForm
from sessions.models.checkin import CheckInItem
from sessions.record_rules import weight_of
from sessions.selectors.safety import vital_limits

if TYPE_CHECKING:
    from sessions.models import TreatmentSession
    from sessions.selectors.session_state import SessionState

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


def gate_reason_texts(session: TreatmentSession, state: SessionState) -> dict[str, str]:
    """Each hold reason of the pre-dose gate in words, with the limit that applied to this
    route and the patient's age that day (the session page and its PDF say the same)."""
    if not state.gate:
        return {}
    clinic = clinic_settings()
    age = session.patient.age_on(timezone.localdate(session.opened_at, clinic.zone)) or 0
    limits = vital_limits(clinic)
    return {
        code: monitoring.gate_reason_text(code, route=session.route, age=age, limits=limits)
        for code in state.gate.reasons
    }
