"""Compatibility: the session record's models now live in one module per concept
(`session`, `checkin`, `vitals`, `doses`, `safety`, `adverse_events`, `rems`). Only
`sessions/demo_records.py` still imports from here (another change rewrites it); import
from the package (`sessions.models`) or the concept's module instead. Remove this module
once nothing imports it.
"""

from sessions.models.adverse_events import AdverseEvent, AdverseEventType, InfusionAction, Severity
from sessions.models.checkin import (
    CheckInEntry,
    CheckInItem,
    PregnancyNotApplicable,
    PregnancyTest,
    PregnancyTestKind,
    PregnancyTestResult,
)
from sessions.models.doses import DeviceDose, DoseRecord, Drug, InfusionPause
from sessions.models.rems import RemsFormVersion, RemsSubmission
from sessions.models.safety import PregnancyTestPolicy, SessionSafetySettings
from sessions.models.session import (
    EnteredInError,
    LockedAwareQuerySet,
    RecordLocked,
    SessionAddendum,
    SessionPart,
    SessionQuerySet,
    TreatmentSession,
)
from sessions.models.vitals import (
    ALERT_CLOSED_IN_ERROR,
    AlertLevel,
    GateOverride,
    ReadingPhase,
    VitalAlert,
    VitalReading,
)

__all__ = [
    "ALERT_CLOSED_IN_ERROR",
    "AdverseEvent",
    "AdverseEventType",
    "AlertLevel",
    "CheckInEntry",
    "CheckInItem",
    "DeviceDose",
    "DoseRecord",
    "Drug",
    "EnteredInError",
    "GateOverride",
    "InfusionAction",
    "InfusionPause",
    "LockedAwareQuerySet",
    "PregnancyNotApplicable",
    "PregnancyTest",
    "PregnancyTestKind",
    "PregnancyTestPolicy",
    "PregnancyTestResult",
    "ReadingPhase",
    "RecordLocked",
    "RemsFormVersion",
    "RemsSubmission",
    "SessionAddendum",
    "SessionPart",
    "SessionQuerySet",
    "SessionSafetySettings",
    "Severity",
    "TreatmentSession",
    "VitalAlert",
    "VitalReading",
]
