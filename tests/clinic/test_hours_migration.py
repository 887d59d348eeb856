"""The clinic-wide opening hours become every location's own (one copy per location, each
then changed on its own), and the closures stay clinic-wide: every location is closed on
them (controlled-substances.md §1)."""

from __future__ import annotations

import datetime as dt

import pytest

BEFORE = [("clinic", "0015_user_current_location")]
AFTER = [("clinic", "0018_hours_need_a_location")]


@pytest.mark.django_db(transaction=True)
def test_the_hours_are_copied_to_each_location_and_closures_close_every_one(migrate_to) -> None:
    old = migrate_to(BEFORE)
    locations = old.get_model("clinic", "Location")
    riverside = locations.objects.create(name="Riverside")
    harbor = locations.objects.create(name="Harbor Point", time_zone="America/Chicago")
    hours = old.get_model("clinic", "OpeningHours")
    for weekday in range(5):
        hours.objects.create(weekday=weekday, opens_at=dt.time(8), closes_at=dt.time(18))
    hours.objects.create(weekday=5, opens_at=dt.time(9), closes_at=dt.time(13))
    old.get_model("clinic", "Closure").objects.create(
        date=dt.date(2026, 12, 25), reason="Christmas Day"
    )

    new = migrate_to(AFTER)
    moved = new.get_model("clinic", "OpeningHours").objects
    for location in (riverside, harbor):
        rows = moved.filter(location_id=location.pk).order_by("weekday")
        assert [(row.weekday, row.opens_at, row.closes_at) for row in rows] == [
            *[(weekday, dt.time(8), dt.time(18)) for weekday in range(5)],
            (5, dt.time(9), dt.time(13)),
        ]
    assert moved.count() == 12  # the clinic-wide rows are gone: each location has its own
    (closure,) = new.get_model("clinic", "Closure").objects.all()
    assert (closure.date, closure.reason, closure.location_id) == (
        dt.date(2026, 12, 25),
        "Christmas Day",
        None,
    )


@pytest.mark.django_db(transaction=True)
def test_hours_kept_without_any_location_go_to_a_first_one(migrate_to) -> None:
    old = migrate_to(BEFORE)
    old.get_model("clinic", "ClinicSettings").objects.update_or_create(
        pk=1, defaults={"name": "Lakeside Clinic", "time_zone": "America/Denver"}
    )
    old.get_model("clinic", "OpeningHours").objects.create(
        weekday=0, opens_at=dt.time(8), closes_at=dt.time(16)
    )

    new = migrate_to(AFTER)
    (location,) = new.get_model("clinic", "Location").objects.all()
    assert (location.name, location.time_zone) == ("Lakeside Clinic", "America/Denver")
    (row,) = new.get_model("clinic", "OpeningHours").objects.all()
    assert (row.location_id, row.weekday, row.closes_at) == (location.pk, 0, dt.time(16))
