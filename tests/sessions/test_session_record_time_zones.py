"""The session record keeps its location's clock (controlled-substances.md §1). The clinic
is in New York, Pasadena in Los Angeles: on the record of a Pasadena session every time is
shown, and every time typed is read, on Pasadena's clock, the page says so, the messages
name Pasadena's times, and so do the record's PDF and the REMS form. Vitals-due timing is
absolute time: it does not move with the clock shown."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import Document
from sessions.documents import record_context, session_zone
from sessions.models import Appointment, DoseRecord, TreatmentSession, VitalReading
from sessions.selectors.records import state_of
from tests.clinic.test_documents import pdf_text
from tests.factories import ChairFactory, LocationFactory
from tests.sessions.test_session_documents import generate
from tests.sessions.test_session_record import (
    NORMAL,
    act,
    check_in,
    dose,
    finished_session,
    lock,
    page,
    ready_to_dose,
)

pytestmark = pytest.mark.django_db

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
EASTERN = zoneinfo.ZoneInfo("America/New_York")  # the clinic's (chairside)
BADGE = "Times: Pasadena time, America/Los_Angeles (P"


@pytest.fixture
def at_pasadena(chairside, personas):
    """The chairside appointment moved to a Pasadena chair (Los Angeles time), today there;
    the nurse and the psychiatrist work at Pasadena."""
    location = LocationFactory(name="Pasadena", dea_number="FP1234563", time_zone=PACIFIC.key)
    chair = ChairFactory(location=location, name="Pasadena 1")
    now = timezone.now()
    midnight = dt.datetime.combine(timezone.localdate(now, PACIFIC), dt.time.min, tzinfo=PACIFIC)
    start = max(now - dt.timedelta(minutes=5), midnight)
    Appointment.objects.filter(pk=chairside.appointment.pk).update(
        chair=chair, start=start, end=start + dt.timedelta(hours=2)
    )
    chairside.appointment.refresh_from_db()
    for person in (personas.nurse, personas.psychiatrist):
        person.locations.add(location)
    return chairside


def typed_minutes_ago(minutes: int) -> str:
    """What a nurse in Pasadena reads on the wall clock `minutes` ago ("10:15")."""
    return f"{timezone.localtime(timezone.now() - dt.timedelta(minutes=minutes), PACIFIC):%H:%M}"


def arrived_long_ago(session: TreatmentSession) -> TreatmentSession:
    TreatmentSession.objects.filter(pk=session.pk).update(
        opened_at=timezone.now() - dt.timedelta(minutes=40)
    )
    return TreatmentSession.objects.get(pk=session.pk)


def test_a_vital_typed_on_a_pasadena_record_is_pasadena_time_and_shown_so(
    at_pasadena, login, personas
) -> None:
    session = arrived_long_ago(at_pasadena.open(personas.nurse))
    check_in(session, personas.nurse)
    nurse = login(personas.nurse)
    typed = typed_minutes_ago(3)
    response = act(
        nurse, session, "vitals", {"taken_at": typed, **{k: str(v) for k, v in NORMAL.items()}}
    )
    assert response.status_code == 200
    reading = VitalReading.objects.get(session=session)
    taken = reading.taken_at.astimezone(PACIFIC)
    assert f"{taken:%H:%M}" == typed  # stored as Pasadena's 10:15, not New York's
    assert abs(timezone.now() - reading.taken_at) < dt.timedelta(minutes=5)
    html = page(nurse, session)
    assert BADGE in html
    assert typed in html
    assert f"{reading.taken_at.astimezone(EASTERN):%H:%M}" not in html


def test_a_dose_time_typed_on_a_pasadena_record_is_pasadena_time(
    at_pasadena, login, personas
) -> None:
    session = ready_to_dose(at_pasadena.open(personas.nurse), personas.nurse, dose_minutes_ago=5)
    session = arrived_long_ago(session)
    nurse = login(personas.nurse)
    entry = {
        "mg_per_kg": "0.5",
        "planned_minutes": "40",
        "lot_number": "KET-1123",
        "lot_expiry": "2030-01-31",
        "concentration_mg_per_ml": "10",
        "volume_drawn_ml": "3.62",
    }
    # Before the patient arrived: the refusal names the check-in time on Pasadena's clock.
    early = act(nurse, session, "dose", {"started_at": typed_minutes_ago(50), **entry})
    checked_in = timezone.localtime(session.opened_at, PACIFIC)
    assert (
        f"The dose can&#x27;t be before the patient was checked in ({checked_in:%H:%M})."
        in early.content.decode()
    )
    typed = typed_minutes_ago(2)
    act(nurse, session, "dose", {"started_at": typed, **entry})
    started = DoseRecord.objects.get(session=session).started_at
    assert f"{started.astimezone(PACIFIC):%H:%M}" == typed
    assert abs(timezone.now() - started) < dt.timedelta(minutes=5)
    assert typed in page(nurse, session)


def test_vitals_due_timing_is_absolute_and_shown_on_pasadenas_clock(
    at_pasadena, login, personas
) -> None:
    session = ready_to_dose(at_pasadena.open(personas.nurse), personas.nurse, dose_minutes_ago=5)
    dose(session, personas.nurse, minutes_ago=5)
    started = DoseRecord.objects.get(session=session).started_at
    due = state_of(TreatmentSession.objects.get(pk=session.pk)).due.due_at
    assert due is not None and dt.timedelta(0) < due - started <= dt.timedelta(minutes=15)
    html = page(login(personas.nurse), session)
    assert f"{due.astimezone(PACIFIC):%H:%M}</strong>" in html
    assert f"{due.astimezone(EASTERN):%H:%M}</strong>" not in html


def test_the_record_pdf_shows_pasadena_time(
    at_pasadena, login, personas, django_capture_on_commit_callbacks
) -> None:
    session = lock(finished_session(at_pasadena, personas), personas)
    document = generate(login(personas.nurse), personas.patient_a, "session_record", session.pk,
                        django_capture_on_commit_callbacks)  # fmt: skip
    text = pdf_text(document)
    started = DoseRecord.objects.get(session=session).started_at
    assert "Pasadena time, America/Los_Angeles" in text
    assert f"{started.astimezone(PACIFIC):%H:%M}" in text
    assert f"{started.astimezone(EASTERN):%H:%M}" not in text
    signed = timezone.localtime(session.cosigned_at, PACIFIC)
    assert document.record_version == f"co-signed {signed:%Y-%m-%d %H:%M}"


def test_a_record_at_the_clinics_own_location_names_no_zone(chairside, login, personas) -> None:
    session = chairside.open(personas.nurse)
    assert session_zone(Document(subject_id=session.pk)) == EASTERN
    html = page(login(personas.nurse), session)
    assert "Times:" not in html
    context = record_context(Document(patient=personas.patient_a, subject_id=session.pk))
    assert "<dt>Times</dt>" not in render_to_string("documents/session_record.html", context)
