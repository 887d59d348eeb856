"""Models of the sessions app: scheduling (plans, appointments) and the session record,
one module per concept (the session and its lock, check-in, vitals, doses, dose limits,
adverse events, REMS) and the clinic's vital-sign limits."""

from sessions.models.adverse_events import AdverseEvent
from sessions.models.checkin import CheckInEntry, PregnancyNotApplicable, PregnancyTest
from sessions.models.doses import DeviceDose, DoseRecord, InfusionPause
from sessions.models.rems import RemsFormVersion, RemsSubmission
from sessions.models.safety import SessionSafetySettings
from sessions.models.scheduling import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BenefitDecision,
    BenefitReview,
    BoosterRequest,
    BoosterRequestSource,
    CalendarFeed,
    DoseMode,
    Protocol,
    TreatmentPlan,
    TsTzRange,
)
from sessions.models.session import RecordLocked, SessionAddendum, TreatmentSession
from sessions.models.vital_limits import VitalLimitSettings
from sessions.models.vitals import GateOverride, VitalAlert, VitalReading

__all__ = [
    "AdverseEvent",
    "Appointment",
    "AppointmentKind",
    "AppointmentStatus",
    "BenefitDecision",
    "BenefitReview",
    "BoosterRequest",
    "BoosterRequestSource",
    "CalendarFeed",
    "CheckInEntry",
    "DeviceDose",
    "DoseMode",
    "DoseRecord",
    "GateOverride",
    "InfusionPause",
    "PregnancyNotApplicable",
    "PregnancyTest",
    "Protocol",
    "RecordLocked",
    "RemsFormVersion",
    "RemsSubmission",
    "SessionAddendum",
    "SessionSafetySettings",
    "TreatmentPlan",
    "TreatmentSession",
    "TsTzRange",
    "VitalAlert",
    "VitalLimitSettings",
    "VitalReading",
]
