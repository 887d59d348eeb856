"""Fixtures for the session record: a clinic day with one booked appointment now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from clinic.models import Chair, ClinicSettings
from sessions.models import Appointment, Protocol, TreatmentPlan, TreatmentSession
from sessions.protocols import ensure_default_protocols
from sessions.services import records as services

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
    return Appointment.objects.create(
        patient=patient,
        plan=plan,
        kind=kind,
        series_number=number if kind == "induction" else None,
        chair=chair,
        start=start,
        end=start + dt.timedelta(minutes=plan.protocol.chair_block_minutes),
        booked_by=actor,
    )


def make_plan(patient, psychiatrist, route: str = "iv", **overrides) -> TreatmentPlan:
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
        "written_by": psychiatrist,
    }
    values.update(overrides)
    return TreatmentPlan.objects.create(**values)


@pytest.fixture
def chairside(personas) -> Chairside:
    ensure_default_protocols()  # a transactional test may have flushed the seeded rows
    ClinicSettings.objects.filter(pk=1).update(time_zone=ZONE)
    chair = Chair.objects.create(name="Chair 1", display_order=1)
    patient = personas.patient_a
    patient.psychiatrist = personas.psychiatrist
    patient.journey_state = "induction"
    patient.save(update_fields=["psychiatrist", "journey_state"])
    plan = make_plan(patient, personas.psychiatrist)
    appointment = book_now(patient, plan, chair, personas.coordinator)
    return Chairside(plan=plan, appointment=appointment, chair=chair)
