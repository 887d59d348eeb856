"""The admin keeps each location's opening hours (on the location's page) and closes a day
at one location or at every location, with clear messages next to the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Closure, OpeningHours
from tests.factories import (
    AppointmentFactory,
    ChairFactory,
    LocationFactory,
    open_clinic,
    open_day,
)

pytestmark = pytest.mark.django_db


def _hours_form(location, **values: str) -> dict[str, str]:
    """The location's change form as the admin sends it, with one new weekday row."""
    data = {
        "name": location.name,
        "address": location.address,
        "phone": location.phone,
        "time_zone": location.time_zone,
        "is_active": "on",
        "nurse_capacity": str(location.nurse_capacity),
        "dea_number": location.dea_number,
        "dea_schedules": location.dea_schedules,
        "dea_expires_on": location.dea_expires_on.isoformat(),
        "rems_certification_id": location.rems_certification_id,
        "rems_certified_on": location.rems_certified_on.isoformat(),
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "7",
        "opening_hours-0-weekday": "2",
        "opening_hours-0-opens_at": "09:00",
        "opening_hours-0-closes_at": "17:00",
        "chairs-TOTAL_FORMS": "0",
        "chairs-INITIAL_FORMS": "0",
        "chairs-MIN_NUM_FORMS": "0",
        "chairs-MAX_NUM_FORMS": "1000",
    }
    data.update(values)
    return data


def test_a_locations_hours_are_edited_on_its_page(login, personas) -> None:
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    client = login(personas.admin)
    url = reverse("admin:clinic_location_change", args=[harbor.pk])
    assert "Opening hours" in client.get(url).content.decode()
    assert client.post(url, _hours_form(harbor)).status_code == 302
    (row,) = OpeningHours.objects.filter(location=harbor)
    assert (row.weekday, row.opens_at, row.closes_at) == (2, dt.time(9), dt.time(17))
    assert not OpeningHours.objects.exclude(location=harbor).exists()


def test_closing_before_opening_is_refused_next_to_the_row(login, personas) -> None:
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    client = login(personas.admin)
    url = reverse("admin:clinic_location_change", args=[harbor.pk])
    response = client.post(url, _hours_form(harbor, **{"opening_hours-0-closes_at": "08:00"}))
    assert response.status_code == 200
    assert "Closing time must be after opening time." in response.content.decode()
    assert 'value="08:00"' in response.content.decode()  # what was typed stays
    assert not OpeningHours.objects.exists()


def test_the_hours_list_is_filtered_by_location(login, personas) -> None:
    riverside = open_clinic(LocationFactory(name="Riverside"))
    harbor = open_clinic(LocationFactory(name="Harbor Point", dea_number="FH7654329"), [0])
    client = login(personas.admin)
    page = client.get(
        reverse("admin:clinic_openinghours_changelist") + f"?location__id__exact={harbor.pk}"
    )
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert OpeningHours.objects.filter(location=riverside).count() == 5
    duplicate = client.post(
        reverse("admin:clinic_openinghours_add"),
        {"location": harbor.pk, "weekday": "0", "opens_at": "10:00", "closes_at": "12:00"},
    )
    assert "Harbor Point already has hours on Mondays: change that row instead." in (
        duplicate.content.decode()
    )


def _closure(client, **values):
    return client.post(reverse("admin:clinic_closure_add"), {"reason": "Inspection", **values})


def test_a_day_is_closed_at_one_location_or_at_every_location(login, personas) -> None:
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    day = open_day(10)
    client = login(personas.admin)
    assert _closure(client, location=harbor.pk, date=day.isoformat()).status_code == 302
    assert _closure(client, location="", date=day.isoformat()).status_code == 302
    assert set(Closure.objects.values_list("location", flat=True)) == {harbor.pk, None}
    again = _closure(client, location=harbor.pk, date=day.isoformat())
    assert again.status_code == 200
    assert again.context["adminform"].form.errors["date"] == [
        f"Harbor Point is already closed on {day:%A %-d %B %Y}."
    ]
    everywhere = _closure(client, location="", date=day.isoformat())
    assert "Every location is already closed on" in everywhere.content.decode()
    listing = client.get(reverse("admin:clinic_closure_changelist")).content.decode()
    assert "Every location" in listing and "Harbor Point" in listing
    form = client.get(reverse("admin:clinic_closure_add")).content.decode()
    assert "Every location (clinic-wide)" in form


def test_closing_one_location_lists_only_its_booked_sessions(login, personas) -> None:
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    day = open_day(10)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    for chair in (ChairFactory(name="Chair 1"), ChairFactory(name="Harbor 1", location=harbor)):
        AppointmentFactory(chair=chair, start=start, end=start + dt.timedelta(hours=2))
    client = login(personas.admin)
    at_harbor = _closure(client, location=harbor.pk, date=day.isoformat()).content.decode()
    assert "1 session(s) are booked at Harbor Point" in at_harbor
    assert "Harbor 1" in at_harbor and "Chair 1 (" not in at_harbor
    everywhere = _closure(client, location="", date=day.isoformat()).content.decode()
    assert "2 session(s) are booked on" in everywhere
    assert not Closure.objects.exists()
