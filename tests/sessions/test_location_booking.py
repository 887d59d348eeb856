"""Booking stays at one location (controlled-substances.md §1): a series, a booster and a
reschedule offer only the chairs of one location (the patient's home location, else the
location the coordinator picked; another of theirs on asking), the page says which, the
service refuses a series spread over two locations, and a nurse's capacity is that of
the location."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Location
from sessions.models import Appointment
from sessions.selectors.scheduling import calendar_facts
from sessions.services.scheduling import BookingRow
from sessions.services.scheduling.availability import booking_problems
from tests.factories import AppointmentFactory, ChairFactory, LocationFactory, open_clinic
from tests.sessions.test_booking_pages import clinic_ready, next_monday, proposal_rows

__all__ = ["clinic_ready"]  # the fixture, used by name

pytestmark = pytest.mark.django_db


@pytest.fixture
def harbor(clinic_ready, personas) -> tuple[Location, list]:
    """Harbor Point with two chairs of its own; the coordinator works at both locations.
    (The fixture's Chair 1 and Chair 2 are at the test clinic's location.)"""
    location = LocationFactory(name="Harbor Point", dea_number="FH7654329", nurse_capacity=1)
    open_clinic(location)
    chairs = [ChairFactory(location=location, name=f"Harbor {n}") for n in (1, 2)]
    personas.coordinator.locations.add(LocationFactory(), location)
    return location, chairs


def _offered(form_field) -> set[str]:
    return {chair.name for chair in form_field.queryset}


def test_the_series_proposal_offers_only_the_home_locations_chairs(
    clinic_ready, harbor, login, personas
) -> None:
    location, harbor_chairs = harbor
    patient = personas.patient_a
    patient.home_location = location
    patient.save(update_fields=["home_location"])
    client = login(personas.coordinator)  # picked: the test clinic (their first)
    url = reverse("book_series", args=[patient.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00"
    proposed = client.get(url + query)
    html = proposed.content.decode()
    assert "At <strong>Harbor Point</strong> (the patient's home location)" in html
    assert "a nurse there takes at most 1 session at once" in html
    assert _offered(proposed.context["ask"].fields["preferred_chair"]) == {"Harbor 1", "Harbor 2"}
    rows = proposed.context["rows"].forms
    assert {form.initial["chair"] for form in rows} <= {c.pk for c in harbor_chairs}
    assert _offered(rows[0].fields["chair"]) == {"Harbor 1", "Harbor 2"}
    assert client.post(url + query, proposal_rows(proposed)).status_code == 302
    booked = Appointment.objects.filter(patient=patient)
    assert booked.count() == 6
    assert {a.chair.location for a in booked} == {location}


def test_without_a_home_location_the_picked_one_is_used_and_another_can_be_asked(
    clinic_ready, harbor, login, personas
) -> None:
    location, _ = harbor
    chairs, _plan = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00"
    proposed = client.get(url + query)
    assert "the location you picked; the patient has no home location" in (
        proposed.content.decode()
    )
    assert _offered(proposed.context["ask"].fields["preferred_chair"]) == {"Chair 1", "Chair 2"}
    assert f'href="?at={location.pk}">Harbor Point</a>' in proposed.content.decode()
    asked = client.get(url + query + f"&at={location.pk}")
    assert _offered(asked.context["ask"].fields["preferred_chair"]) == {"Harbor 1", "Harbor 2"}
    assert 'name="at"' in asked.content.decode()  # kept when asking for another proposal
    # A chair of another location typed into a row is refused next to it, nothing booked.
    data = proposal_rows(proposed)
    data["row-2-chair"] = str(chairs[0].pk)
    refused = client.post(url + query + f"&at={location.pk}", data)
    assert "Choose one of the chairs listed (at this location)." in refused.content.decode()
    assert not Appointment.objects.filter(patient=personas.patient_a).exists()


def test_the_service_refuses_a_series_over_two_locations(clinic_ready, harbor, personas) -> None:
    chairs, _ = clinic_ready
    _, harbor_chairs = harbor
    day = next_monday()
    rows = [
        BookingRow(
            start=timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=n), dt.time(9))),
            end=timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=n), dt.time(11))),
            chair_id=chair.pk,
        )
        for n, chair in ((0, chairs[0]), (2, harbor_chairs[0]))
    ]
    problems = booking_problems(rows, personas.patient_a.pk, set())
    assert problems == {
        1: "Harbor 1 is at Harbor Point; the series is booked at Test Clinic. Choose a chair there."
    }


def test_nurse_capacity_is_the_locations(clinic_ready, harbor, personas) -> None:
    location, harbor_chairs = harbor
    facts = calendar_facts(
        patient=personas.patient_a, first_date=next_monday(), nurse=None, location=location
    )
    assert facts.nurse_capacity == 1
    assert {name for _, name in facts.chairs} == {"Harbor 1", "Harbor 2"}
    day = next_monday()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    AppointmentFactory(
        chair=harbor_chairs[0], start=start, end=start + dt.timedelta(hours=2), nurse=personas.nurse
    )
    wanted = BookingRow(
        start=start, end=start + dt.timedelta(hours=2), chair_id=harbor_chairs[1].pk,
        nurse_id=personas.nurse.pk,
    )  # fmt: skip
    problems = booking_problems([wanted], personas.patient_a.pk, set())
    assert problems == {0: "The nurse already has 1 sessions at that time (at most 1 at once)."}


def test_booster_and_reschedule_offer_one_locations_chairs(
    clinic_ready, harbor, login, personas
) -> None:
    location, _ = harbor
    patient = personas.patient_a
    patient.home_location = location
    patient.save(update_fields=["home_location"])
    client = login(personas.coordinator)
    booster = client.get(reverse("booster_book", args=[patient.pk]))
    assert _offered(booster.context["form"].fields["chair"]) == {"Harbor 1", "Harbor 2"}
    assert "At <strong>Harbor Point</strong>" in booster.content.decode()
    chairs, _ = clinic_ready
    booked = AppointmentFactory(patient=patient, chair=chairs[0])
    moving = client.get(reverse("appointment_reschedule", args=[booked.pk]))
    assert _offered(moving.context["form"].fields["chair"]) == {"Chair 1", "Chair 2"}
    assert "where the session is booked" in moving.content.decode()


def test_no_session_is_booked_where_the_registration_will_have_expired(
    clinic_ready, harbor, login, personas
) -> None:
    """A session on a day the location could not dose (its DEA registration expired by
    then) is refused at booking, next to its row — not at check-in after the patient
    travelled. The day before the expiry still books."""
    location, harbor_chairs = harbor
    day = next_monday() + dt.timedelta(days=7)
    location.dea_expires_on = day + dt.timedelta(days=1)
    location.save(update_fields=["dea_expires_on"])

    def row(offset: int) -> BookingRow:
        start = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(10))
        return BookingRow(
            start=timezone.make_aware(start),
            end=timezone.make_aware(start + dt.timedelta(hours=2)),
            chair_id=harbor_chairs[0].pk,
        )

    problems = booking_problems([row(1), row(3)], personas.patient_a.pk, set())

    assert list(problems) == [1]
    assert problems[1] == (
        f"No session can be booked at Harbor Point after {day + dt.timedelta(days=1):%-d %B %Y}, "
        "when its DEA registration FH7654329 expires. Choose a day up to then, book at another "
        "location, or ask the clinic's administrator, who keeps the locations' DEA "
        "registrations, to enter the renewed one."
    )


LAPSED = (
    "No session can be booked at Harbor Point: its DEA registration FH7654329 expired on {:%-d "
    "%B %Y}. Book at another location, or ask the clinic's administrator, who keeps the "
    "locations' DEA registrations, to enter the renewed one before booking here."
)


def _lapse(location: Location) -> str:
    """The registration lapsed yesterday; what a booking page says of it."""
    location.dea_expires_on = timezone.localdate() - dt.timedelta(days=1)
    location.save(update_fields=["dea_expires_on"])
    return LAPSED.format(location.dea_expires_on)


def test_a_lapsed_registration_is_said_once_and_the_typed_rows_are_kept(
    clinic_ready, harbor, login, personas
) -> None:
    """At a location whose DEA registration has lapsed the page says so before anything is
    typed, next to the location and its "book at another location" links, with who can
    renew it; a series typed there anyway is refused once, above its rows (not under each
    of the six), and every row stays as typed."""
    location, _ = harbor
    refusal = _lapse(location)
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    picked = client.get(url + f"?at={location.pk}")
    assert unescape(picked.content.decode()).count(refusal) == 1
    assert "This field is required." not in picked.content.decode()  # nothing asked yet
    query = f"?first_date={next_monday()}&preferred_start=10:00&at={location.pk}"
    data = proposal_rows(client.get(url + query))
    data["row-1-start_time"] = "11:30"

    refused = client.post(url + query, data)

    html = unescape(refused.content.decode())
    assert "Nothing was booked." in html and html.count(refusal) == 1
    assert refused.context["rows"].forms[1]["start_time"].value() == "11:30"
    assert len(refused.context["rows"].forms) == 6
    assert not Appointment.objects.filter(patient=personas.patient_a).exists()


def test_a_reschedule_at_a_lapsed_location_is_refused_for_the_form_not_the_date(
    clinic_ready, harbor, login, personas
) -> None:
    """No day can be booked where the registration has lapsed, so the refusal is not put
    under the date (as if another day would do); what was typed stays."""
    location, harbor_chairs = harbor
    start = timezone.make_aware(dt.datetime.combine(next_monday(), dt.time(10)))
    booked = AppointmentFactory(
        patient=personas.patient_a, chair=harbor_chairs[0], start=start,
        end=start + dt.timedelta(hours=2),
    )  # fmt: skip
    refusal = _lapse(location)
    client = login(personas.coordinator)
    url = reverse("appointment_reschedule", args=[booked.pk])
    assert unescape(client.get(url).content.decode()).count(refusal) == 1
    day = (next_monday() + dt.timedelta(days=1)).isoformat()

    moved = client.post(url, {"day": day, "start_time": "11:00", "chair": harbor_chairs[0].pk})

    form = moved.context["form"]
    assert form.non_field_errors() == [refusal] and not form["day"].errors
    assert unescape(moved.content.decode()).count(refusal) == 1
    assert form["day"].value() == day and form["start_time"].value() == "11:00"
    booked.refresh_from_db()
    assert booked.start == start and booked.status == "scheduled"


def test_a_location_with_no_registration_on_file_asks_for_the_current_one(
    clinic_ready, harbor, personas
) -> None:
    location, harbor_chairs = harbor
    location.dea_number = ""
    location.save(update_fields=["dea_number"])
    start = timezone.make_aware(dt.datetime.combine(next_monday(), dt.time(10)))
    row = BookingRow(start=start, end=start + dt.timedelta(hours=2), chair_id=harbor_chairs[0].pk)

    problems = booking_problems([row], personas.patient_a.pk, set())

    assert problems == {
        0: "No session can be booked at Harbor Point: it has no DEA registration on file. "
        "Book at another location, or ask the clinic's administrator, who keeps the "
        "locations' DEA registrations, to enter the current one before booking here."
    }
