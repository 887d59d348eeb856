"""The session record's services under their earlier path (spec: session-monitoring.md).

Each lives in the module of its concept — `checkin`, `vitals`, `dose`, `infusion`,
`adverse_events`, `discharge`, `corrections`, `signoff`, `rems` — sharing the
lock-change-audit skeleton of `record_change`. The reads before the dose (the gate, what blocks
the dose, the dose plan) are selectors (`sessions.selectors.before_dose`). This module
only names them again for code that imports them from `sessions.services.records`.
"""

from __future__ import annotations

from sessions.selectors.before_dose import (
    DosePlan,
    dose_blockers,
    dose_plan,
    pregnancy_state,
    previous_weight,
    session_device_order,
    session_gate,
)
from sessions.services.adverse_events import AdverseEventInput, adverse_event_record
from sessions.services.checkin import (
    checkin_asq,
    checkin_medications,
    checkin_phq9,
    checkin_record,
    pregnancy_not_applicable_record,
    pregnancy_test_record,
    session_open,
    session_take_current_plan,
)
from sessions.services.corrections import (
    addendum_write,
    adverse_event_mark_entered_in_error,
    correctable_entries,
    device_mark_entered_in_error,
    reading_mark_entered_in_error,
)
from sessions.services.discharge import discharge_assess, session_discharge
from sessions.services.dose import DoseInput, device_record, dose_record, order_amend
from sessions.services.infusion import infusion_end, infusion_pause, infusion_resume, infusion_stop
from sessions.services.rems import rems_submission_record
from sessions.services.signoff import session_cosign, session_sign
from sessions.services.vitals import alert_acknowledge, gate_override, reading_record

__all__ = [
    "AdverseEventInput",
    "DoseInput",
    "DosePlan",
    "addendum_write",
    "adverse_event_mark_entered_in_error",
    "adverse_event_record",
    "alert_acknowledge",
    "checkin_asq",
    "checkin_medications",
    "checkin_phq9",
    "checkin_record",
    "correctable_entries",
    "device_mark_entered_in_error",
    "device_record",
    "discharge_assess",
    "dose_blockers",
    "dose_plan",
    "dose_record",
    "gate_override",
    "infusion_end",
    "infusion_pause",
    "infusion_resume",
    "infusion_stop",
    "order_amend",
    "pregnancy_not_applicable_record",
    "pregnancy_state",
    "pregnancy_test_record",
    "previous_weight",
    "reading_mark_entered_in_error",
    "reading_record",
    "rems_submission_record",
    "session_cosign",
    "session_device_order",
    "session_discharge",
    "session_gate",
    "session_open",
    "session_sign",
    "session_take_current_plan",
]
