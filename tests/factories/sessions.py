"""Factories for the sessions app (`treatment_sessions`): protocols, plans, appointments,
boosters, calendar feeds, benefit reviews, and the session record with its parts.

Times: an appointment takes the next of distinct slots (08:00, 11:00, 14:00) on weekdays
from next week on, so two appointments made by the factory never overlap, whatever chair
or patient they share; a treatment session is opened for an appointment today (the
check-in service opens only today's), in one of four slots that fit the longest chair
block (150 minutes) between 08:00 and 18:00. The clinic's time zone is Django's current one.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory
from django.db.models import Max
from django.utils import timezone

from clinic.choices import JourneyState, Role
from intake.measures import change
from sessions.models import (
    AdverseEvent,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BenefitDecision,
    BenefitReview,
    BoosterRequest,
    BoosterRequestSource,
    CalendarFeed,
    CheckInEntry,
    DeviceDose,
    DoseMode,
    DoseRecord,
    GateOverride,
    InfusionPause,
    PregnancyNotApplicable,
    PregnancyTest,
    Protocol,
    RemsFormVersion,
    RemsSubmission,
    SessionAddendum,
    SessionSafetySettings,
    TreatmentPlan,
    TreatmentSession,
    VitalAlert,
    VitalLimitSettings,
    VitalReading,
)
from sessions.models.adverse_events import AdverseEventType, Severity
from sessions.models.checkin import CheckInItem, PregnancyTestKind, PregnancyTestResult
from sessions.models.doses import Drug
from sessions.models.vitals import AlertLevel, ReadingPhase
from sessions.protocols import DEFAULT_PROTOCOLS
from sessions.rems_forms import REMS_MONITORING_2025
from tests.factories.clinic import (
    ChairFactory,
    ClinicSettingsFactory,
    PatientFactory,
    PatientRecordFactory,
    StaffFactory,
    staff,
    token_hash,
)

ESKETAMINE_PROTOCOL = "esketamine-induction"

# The dose order a psychiatrist typically writes for each route.
DOSE_ORDERS: dict[str, dict[str, Any]] = {
    "iv": {"dose_mode": DoseMode.MG_PER_KG, "dose_mg_per_kg": Decimal("0.500"), "minutes": 40},
    "im": {"dose_mode": DoseMode.MG_PER_KG, "dose_mg_per_kg": Decimal("0.500")},
    "intranasal_esketamine": {"dose_mode": DoseMode.FIXED_MG, "dose_mg": Decimal("56.0")},
    "oral": {"dose_mode": DoseMode.FIXED_MG, "dose_mg": Decimal("100.0")},
}

_SLOT_STARTS = (dt.time(8), dt.time(11), dt.time(14))
_TODAY_SLOT_STARTS = (dt.time(8), dt.time(10, 30), dt.time(13), dt.time(15, 30))
_today_slots = itertools.count()


def future_slot(n: int) -> dt.datetime:
    """The n-th appointment slot: three a weekday (08:00, 11:00, 14:00, each long enough
    for any protocol's chair block), weekdays from the Monday of next week on; distinct
    for 750 appointments in a row."""
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    day_index, slot = divmod(n % 750, len(_SLOT_STARTS))
    week, weekday = divmod(day_index, 5)
    day = monday + dt.timedelta(weeks=week, days=weekday)
    return timezone.make_aware(dt.datetime.combine(day, _SLOT_STARTS[slot]))


def today_slot() -> dt.datetime:
    """Today at 08:00, 10:30, 13:00 or 15:30 in turn (an appointment being checked in)."""
    start = _TODAY_SLOT_STARTS[next(_today_slots) % len(_TODAY_SLOT_STARTS)]
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), start))


def _next_number(queryset: Any, field: str) -> int:
    return (queryset.aggregate(top=Max(field))["top"] or 0) + 1


_SEEDED = {values["code"]: values for values in DEFAULT_PROTOCOLS}


def _default_protocol(code: str) -> dict[str, Any]:
    """The seeded values of a default protocol; IV standard's for any other code."""
    return _SEEDED.get(code, _SEEDED["iv-standard"])


def _protocol_value(name: str) -> factory.LazyAttribute:
    return factory.LazyAttribute(lambda row: _default_protocol(row.code)[name])


class ProtocolFactory(factory.django.DjangoModelFactory):
    """One of the seeded default protocols, by code (default "iv-standard"): returns the
    seeded row; a missing default (a flushed table) is made with the seeded values. A
    code that is not a default makes a protocol like IV standard under that code."""

    class Meta:
        model = Protocol
        django_get_or_create = ("code",)

    code = "iv-standard"
    name = factory.LazyAttribute(
        lambda row: (
            _SEEDED[row.code]["name"]
            if row.code in _SEEDED
            else row.code.replace("-", " ").capitalize()
        )
    )
    route = _protocol_value("route")
    default_sessions = _protocol_value("default_sessions")
    per_week = _protocol_value("per_week")
    weeks = _protocol_value("weeks")
    min_days_between = _protocol_value("min_days_between")
    chair_block_minutes = _protocol_value("chair_block_minutes")
    observation_minutes = _protocol_value("observation_minutes")
    observation_from = _protocol_value("observation_from")


def _dose(name: str) -> factory.LazyAttribute:
    return factory.LazyAttribute(lambda row: DOSE_ORDERS[row.route].get(name))


class TreatmentPlanFactory(PatientRecordFactory):
    """The patient's next plan version on a default protocol (`protocol_code`, default
    IV standard), with that route's usual dose order and the protocol's series length."""

    class Meta:
        model = TreatmentPlan

    class Params:
        protocol_code = "iv-standard"
        esketamine = factory.Trait(protocol_code=ESKETAMINE_PROTOCOL)

    patient = factory.SubFactory(PatientFactory, in_treatment=True)
    version = factory.LazyAttribute(
        lambda row: (
            _next_number(TreatmentPlan.objects.filter(patient=row.patient), "version")
            if row.patient.pk
            else 1
        )
    )
    protocol = factory.SubFactory(ProtocolFactory, code=factory.SelfAttribute("..protocol_code"))
    route = factory.SelfAttribute("protocol.route")
    dose_mode = _dose("dose_mode")
    dose_mg_per_kg = _dose("dose_mg_per_kg")
    dose_mg = _dose("dose_mg")
    infusion_minutes = _dose("minutes")
    esketamine_devices = factory.LazyAttribute(
        lambda row: int(row.dose_mg // 28) if row.route == "intranasal_esketamine" else None
    )
    series_length = factory.SelfAttribute("protocol.default_sessions")
    rems_patient_id = factory.LazyAttribute(
        lambda row: f"RP{row.patient.mrn[-6:]}" if row.route == "intranasal_esketamine" else ""
    )
    rems_enrolled_on = factory.LazyAttribute(
        lambda row: timezone.localdate() if row.route == "intranasal_esketamine" else None
    )
    written_by = staff(Role.PSYCHIATRIST)


class AppointmentFactory(PatientRecordFactory):
    """A scheduled induction session: the patient's next place in the series, on their
    latest plan (a new one by default), in a new chair, in the next free future slot, for
    the protocol's chair block. Trait `booster`: a maintenance booster instead."""

    class Meta:
        model = Appointment

    class Params:
        protocol_code = "iv-standard"
        esketamine = factory.Trait(protocol_code=ESKETAMINE_PROTOCOL)
        booster = factory.Trait(kind=AppointmentKind.BOOSTER, series_number=None)

    patient = factory.SubFactory(
        PatientFactory, in_treatment=True, journey_state=JourneyState.INDUCTION
    )
    plan = factory.SubFactory(
        TreatmentPlanFactory,
        patient=factory.SelfAttribute("..patient"),
        protocol_code=factory.SelfAttribute("..protocol_code"),
    )
    kind = AppointmentKind.INDUCTION
    series_number = factory.LazyAttribute(
        lambda row: (
            _next_number(
                Appointment.objects.filter(
                    patient=row.patient, kind=AppointmentKind.INDUCTION
                ).exclude(status=AppointmentStatus.CANCELLED),
                "series_number",
            )
            if row.patient.pk
            else 1
        )
    )
    chair = factory.SubFactory(ChairFactory)
    start = factory.Sequence(future_slot)
    end = factory.LazyAttribute(
        lambda row: row.start + dt.timedelta(minutes=row.plan.protocol.chair_block_minutes)
    )
    status = AppointmentStatus.SCHEDULED
    booked_by = staff(Role.COORDINATOR)


class BoosterRequestFactory(PatientRecordFactory):
    """An open booster ordered by a psychiatrist (not yet booked)."""

    class Meta:
        model = BoosterRequest

    patient = factory.SubFactory(
        PatientFactory, in_treatment=True, journey_state=JourneyState.MAINTENANCE
    )
    source = BoosterRequestSource.PSYCHIATRIST
    note = "PHQ-9 rising again since the last booster; book within two weeks."
    created_by = staff(Role.PSYCHIATRIST)


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    """A nurse's live calendar subscription."""

    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(StaffFactory)
    token_hash = factory.Sequence(lambda n: token_hash(1_000_000 + n))


class BenefitReviewFactory(PatientRecordFactory):
    """The end-of-induction review of the patient's plan: PHQ-9 19 → 8 (a response),
    continue to maintenance boosters."""

    class Meta:
        model = BenefitReview

    patient = factory.SubFactory(PatientFactory, in_treatment=True)
    plan = factory.SubFactory(TreatmentPlanFactory, patient=factory.SelfAttribute("..patient"))
    phq9_baseline = 19
    phq9_latest = 8
    phq9_change = factory.LazyAttribute(
        lambda row: change("phq9", row.phq9_baseline, row.phq9_latest)
    )
    decision = BenefitDecision.CONTINUE
    note = "Clear response over the series; continue with boosters every four weeks."
    signed_by = staff(Role.PSYCHIATRIST)


class TreatmentSessionFactory(PatientRecordFactory):
    """A session opened at check-in for the patient's appointment today (checked in), on
    that appointment's plan and route, supervised by the patient's psychiatrist. Trait
    `esketamine` (or `protocol_code=...`): on the esketamine protocol (two devices)."""

    class Meta:
        model = TreatmentSession

    class Params:
        protocol_code = "iv-standard"
        esketamine = factory.Trait(protocol_code=ESKETAMINE_PROTOCOL)

    patient = factory.SubFactory(
        PatientFactory, in_treatment=True, journey_state=JourneyState.INDUCTION
    )
    appointment = factory.SubFactory(
        AppointmentFactory,
        patient=factory.SelfAttribute("..patient"),
        protocol_code=factory.SelfAttribute("..protocol_code"),
        start=factory.LazyFunction(today_slot),
        status=AppointmentStatus.CHECKED_IN,
        status_changed_at=factory.LazyFunction(timezone.now),
        status_changed_by=factory.SelfAttribute("..opened_by"),
    )
    plan = factory.SelfAttribute("appointment.plan")
    route = factory.SelfAttribute("plan.route")
    supervising_psychiatrist = factory.SelfAttribute("patient.psychiatrist")
    opened_by = staff(Role.NURSE)


def _minutes_after_opening(minutes: int) -> factory.LazyAttribute:
    return factory.LazyAttribute(lambda row: row.session.opened_at + dt.timedelta(minutes=minutes))


class SessionPartFactory(PatientRecordFactory):
    """A piece of a session record, entered by a nurse (a new IV session by default)."""

    class Meta:
        abstract = True

    session = factory.SubFactory(TreatmentSessionFactory)
    recorded_by = staff(Role.NURSE)


class CheckInEntryFactory(SessionPartFactory):
    class Meta:
        model = CheckInEntry

    item = CheckInItem.IDENTITY
    value = True


class VitalReadingFactory(SessionPartFactory):
    """Normal pre-dose vitals, ten minutes after check-in."""

    class Meta:
        model = VitalReading

    phase = ReadingPhase.PREDOSE
    taken_at = _minutes_after_opening(10)
    systolic = 124
    diastolic = 78
    heart_rate = 72
    spo2 = 98
    resp_rate = 14
    temperature_c = Decimal("36.8")
    moaas = 5


class VitalAlertFactory(SessionPartFactory):
    """A high blood pressure warning raised by a monitoring reading, not acknowledged."""

    class Meta:
        model = VitalAlert

    reading = factory.SubFactory(
        VitalReadingFactory,
        session=factory.SelfAttribute("..session"),
        phase=ReadingPhase.MONITORING,
        taken_at=_minutes_after_opening(50),
        systolic=166,
        diastolic=102,
    )
    code = "BP_HIGH"
    level = AlertLevel.WARNING
    message = factory.LazyAttribute(
        lambda row: f"Blood pressure {row.reading.systolic}/{row.reading.diastolic} mmHg is high."
    )


class GateOverrideFactory(SessionPartFactory):
    """A psychiatrist's decision to dose despite a high pre-dose blood pressure."""

    class Meta:
        model = GateOverride

    reading = factory.SubFactory(
        VitalReadingFactory,
        session=factory.SelfAttribute("..session"),
        systolic=168,
        diastolic=96,
    )
    reasons = factory.LazyFunction(lambda: ["PREDOSE_BP_HIGH"])
    reason = "White-coat pattern known from evaluation; home readings 130s/80s. Dose."
    recorded_by = staff(Role.PSYCHIATRIST)


class DoseRecordFactory(SessionPartFactory):
    """Racemic ketamine 0.5 mg/kg for an 80 kg patient (40 mg) over 40 minutes."""

    class Meta:
        model = DoseRecord

    drug = Drug.KETAMINE
    order_text = factory.LazyAttribute(lambda row: row.session.plan.dose_order_text)
    weight_kg = Decimal("80.0")
    mg_per_kg = Decimal("0.500")
    total_mg = factory.LazyAttribute(
        lambda row: (row.weight_kg * row.mg_per_kg).quantize(Decimal("0.1"))
    )
    planned_minutes = 40
    started_at = _minutes_after_opening(20)
    ended_at = _minutes_after_opening(60)
    lot_number = factory.Sequence(lambda n: f"KT{2291 + n}")
    lot_expiry = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    administered_by = factory.SelfAttribute("recorded_by")
    concentration_mg_per_ml = Decimal("10.00")
    volume_drawn_ml = Decimal("4.00")


class PregnancyTestFactory(PatientRecordFactory):
    """A negative urine test today."""

    class Meta:
        model = PregnancyTest

    patient = factory.SubFactory(PatientFactory, in_treatment=True, sex_at_birth="female")
    tested_on = factory.LazyFunction(timezone.localdate)
    kind = PregnancyTestKind.URINE
    result = PregnancyTestResult.NEGATIVE
    recorded_by = staff(Role.NURSE)


class PregnancyNotApplicableFactory(PatientRecordFactory):
    class Meta:
        model = PregnancyNotApplicable

    patient = factory.SubFactory(PatientFactory, in_treatment=True, sex_at_birth="female")
    reason = "Post-menopausal: no periods for over three years."
    recorded_by = staff(Role.PSYCHIATRIST)


class SessionSafetySettingsFactory(factory.django.DjangoModelFactory):
    """The clinic's one dose-limit row (pk 1) with the engine's defaults: made once, then
    the same row is returned."""

    class Meta:
        model = SessionSafetySettings
        django_get_or_create = ("id",)

    id = 1


class VitalLimitSettingsFactory(factory.django.DjangoModelFactory):
    """The clinic's vital-sign limits (one row per clinic settings row) with the engine's
    defaults: made once, then the same row is returned."""

    class Meta:
        model = VitalLimitSettings
        django_get_or_create = ("clinic",)

    clinic = factory.SubFactory(ClinicSettingsFactory)


class DeviceDoseFactory(SessionPartFactory):
    """The next esketamine device of an esketamine session, five minutes after the last."""

    class Meta:
        model = DeviceDose

    session = factory.SubFactory(TreatmentSessionFactory, esketamine=True)
    number = factory.LazyAttribute(
        lambda row: (
            _next_number(
                DeviceDose.objects.filter(session=row.session, entered_in_error_at__isnull=True),
                "number",
            )
            if row.session.pk
            else 1
        )
    )
    given_at = factory.LazyAttribute(
        lambda row: row.session.opened_at + dt.timedelta(minutes=15 + 5 * (row.number - 1))
    )


class InfusionPauseFactory(SessionPartFactory):
    """The infusion paused for five minutes for nausea."""

    class Meta:
        model = InfusionPause

    paused_at = _minutes_after_opening(35)
    resumed_at = _minutes_after_opening(40)
    reason = "Nausea; paused while ondansetron was given."


class AdverseEventFactory(SessionPartFactory):
    """Mild nausea treated with ondansetron, resolved."""

    class Meta:
        model = AdverseEvent

    kind = AdverseEventType.NAUSEA
    description = "Nauseated 25 minutes into the infusion."
    onset_at = _minutes_after_opening(45)
    severity = Severity.MILD
    medication = "Ondansetron"
    medication_dose = "4 mg IV"
    medication_at = _minutes_after_opening(48)
    outcome = "Resolved within 15 minutes."


class SessionAddendumFactory(PatientRecordFactory):
    """A late entry under a session record, by a nurse."""

    class Meta:
        model = SessionAddendum

    session = factory.SubFactory(TreatmentSessionFactory)
    author = staff(Role.NURSE)
    reason = "Late entry"
    text = "Escort (sister) confirmed by phone at 15:10 before discharge."


class RemsFormVersionFactory(factory.django.DjangoModelFactory):
    """An earlier edition of the REMS monitoring form (same fields as the shipped one,
    older than it, so the shipped form stays the newest)."""

    class Meta:
        model = RemsFormVersion

    code = factory.Sequence(lambda n: f"rems-monitoring-2024-{n + 1}")
    title = "Spravato REMS Patient Monitoring Form (2024 edition)"
    effective_from = dt.date(2024, 1, 1)
    layout = factory.LazyFunction(lambda: copy.deepcopy(REMS_MONITORING_2025))


class RemsSubmissionFactory(PatientRecordFactory):
    """The REMS form of an esketamine session, submitted today with nothing missing."""

    class Meta:
        model = RemsSubmission

    session = factory.SubFactory(TreatmentSessionFactory, esketamine=True)
    submitted_on = factory.LazyFunction(timezone.localdate)
    confirmation = factory.Sequence(lambda n: f"REMS-{400_000 + n}")
    recorded_by = staff(Role.PSYCHIATRIST)
