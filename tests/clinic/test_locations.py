"""Clinic locations (controlled-substances.md §1): the DEA registration's number is checked
(format and check digit) next to the field in the admin, only the admin role edits a
location, and the admin's home page warns 60 days before a registration expires and
alerts once it has."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import Chair, Location, validate_dea_number
from clinic.models.clinic_setup import dea_check_digit
from tests.factories import ChairFactory, LocationFactory


def local_today(location: Location) -> dt.date:
    return timezone.localdate(timezone.now(), location.zone)


# --- The DEA number --------------------------------------------------------------------


@pytest.mark.parametrize("number", ["FR1234563", "FH7654329", "AB0000000"])
def test_a_dea_number_with_its_check_digit_is_valid(number) -> None:
    validate_dea_number(number)


def test_the_check_digit_is_the_deas_sum() -> None:
    # (1 + 3 + 5) + 2 × (2 + 4 + 6) = 33: check digit 3.
    assert dea_check_digit("123456") == 3


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("FR1234564", "check digit"),
        ("F11234563", "two capital letters"),
        ("FR123456", "two capital letters"),
        ("FR12345630", "two capital letters"),
        ("fr1234563", "two capital letters"),
    ],
)
def test_a_malformed_dea_number_is_refused_with_a_clear_message(number, why) -> None:
    with pytest.raises(ValidationError, match=why):
        validate_dea_number(number)


def test_unknown_schedules_are_refused(db: None) -> None:
    location = LocationFactory.build(name="Elsewhere", dea_schedules="3,3N,7")
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert "Unknown schedule(s): 7" in caught.value.message_dict["dea_schedules"][0]


def _location_form(**values) -> dict:
    data = {
        "name": "Harbor Point",
        "address": "18 Harbor Point Boulevard, Boston, MA 02125",
        "phone": "+16175550200",
        "time_zone": "America/New_York",
        "is_active": "on",
        "nurse_capacity": "2",
        "dea_number": "FH7654329",
        "dea_schedules": "3,3N,4,5",
        "dea_expires_on": "2028-06-30",
        "rems_certification_id": "RMS-5580213",
        "rems_certified_on": "2026-02-02",
        "opening_hours-TOTAL_FORMS": "2",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "7",
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens_at": "09:00",
        "opening_hours-0-closes_at": "17:00",
        "opening_hours-1-weekday": "1",
        "opening_hours-1-opens_at": "09:00",
        "opening_hours-1-closes_at": "17:00",
        "chairs-TOTAL_FORMS": "1",
        "chairs-INITIAL_FORMS": "0",
        "chairs-MIN_NUM_FORMS": "0",
        "chairs-MAX_NUM_FORMS": "1000",
        "chairs-0-name": "Harbor 1",
        "chairs-0-room": "Harbor suite",
        "chairs-0-is_active": "on",
        "chairs-0-display_order": "11",
    }
    data.update(values)
    return data


def test_an_admin_adds_a_location_with_its_chairs(login, personas) -> None:
    client = login(personas.admin)
    response = client.post(reverse("admin:clinic_location_add"), _location_form())
    assert response.status_code == 302
    location = Location.objects.get(name="Harbor Point")
    assert location.dea_expires_on == dt.date(2028, 6, 30)
    assert list(location.chairs.values_list("name", flat=True)) == ["Harbor 1"]
    assert list(location.opening_hours.values_list("weekday", "opens_at")) == [
        (0, dt.time(9)),
        (1, dt.time(9)),
    ]
    assert location.history.count() == 1


def test_a_wrong_dea_number_is_refused_next_to_the_field_and_nothing_is_stored(
    login, personas
) -> None:
    client = login(personas.admin)
    response = client.post(
        reverse("admin:clinic_location_add"), _location_form(dea_number="FH7654320")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["dea_number"]
    assert "check digit" in errors["dea_number"][0]
    assert "check digit" in response.content.decode()
    assert not Location.objects.filter(name="Harbor Point").exists()
    assert not Chair.objects.filter(name="Harbor 1").exists()


def test_a_dea_number_typed_in_lower_case_is_stored_as_on_the_certificate(login, personas) -> None:
    client = login(personas.admin)
    client.post(reverse("admin:clinic_location_add"), _location_form(dea_number="fh7654329 "))
    assert Location.objects.get(name="Harbor Point").dea_number == "FH7654329"


@pytest.mark.parametrize("who", ["nurse", "coordinator", "psychiatrist"])
def test_only_the_admin_role_edits_locations(login, personas, who) -> None:
    location = LocationFactory()
    client = login(getattr(personas, who))
    change = reverse("admin:clinic_location_change", args=[location.pk])
    assert client.get(change).status_code == 403
    response = client.post(change, _location_form(name="Renamed", dea_number=""))
    assert response.status_code == 403
    assert Location.objects.get(pk=location.pk).name == location.name


def test_the_admin_assigns_staff_to_locations(login, personas) -> None:
    riverside = LocationFactory(name="Riverside")
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    client = login(personas.admin)
    url = reverse("admin:clinic_user_change", args=[personas.nurse.pk])
    html = client.get(url).content.decode()
    assert "Riverside" in html and "Harbor Point" in html
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["locations"] = [riverside.pk, harbor.pk]
    data["is_active"] = "on"
    for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"staff_roles-{key}"] = "0"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(personas.nurse.locations.all()) == {riverside, harbor}


# --- The admin's home page warnings -----------------------------------------------------


def _home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        (61, None),
        (60, "alert-warning"),
        (1, "alert-warning"),
        (0, "alert-warning"),
        (-1, "alert-danger"),
    ],
)
def test_the_admin_is_warned_60_days_before_a_dea_registration_expires(
    login, personas, days, shown
) -> None:
    location = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    expires = local_today(location) + dt.timedelta(days=days)
    Location.objects.filter(pk=location.pk).update(dea_expires_on=expires)
    html = _home(login(personas.admin))
    if shown is None:
        assert "DEA registration:" not in html
        return
    assert f'class="alert {shown}"' in html
    assert "Harbor Point" in html and f"{expires:%-d %B %Y}" in html
    if days >= 0:
        assert "FH7654329" in html
        assert ("expires today" in html) if days == 0 else (f"in {days} day" in html)
    else:
        assert "Dosing is blocked at Harbor Point" in html


def test_a_location_without_registration_is_a_danger_alert_and_only_admins_see_it(
    login, personas
) -> None:
    LocationFactory(name="Harbor Point", dea_number="", dea_expires_on=None)
    html = _home(login(personas.admin))
    assert 'class="alert alert-danger"' in html
    assert "Harbor Point: it has no DEA registration on file" in html
    assert "DEA registration:" not in _home(login(personas.nurse))


def test_an_inactive_location_is_not_warned_about(login, personas) -> None:
    LocationFactory(name="Old site", dea_number="", dea_expires_on=None, is_active=False)
    assert "DEA registration:" not in _home(login(personas.admin))


def test_a_chair_belongs_to_a_location(db: None) -> None:
    chair = ChairFactory()
    assert chair.location.chairs.get() == chair


def test_a_coordinator_sets_the_patients_home_location(login, personas) -> None:
    riverside = LocationFactory(name="Riverside")
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    LocationFactory(name="Closed site", dea_number="", is_active=False)
    patient = personas.patient_a
    patient.home_location = riverside
    patient.save(update_fields=["home_location"])
    client = login(personas.coordinator)
    url = reverse("patient_edit", args=[patient.pk])
    html = client.get(url).content.decode()
    assert "Home location" in html and "Harbor Point" in html and "Closed site" not in html
    data = {
        "legal_first_name": patient.legal_first_name,
        "legal_last_name": patient.legal_last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "email": patient.email,
        "phone": patient.phone,
        "reminder_channel": "email",
        "home_location": harbor.pk,
    }
    assert client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert patient.home_location == harbor
