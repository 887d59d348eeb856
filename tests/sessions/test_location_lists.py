"""The schedule, the nurse board and the follow-up lists are per location
(controlled-substances.md §1): each shows the location the staff member picked in the
header and says which; a Harbor Point session is not on Riverside's board or calendar and
is there after switching. The patient's chart keeps showing every location."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Location
from sessions.selectors import floor
from sessions.selectors.scheduling import boosters_due
from tests.factories import (
    AppointmentFactory,
    ChairFactory,
    LocationFactory,
    PatientFactory,
    TreatmentSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(personas) -> tuple[Location, Location]:
    """The test clinic's location first (every default chair is there), then Harbor
    Point; the nurse works at both."""
    riverside = LocationFactory()
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    personas.nurse.locations.add(riverside, harbor)
    personas.coordinator.locations.add(riverside, harbor)
    return riverside, harbor


def _at(location: Location, name: str):
    return ChairFactory(location=location, name=name)


def _switch(client, location: Location) -> None:
    answer = client.post(reverse("location_pick"), {"location": location.pk})
    assert answer.status_code == 302


def test_the_board_shows_the_picked_location_and_switching_shows_the_other(
    places, personas, login
) -> None:
    riverside, harbor = places
    TreatmentSessionFactory(
        appointment__chair=_at(riverside, "River 1"),
        patient=PatientFactory(legal_first_name="Rita", legal_last_name="Rivers"),
    )
    TreatmentSessionFactory(
        appointment__chair=_at(harbor, "Harbor 1"),
        patient=PatientFactory(legal_first_name="Hal", legal_last_name="Harbors"),
    )
    nurse = login(personas.nurse)
    html = nurse.get(reverse("nurse_board")).content.decode()
    assert "Nurse board" in html and "· Test Clinic</span>" in html
    assert "River 1 · RR" in html and "Harbor 1" not in html
    _switch(nurse, harbor)
    html = nurse.get(reverse("nurse_board")).content.decode()
    assert "· Harbor Point</span>" in html
    assert "Harbor 1 · HH" in html and "River 1" not in html
    live = nurse.get(reverse("nurse_board_live")).content.decode()
    assert "Harbor 1 · HH" in live and "River 1" not in live


def test_todays_arrivals_are_the_picked_locations(places, personas, login) -> None:
    riverside, harbor = places
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(22, 0)))
    end = start + dt.timedelta(hours=1)
    AppointmentFactory(chair=_at(harbor, "Harbor 1"), start=start, end=end)
    AppointmentFactory(chair=_at(riverside, "River 1"), start=start, end=end)
    assert [a.chair.name for a in floor.arrivals_today(personas.nurse, location=harbor)] == [
        "Harbor 1"
    ]
    assert [a.chair.name for a in floor.arrivals_today(personas.nurse, location=riverside)] == [
        "River 1"
    ]


def test_the_day_and_week_calendars_follow_the_picked_location(places, personas, login) -> None:
    riverside, harbor = places
    day = timezone.localdate() + dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    AppointmentFactory(
        chair=_at(harbor, "Harbor 1"),
        start=start,
        end=start + dt.timedelta(hours=2),
        patient=PatientFactory(legal_first_name="Hal", legal_last_name="Harbors"),
    )
    _at(riverside, "River 1")
    coordinator = login(personas.coordinator)
    query = f"?date={day.isoformat()}"
    html = coordinator.get(reverse("calendar_day") + query).content.decode()
    assert "· Test Clinic</span>" in html and "River 1" in html
    assert "Harbor 1" not in html and "Harbors" not in html
    assert "Harbors" not in coordinator.get(reverse("calendar_week") + query).content.decode()
    _switch(coordinator, harbor)
    html = coordinator.get(reverse("calendar_day") + query).content.decode()
    assert "· Harbor Point</span>" in html and "Harbor 1" in html and "Hal Harbors" in html
    assert "River 1" not in html
    week = coordinator.get(reverse("calendar_week") + query).content.decode()
    assert "Harbor 1<br>Hal Harbors" in week


def test_the_chart_shows_sessions_at_every_location(places, personas, login) -> None:
    riverside, harbor = places
    patient = personas.patient_a
    AppointmentFactory(patient=patient, chair=_at(riverside, "River 1"))
    AppointmentFactory(patient=patient, chair=_at(harbor, "Harbor 1"))
    html = login(personas.coordinator).get(reverse("patient_sessions", args=[patient.pk]))
    html = html.content.decode()
    assert "River 1" in html and "Harbor 1" in html


def test_rems_forms_due_are_the_picked_locations(places, personas, login) -> None:
    riverside, harbor = places
    for location, name in ((riverside, "River 1"), (harbor, "Harbor 1")):
        session = TreatmentSessionFactory(esketamine=True, appointment__chair=_at(location, name))
        type(session).objects.filter(pk=session.pk).update(discharged_at=timezone.now())
    assert [row.session.appointment.chair.name for row in floor.rems_forms_due(
        personas.nurse, harbor)] == ["Harbor 1"]  # fmt: skip
    nurse = login(personas.nurse)
    html = nurse.get(reverse("rems_forms_due")).content.decode()
    assert "· Test Clinic</span>" in html and "River 1" in html and "Harbor 1" not in html
    _switch(nurse, harbor)
    html = nurse.get(reverse("rems_forms_due")).content.decode()
    assert "Harbor 1" in html and "River 1" not in html


def _due_for_booster(patient, location: Location, *, home: Location | None) -> None:
    """A maintenance patient whose last session, 26 days ago, was at `location`."""
    patient.journey_state = "maintenance"
    patient.home_location = home
    patient.save(update_fields=["journey_state", "home_location"])
    last = timezone.now() - dt.timedelta(days=26)
    AppointmentFactory(
        patient=patient,
        chair=_at(location, f"{location.name} chair {patient.pk}"),
        start=last,
        end=last + dt.timedelta(hours=2),
        status="completed",
        plan__maintenance_interval_weeks=4,
    )


def test_boosters_due_are_the_patients_the_location_follows_up(places, personas, login) -> None:
    riverside, harbor = places
    at_home = PatientFactory(legal_last_name="Homebody")
    _due_for_booster(at_home, riverside, home=harbor)  # seen once at Riverside, home Harbor
    no_home = PatientFactory(legal_last_name="Wanderer")
    _due_for_booster(no_home, harbor, home=None)  # no home: where last treated
    riverside_patient = PatientFactory(legal_last_name="Rivera")
    _due_for_booster(riverside_patient, riverside, home=riverside)
    names = {row.patient.legal_last_name for row in boosters_due(personas.coordinator, harbor)}
    assert names == {"Homebody", "Wanderer"}
    names = {row.patient.legal_last_name for row in boosters_due(personas.coordinator, riverside)}
    assert names == {"Rivera"}
    coordinator = login(personas.coordinator)
    html = coordinator.get(reverse("boosters_due")).content.decode()
    assert "Rivera" in html and "Homebody" not in html and "· Test Clinic</span>" in html
    _switch(coordinator, harbor)
    html = coordinator.get(reverse("boosters_due")).content.decode()
    assert "Homebody" in html and "Wanderer" in html and "Rivera" not in html


def test_the_location_pages_cost_the_same_queries_for_one_or_many_sessions(
    places, personas, login, page_queries
) -> None:
    riverside, harbor = places
    nurse = login(personas.nurse)
    _switch(nurse, harbor)
    TreatmentSessionFactory(appointment__chair=_at(harbor, "Harbor 1"))
    TreatmentSessionFactory(appointment__chair=_at(riverside, "River 1"))
    pages = [reverse("nurse_board"), reverse("calendar_day"), reverse("calendar_week")]
    counts = {}
    for page in pages:
        with page_queries() as statements:
            assert nurse.get(page).status_code == 200
        counts[page] = len(statements)
        assert counts[page] <= 15, page  # the page budget (issue 8)
    for index in range(2, 6):
        TreatmentSessionFactory(appointment__chair=_at(harbor, f"Harbor {index}"))
        TreatmentSessionFactory(appointment__chair=_at(riverside, f"River {index}"))
    for page in pages:
        with page_queries() as statements:
            assert nurse.get(page).status_code == 200
        assert len(statements) == counts[page], page
