"""Today's single clinic migrates into one location (controlled-substances.md §1): its
name, address, phone, time zone, nurse capacity and REMS certification; every chair, every
member of staff and every patient is attached to it. A fresh database gets no location."""

from __future__ import annotations

import datetime as dt

import pytest

BEFORE = [("clinic", "0010_reminder_kind_choices_registry")]
AFTER = [("clinic", "0013_chair_location_required")]


@pytest.mark.django_db(transaction=True)
def test_the_single_clinic_becomes_one_location_with_every_chair(migrate_to) -> None:
    old = migrate_to(BEFORE)
    old.get_model("clinic", "ClinicSettings").objects.update_or_create(
        pk=1,
        defaults={
            "name": "Riverside Ketamine Clinic",
            "address": "200 River Street, Cambridge, MA 02139",
            "phone": "+1 617 555 0100",
            "time_zone": "America/Chicago",
            "nurse_capacity": 4,
            "rems_certification_id": "RMS-4471902",
            "rems_certified_on": dt.date(2025, 3, 1),
        },
    )
    chairs = old.get_model("clinic", "Chair")
    for number in (1, 2, 3):
        chairs.objects.create(name=f"Chair {number}", display_order=number)
    users = old.get_model("clinic", "User")
    nurse = users.objects.create(username="nurse", account_type="staff")
    patient_login = users.objects.create(username="KC-1", account_type="patient")
    patient = old.get_model("clinic", "Patient").objects.create(
        mrn="KC-000001", legal_first_name="Alex", legal_last_name="Morgan"
    )

    new = migrate_to(AFTER)
    (location,) = new.get_model("clinic", "Location").objects.all()
    assert location.name == "Riverside Ketamine Clinic"
    assert location.address == "200 River Street, Cambridge, MA 02139"
    assert location.phone == "+1 617 555 0100"
    assert location.time_zone == "America/Chicago"
    assert location.nurse_capacity == 4
    assert location.rems_certification_id == "RMS-4471902"
    assert location.rems_certified_on == dt.date(2025, 3, 1)
    # No DEA registration is known yet: the admin enters it (the gate blocks until then).
    assert location.dea_number == "" and location.dea_expires_on is None
    new_chairs = new.get_model("clinic", "Chair").objects.all()
    assert new_chairs.count() == 3
    assert set(new_chairs.values_list("location_id", flat=True)) == {location.pk}
    new_users = new.get_model("clinic", "User")
    assert list(new_users.objects.get(pk=nurse.pk).locations.all()) == [location]
    assert not new_users.objects.get(pk=patient_login.pk).locations.exists()
    new_patient = new.get_model("clinic", "Patient").objects.get(pk=patient.pk)
    assert new_patient.home_location_id == location.pk


@pytest.mark.django_db(transaction=True)
def test_a_fresh_database_gets_no_location(migrate_to) -> None:
    migrate_to(BEFORE)
    old_settings = migrate_to(BEFORE).get_model("clinic", "ClinicSettings")
    old_settings.objects.all().delete()
    new = migrate_to(AFTER)
    assert not new.get_model("clinic", "Location").objects.exists()
