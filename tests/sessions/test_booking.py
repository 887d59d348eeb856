"""Booking a series: all or nothing, no double booking (enforced by PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from clinic.choices import Role
from clinic.models import Chair
from sessions.models import Appointment, Protocol, TreatmentPlan
from sessions.services.scheduling import BookingRow, appointment_cancel, series_book
from tests.factories import PatientFactory, StaffFactory, approve

UTC = dt.UTC


def at(day: int, hour: int, minutes: int = 120) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(2026, 12, day, hour, tzinfo=UTC)
    return start, start + dt.timedelta(minutes=minutes)


def iv_standard() -> Protocol:
    # Seeded by a data migration, but transactional tests flush tables: make sure it exists.
    protocol, _ = Protocol.objects.get_or_create(
        code="iv-standard",
        defaults={
            "name": "IV standard",
            "route": "iv",
            "default_sessions": 6,
            "per_week": 2,
            "weeks": 3,
            "min_days_between": 2,
            "chair_block_minutes": 120,
            "observation_minutes": 30,
            "observation_from": "the infusion ends",
        },
    )
    return protocol


def make_plan(patient, psychiatrist) -> TreatmentPlan:
    approve(patient, psychiatrist)
    return TreatmentPlan.objects.create(
        patient=patient,
        version=1,
        route="iv",
        protocol=iv_standard(),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.500",
        infusion_minutes=40,
        series_length=6,
        written_by=psychiatrist,
    )


@pytest.fixture
def setup(personas):
    chairs = [Chair.objects.create(name=f"Chair {n}", display_order=n) for n in (1, 2)]
    plan = make_plan(personas.patient_a, personas.psychiatrist)
    return personas, chairs, plan


def rows(chair, *days):
    return [BookingRow(*at(day, 15), chair_id=chair.pk) for day in days]


def test_a_series_is_booked_as_one_row_per_session(setup) -> None:
    personas, (chair, _), plan = setup
    booked = series_book(
        plan=plan, rows=rows(chair, 7, 9, 14, 16, 21, 23), actor=personas.coordinator, request=None
    )
    assert [a.series_number for a in booked] == [1, 2, 3, 4, 5, 6]
    assert {a.plan_id for a in booked} == {plan.pk}
    assert {a.status for a in booked} == {"scheduled"}


def test_one_conflict_books_nothing_and_says_which_row(setup) -> None:
    personas, (chair, _), plan = setup
    other_plan = make_plan(personas.patient_b, personas.psychiatrist)
    series_book(plan=other_plan, rows=rows(chair, 14), actor=personas.coordinator, request=None)
    with pytest.raises(ValidationError) as error:
        series_book(
            plan=plan, rows=rows(chair, 7, 9, 14, 16), actor=personas.coordinator, request=None
        )
    assert list(error.value.message_dict) == ["row_2"]
    assert "Chair 1 is already booked" in error.value.message_dict["row_2"][0]
    assert not Appointment.objects.filter(patient=personas.patient_a).exists()


def test_back_to_back_is_fine_and_cancelled_bookings_do_not_count(setup) -> None:
    personas, (chair, _), plan = setup
    other_plan = make_plan(personas.patient_b, personas.psychiatrist)
    earlier = series_book(
        plan=other_plan,
        rows=[BookingRow(*at(7, 13), chair_id=chair.pk)],
        actor=personas.coordinator,
        request=None,
    )[0]
    series_book(
        plan=plan,
        rows=[BookingRow(*at(7, 15), chair_id=chair.pk)],
        actor=personas.coordinator,
        request=None,
    )  # 13–15 then 15–17
    appointment_cancel(
        appointment=earlier, reason="Patient unwell", actor=personas.coordinator, request=None
    )
    series_book(
        plan=other_plan,
        rows=[BookingRow(*at(7, 13), chair_id=chair.pk)],
        actor=personas.coordinator,
        request=None,
    )
    assert Appointment.objects.filter(chair=chair).count() == 3


def test_a_patient_cannot_be_in_two_chairs_at_once(setup) -> None:
    personas, (first, second), plan = setup
    series_book(plan=plan, rows=rows(first, 7), actor=personas.coordinator, request=None)
    with pytest.raises(ValidationError, match="The patient already has an appointment"):
        series_book(plan=plan, rows=rows(second, 7), actor=personas.coordinator, request=None)


def test_only_coordinators_book(setup) -> None:
    personas, (chair, _), plan = setup
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        series_book(plan=plan, rows=rows(chair, 7), actor=personas.nurse, request=None)


def test_cancelling_needs_a_reason(setup) -> None:
    personas, (chair, _), plan = setup
    booked = series_book(plan=plan, rows=rows(chair, 7), actor=personas.coordinator, request=None)
    with pytest.raises(ValidationError, match="Give a reason"):
        appointment_cancel(
            appointment=booked[0], reason=" ", actor=personas.coordinator, request=None
        )


def test_a_plan_version_is_never_changed(setup) -> None:
    _, _, plan = setup
    with pytest.raises(PermissionError):
        plan.save()


def test_postgresql_itself_refuses_overlapping_active_appointments(setup) -> None:
    assert connection.vendor == "postgresql", "CI proves the constraints on PostgreSQL"
    personas, (chair, second), plan = setup
    other_plan = make_plan(personas.patient_b, personas.psychiatrist)

    def raw(plan_, chair_, day, hour, status="scheduled", reason=""):
        start, end = at(day, hour)
        return Appointment.objects.create(
            patient=plan_.patient,
            plan=plan_,
            kind="induction",
            chair=chair_,
            start=start,
            end=end,
            status=status,
            cancel_reason=reason,
            booked_by=personas.coordinator,
        )

    raw(plan, chair, 7, 15)
    with pytest.raises(IntegrityError, match="appointment_chair_no_overlap"), transaction.atomic():
        raw(other_plan, chair, 7, 16)
    with (
        pytest.raises(IntegrityError, match="appointment_patient_no_overlap"),
        transaction.atomic(),
    ):
        raw(plan, second, 7, 14)
    raw(other_plan, chair, 7, 17)  # back to back
    raw(other_plan, chair, 7, 15, status="cancelled", reason="moved")  # cancelled: allowed


@pytest.mark.django_db(transaction=True)
def test_many_threads_booking_the_same_chair_slot_exactly_one_succeeds() -> None:
    assert connection.vendor == "postgresql", "CI proves the race on PostgreSQL"
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    psychiatrist = StaffFactory(roles=[Role.PSYCHIATRIST])
    chair = Chair.objects.create(name="Chair 1")
    plans = [make_plan(PatientFactory(), psychiatrist) for _ in range(8)]
    start, end = at(10, 15)
    barrier = threading.Barrier(len(plans))
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(plan: TreatmentPlan) -> None:
        try:
            barrier.wait()
            series_book(
                plan=plan, rows=[BookingRow(start, end, chair.pk)], actor=coordinator, request=None
            )
            result = "booked"
        except ValidationError as error:
            result = "refused: " + " ".join(error.messages)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 1, outcomes
    assert all("already booked" in outcome for outcome in outcomes if outcome != "booked")
    assert Appointment.objects.filter(chair=chair).count() == 1


def test_the_five_default_protocols_are_seeded_by_migration(db) -> None:
    assert dict(Protocol.objects.values_list("code", "default_sessions")) == {
        "iv-standard": 6,
        "iv-rapid": 6,
        "im-standard": 6,
        "esketamine-induction": 8,
        "oral-standard": 8,
    }
    rapid = Protocol.objects.get(code="iv-rapid")
    assert (rapid.per_week, rapid.chair_block_minutes, rapid.observation_minutes) == (3, 120, 30)
