"""Fixtures for the session record: a clinic day with one booked appointment now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from clinic.models import Chair, ClinicSettings
from sessions.models import (
    Appointment,
    PregnancyTest,
    Protocol,
    TreatmentPlan,
    TreatmentSession,
)
from sessions.protocols import ensure_default_protocols
from sessions.rems_forms import ensure_rems_form_versions
from sessions.services import records as services
from tests.factories import (
    AppointmentFactory,
    ChairFactory,
    PregnancyTestFactory,
    TreatmentPlanFactory,
    approve,
)

ZONE = "America/New_York"


@dataclass
class Chairside:
    plan: TreatmentPlan
    appointment: Appointment
    chair: Chair

    def open(self, actor) -> TreatmentSession:
        return services.session_open(appointment=self.appointment, actor=actor)


def book_now(patient, plan, chair, actor, *, kind="induction", number=1) -> Appointment:
    """An appointment that started a few minutes ago, always on today's clinic date."""
    now = timezone.now()
    zone = ClinicSettings.objects.get(pk=1).zone
    local_midnight = dt.datetime.combine(timezone.localdate(now, zone), dt.time.min, tzinfo=zone)
    start = max(now - dt.timedelta(minutes=5), local_midnight)
    return AppointmentFactory(
        patient=patient,
        plan=plan,
        kind=kind,
        series_number=number if kind == "induction" else None,
        chair=chair,
        start=start,
        end=start + dt.timedelta(minutes=plan.protocol.chair_block_minutes),
        booked_by=actor,
    )


def negative_pregnancy_test(patient, recorded_by) -> PregnancyTest:
    """A negative urine test this morning (a first dose needs one: session-monitoring §1)."""
    return PregnancyTestFactory(
        patient=patient,
        tested_on=timezone.localdate(timezone.now(), ClinicSettings.objects.get(pk=1).zone),
        kind="urine",
        result="negative",
        recorded_by=recorded_by,
    )


def make_plan(
    patient, psychiatrist, route: str = "iv", *, pregnancy_test: bool = True, **overrides
) -> TreatmentPlan:
    """A plan version, on an approved eligibility decision (signed if there is none yet);
    esketamine with the patient's REMS enrollment and the clinic's certification; and,
    unless told otherwise, the negative pregnancy test a first dose needs."""
    if not patient.decisions.filter(decision="approved").exists():
        approve(patient, psychiatrist)
    if pregnancy_test and not PregnancyTest.objects.filter(patient=patient).exists():
        negative_pregnancy_test(patient, psychiatrist)
    if route == "intranasal_esketamine":
        ClinicSettings.objects.filter(pk=1).update(
            rems_certification_id="HCS-0001", rems_certified_on=dt.date(2026, 1, 5)
        )
    protocol = {
        "iv": "iv-standard",
        "im": "im-standard",
        "intranasal_esketamine": "esketamine-induction",
        "oral": "oral-standard",
    }[route]
    values = {
        "patient": patient,
        "version": TreatmentPlan.objects.filter(patient=patient).count() + 1,
        "route": route,
        "protocol": Protocol.objects.get(code=protocol),
        "dose_mode": "mg_per_kg" if route in ("iv", "im") else "fixed_mg",
        "dose_mg_per_kg": "0.5" if route in ("iv", "im") else None,
        "dose_mg": "300" if route == "oral" else None,
        "infusion_minutes": 40 if route == "iv" else None,
        "esketamine_devices": 2 if route == "intranasal_esketamine" else None,
        "series_length": 6 if route != "intranasal_esketamine" else 8,
        "rems_patient_id": "RP-1234567" if route == "intranasal_esketamine" else "",
        "rems_enrolled_on": dt.date(2026, 1, 10) if route == "intranasal_esketamine" else None,
        "written_by": psychiatrist,
    }
    values.update(overrides)
    return TreatmentPlanFactory(**values)


@pytest.fixture
def chairside(personas) -> Chairside:
    ensure_default_protocols()  # a transactional test may have flushed the seeded rows
    ensure_rems_form_versions()
    ClinicSettings.objects.filter(pk=1).update(time_zone=ZONE)
    chair = ChairFactory(name="Chair 1", display_order=1)
    patient = personas.patient_a
    patient.psychiatrist = personas.psychiatrist
    patient.journey_state = "induction"
    patient.sex_at_birth = "female"
    patient.save(update_fields=["psychiatrist", "journey_state", "sex_at_birth"])
    plan = make_plan(patient, personas.psychiatrist)
    appointment = book_now(patient, plan, chair, personas.coordinator)
    return Chairside(plan=plan, appointment=appointment, chair=chair)
