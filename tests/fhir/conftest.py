"""A patient's treatment record to read through the API, and clients that speak FHIR."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.conftest import sign_in
from tests.factories import (
    ChairFactory,
    DoseRecordFactory,
    LocationFactory,
    MeasureResultFactory,
    TreatmentSessionFactory,
    VitalReadingFactory,
)


@dataclass
class Record:
    session: Any
    reading: Any
    dose: Any
    measure: Any
    location: Any


class Api:
    """A signed-in (or anonymous) client that reads FHIR JSON."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, **headers: str) -> Any:
        url = path if path.startswith("http") else f"/fhir/r4/{path}"
        return self.client.get(url, headers=headers)


@pytest.fixture
def api(db: None):
    """`api(user)` → a client signed in as `user`; `api(None)` → not signed in."""

    def _api(user: Any) -> Api:
        client = Client()
        return Api(sign_in(client, user) if user is not None else client)

    return _api


def add_session(patient: Any, nurse: Any, *, start: dt.datetime | None = None) -> Any:
    location = LocationFactory(dea_number="AB1234563", address="1 Main St\nSpringfield")
    chair = ChairFactory(location=location)
    extra = {"appointment__start": start} if start else {}
    return TreatmentSessionFactory(
        patient=patient, opened_by=nurse, appointment__chair=chair, **extra
    )


@pytest.fixture
def record(personas: Any) -> Record:
    """patient_a's session: one full reading, a dose of racemic ketamine, a PHQ-9."""
    session = add_session(personas.patient_a, personas.nurse)
    reading = VitalReadingFactory(session=session, recorded_by=personas.nurse)
    dose = DoseRecordFactory(session=session, recorded_by=personas.nurse)
    measure = MeasureResultFactory(patient=personas.patient_a, entered_by=personas.patient_a.user)
    return Record(session, reading, dose, measure, session.appointment.chair.location)


def more_readings(session: Any, nurse: Any, count: int) -> list[Any]:
    return [
        VitalReadingFactory(
            session=session,
            recorded_by=nurse,
            taken_at=session.opened_at + dt.timedelta(minutes=11 + n),
            temperature_c=Decimal("36.6"),
        )
        for n in range(count)
    ]
