"""A session takes place at its chair's location (controlled-substances.md §1): an expired
or missing DEA registration there blocks the dose, and the treatment gate says why; the
REMS form names that location's setting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings, Location
from sessions.models import DoseRecord, TreatmentSession
from sessions.selectors.before_dose import session_gate
from sessions.selectors.location import session_location
from sessions.selectors.records import first_dose_of_drug, state_of
from sessions.selectors.rems import rems_form
from sessions.selectors.treatment_gate import DEA_REGISTRATION
from tests.factories import LocationFactory, PatientFactory
from tests.sessions.test_rems_form import esketamine_session
from tests.sessions.test_session_record import NORMAL, act, dose, page, ready_to_dose

# Readings after which the esketamine patient may go home (as in test_rems_form).
DISCHARGEABLE = [
    (38, NORMAL | {"systolic": 142, "diastolic": 86}, None),
    (125, NORMAL | {"moaas": 5}, 0),
]


def location_of(chairside) -> Location:
    return Location.objects.get(pk=chairside.chair.location_id)


def local_today(location: Location) -> dt.date:
    """The location's own date (the gate's "today")."""
    return timezone.localdate(timezone.now(), location.zone)


def set_dea(location: Location, **values) -> None:
    Location.objects.filter(pk=location.pk).update(**values)


def dea_reasons(session: TreatmentSession) -> list[str]:
    session = TreatmentSession.objects.get(pk=session.pk)
    return [r.message for r in session_gate(session) if r.code == DEA_REGISTRATION]


def test_the_session_is_at_its_chairs_location(chairside, personas) -> None:
    session = chairside.open(personas.nurse)
    assert session_location(session) == location_of(chairside)


def test_a_valid_registration_lets_the_dose_go_on(chairside, personas) -> None:
    session = chairside.open(personas.nurse)
    assert dea_reasons(session) == []


def test_a_registration_expiring_today_is_still_valid(chairside, personas) -> None:
    location = location_of(chairside)
    set_dea(location, dea_expires_on=local_today(location))
    session = chairside.open(personas.nurse)
    assert dea_reasons(session) == []


def test_a_registration_that_expired_yesterday_blocks_the_dose(chairside, personas) -> None:
    location = location_of(chairside)
    yesterday = local_today(location) - dt.timedelta(days=1)
    session = chairside.open(personas.nurse)
    set_dea(location, dea_expires_on=yesterday)  # it lapsed while the patient was in
    assert dea_reasons(session) == [
        f"Dosing is blocked at {location.name}: its DEA registration {location.dea_number} "
        f"expired on {yesterday:%-d %B %Y}."
    ]


@pytest.mark.parametrize("schedules", ["", "2,2N,3,4,5", "3"])
def test_a_registration_without_schedule_3n_blocks_the_dose(chairside, personas, schedules) -> None:
    location = location_of(chairside)
    session = chairside.open(personas.nurse)
    set_dea(location, dea_schedules=schedules)
    assert dea_reasons(session) == [
        f"Dosing is blocked at {location.name}: its DEA registration {location.dea_number} "
        "does not cover Schedule III non-narcotics (3N), which ketamine and esketamine are."
    ]


@pytest.mark.parametrize("schedules", ["3N", "2, 2n, 3, 3n, 4, 5"])
def test_schedule_3n_is_read_however_it_is_written(chairside, personas, schedules) -> None:
    location = location_of(chairside)
    session = chairside.open(personas.nurse)
    set_dea(location, dea_schedules=schedules)
    assert dea_reasons(session) == []


@pytest.mark.parametrize("missing", [{"dea_number": ""}, {"dea_expires_on": None}])
def test_a_missing_registration_blocks_the_dose(chairside, personas, missing) -> None:
    location = location_of(chairside)
    session = chairside.open(personas.nurse)
    set_dea(location, **missing)
    assert dea_reasons(session) == [
        f"Dosing is blocked at {location.name}: it has no DEA registration on file."
    ]


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"dea_number": ""}, "it has no DEA registration on file."),
        ({"dea_expires_on": dt.date(2026, 1, 31)}, "expired on 31 January 2026."),
        ({"dea_schedules": "2,3"}, "does not cover Schedule III non-narcotics (3N)"),
    ],
)
def test_check_in_is_refused_at_a_location_without_a_valid_registration(
    chairside, personas, values, why
) -> None:
    location = location_of(chairside)
    set_dea(location, **values)
    with pytest.raises(ValidationError) as refused:
        chairside.open(personas.nurse)
    text = " ".join(refused.value.messages)
    assert f"Dosing is blocked at {location.name}: " in text and why in text
    assert "Check-in is refused at this location until the admin enters a valid DEA" in text
    assert not TreatmentSession.objects.filter(appointment=chairside.appointment).exists()
    chairside.appointment.refresh_from_db()
    assert chairside.appointment.status == "scheduled"


def test_the_nurse_board_says_why_check_in_was_refused(chairside, personas, login) -> None:
    location = location_of(chairside)
    set_dea(location, dea_number="", dea_expires_on=None)
    nurse = login(personas.nurse)
    url = reverse("appointment_check_in", args=[chairside.appointment.pk])
    response = nurse.post(url, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("nurse_board")
    assert f"Dosing is blocked at {location.name}: it has no DEA registration on file." in html
    assert "Check-in is refused at this location" in html
    assert "Checked in — pre-dose" not in html
    set_dea(location, dea_number="FT1234563", dea_expires_on=dt.date(2030, 1, 1))
    assert nurse.post(url).status_code == 302
    assert TreatmentSession.objects.filter(appointment=chairside.appointment).exists()


def test_the_dose_service_refuses_at_an_expired_location_and_writes_nothing(
    chairside, personas
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    location = location_of(chairside)
    set_dea(location, dea_expires_on=local_today(location) - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match=r"its DEA registration .* expired on"):
        dose(session, personas.nurse)
    assert not DoseRecord.objects.filter(session=session).exists()


def test_posting_a_dose_at_a_location_without_registration_is_refused(
    chairside, login, personas
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    location = location_of(chairside)
    set_dea(location, dea_number="", dea_expires_on=None)
    nurse = login(personas.nurse)
    message = f"Dosing is blocked at {location.name}: it has no DEA registration on file."
    assert message in page(nurse, session)
    response = act(
        nurse,
        session,
        "dose",
        {
            "mg_per_kg": "0.5",
            "planned_minutes": "40",
            "lot_number": "KET-1123",
            "lot_expiry": "2030-01-31",
            "concentration_mg_per_ml": "10",
            "volume_drawn_ml": "3.62",
        },
    )
    assert message in response.content.decode()
    assert not DoseRecord.objects.filter(session=session).exists()
    assert TreatmentSession.objects.get(pk=session.pk).appointment.status == "checked_in"


def test_a_session_without_a_known_location_would_use_the_patients_home(db: None) -> None:
    """Every chair has a location, so this is the fallback's own rule: no chair location
    found, the patient's home location is used."""
    home = LocationFactory(name="Home base")
    patient = PatientFactory(home_location=home)
    session = TreatmentSession(patient=patient, appointment_id=0)
    assert session_location(session) == home


def test_the_rems_form_names_the_sessions_location(chairside, personas) -> None:
    session = esketamine_session(chairside, personas, DISCHARGEABLE)
    location = location_of(chairside)
    set_dea(
        location,
        name="Harbor Point",
        address="18 Harbor Point Boulevard, Boston, MA 02125",
        rems_certification_id="RMS-5580213",
    )
    session = TreatmentSession.objects.get(pk=session.pk)
    form = rems_form(state_of(session), first_dose=first_dose_of_drug(session))
    fields = {label: v for _section, rows in form.sections for label, v in rows}
    assert "Harbor Point" in fields.values()
    assert "RMS-5580213" in fields.values()
    assert "18 Harbor Point Boulevard, Boston, MA 02125" in fields.values()


def test_the_rems_form_falls_back_to_the_clinic_certification(chairside, personas) -> None:
    session = esketamine_session(chairside, personas, DISCHARGEABLE)
    set_dea(location_of(chairside), rems_certification_id="")
    ClinicSettings.objects.filter(pk=1).update(rems_certification_id="HCS-CLINIC-1")
    session = TreatmentSession.objects.get(pk=session.pk)
    form = rems_form(state_of(session), first_dose=first_dose_of_drug(session))
    fields = {label: v for _section, rows in form.sections for label, v in rows}
    assert "HCS-CLINIC-1" in fields.values()
