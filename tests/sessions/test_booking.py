"""Booking a series: all or nothing, no double booking (enforced by PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.choices import Role
from sessions.models import Appointment, Protocol, TreatmentPlan
from sessions.services.scheduling import BookingRow, appointment_cancel, series_book
from tests.concurrency import run_together
from tests.factories import (
    AppointmentFactory,
    BenefitReviewFactory,
    BoosterRequestFactory,
    ChairFactory,
    ClosureFactory,
    PatientFactory,
    StaffFactory,
    TreatmentPlanFactory,
    approve,
    open_clinic,
    open_day,
)

UTC = dt.UTC


def at(day: int, hour: int, minutes: int = 120) -> tuple[dt.datetime, dt.datetime]:
    """Day 7 is a Monday at least a week ahead (9 the Wednesday, 14 the next Monday …);
    the hour is UTC (15:00 is 10:00 or 11:00 in the clinic, inside its opening hours)."""
    monday = open_day(7)
    monday -= dt.timedelta(days=monday.weekday())
    if monday < open_day(7):
        monday += dt.timedelta(days=7)
    day_ = monday + dt.timedelta(days=day - 7)
    start = dt.datetime.combine(day_, dt.time(hour), tzinfo=UTC)
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
    return TreatmentPlanFactory(
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
    open_clinic()
    chairs = [ChairFactory(name=f"Chair {n}", display_order=n) for n in (1, 2)]
    plan = make_plan(personas.patient_a, personas.psychiatrist)
    return personas, chairs, plan


def rows(chair, *days):
    return [BookingRow(*at(day, 15), chair_id=chair.pk) for day in days]


def test_a_series_is_booked_as_one_row_per_session(setup) -> None:
    personas, (chair, _), plan = setup
    booked = series_book(
        plan=plan, rows=rows(chair, 7, 9, 14, 16, 21, 23), actor=personas.coordinator
    )
    assert [a.series_number for a in booked] == [1, 2, 3, 4, 5, 6]
    assert {a.plan_id for a in booked} == {plan.pk}
    assert {a.status for a in booked} == {"scheduled"}


def test_one_conflict_books_nothing_and_says_which_row(setup) -> None:
    personas, (chair, _), plan = setup
    other_plan = make_plan(personas.patient_b, personas.psychiatrist)
    series_book(plan=other_plan, rows=rows(chair, 14), actor=personas.coordinator)
    with pytest.raises(ValidationError) as error:
        series_book(plan=plan, rows=rows(chair, 7, 9, 14, 16), actor=personas.coordinator)
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
    )[0]
    series_book(
        plan=plan,
        rows=[BookingRow(*at(7, 15), chair_id=chair.pk)],
        actor=personas.coordinator,
    )  # 13–15 then 15–17
    appointment_cancel(appointment=earlier, reason="Patient unwell", actor=personas.coordinator)
    series_book(
        plan=other_plan,
        rows=[BookingRow(*at(7, 13), chair_id=chair.pk)],
        actor=personas.coordinator,
    )
    assert Appointment.objects.filter(chair=chair).count() == 3


def test_a_patient_cannot_be_in_two_chairs_at_once(setup) -> None:
    personas, (first, second), plan = setup
    # A patient has one induction series: the other appointment is a booster.
    start, end = at(7, 15)
    AppointmentFactory(
        patient=plan.patient,
        plan=plan,
        kind="booster",
        chair=first,
        start=start,
        end=end,
        booked_by=personas.coordinator,
    )
    with pytest.raises(ValidationError, match="The patient already has an appointment"):
        series_book(plan=plan, rows=rows(second, 7), actor=personas.coordinator)


def test_only_coordinators_book(setup) -> None:
    personas, (chair, _), plan = setup
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        series_book(plan=plan, rows=rows(chair, 7), actor=personas.nurse)


def test_cancelling_needs_a_reason(setup) -> None:
    personas, (chair, _), plan = setup
    booked = series_book(plan=plan, rows=rows(chair, 7), actor=personas.coordinator)
    with pytest.raises(ValidationError, match="Give a reason"):
        appointment_cancel(appointment=booked[0], reason=" ", actor=personas.coordinator)


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
        return AppointmentFactory(
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
    open_clinic()
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    psychiatrist = StaffFactory(roles=[Role.PSYCHIATRIST])
    chair = ChairFactory(name="Chair 1")
    plans = [make_plan(PatientFactory(), psychiatrist) for _ in range(8)]
    start, end = at(10, 15)
    outcomes = run_together(
        *(
            partial(
                series_book,
                plan=plan,
                rows=[BookingRow(start, end, chair.pk)],
                actor=coordinator,
            )
            for plan in plans
        ),
        success="booked",
    )
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


def race(times: int, attempt) -> list[str]:
    """Run `attempt(n)` in `times` threads released at once, each on its own connection."""
    return run_together(*(partial(attempt, n) for n in range(times)), success="booked")


@pytest.mark.django_db(transaction=True)
def test_twenty_coordinators_booking_one_patient_s_series_at_once_book_one_series() -> None:
    assert connection.vendor == "postgresql", "CI proves the race on PostgreSQL"
    open_clinic()
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    plan = make_plan(PatientFactory(), StaffFactory(roles=[Role.PSYCHIATRIST]))
    chairs = [ChairFactory(name=f"Chair {n}", display_order=n) for n in range(20)]

    def book(n: int) -> None:
        # Each coordinator picks other times and another chair: no overlap to stop them.
        hour = 13 + 2 * (n % 4)
        series_book(
            plan=plan,
            rows=[
                BookingRow(*at(day + n // 4, hour), chair_id=chairs[n].pk) for day in (7, 14, 21)
            ],
            actor=coordinator,
        )

    outcomes = race(20, book)
    assert outcomes.count("booked") == 1, outcomes
    assert all("already booked" in outcome for outcome in outcomes if outcome != "booked")
    assert Appointment.objects.filter(patient=plan.patient).count() == 3


def test_the_database_allows_one_active_induction_series_per_patient(setup) -> None:
    personas, (chair, _), plan = setup
    series_book(plan=plan, rows=rows(chair, 7), actor=personas.coordinator)
    start, end = at(9, 15)
    with (
        pytest.raises(IntegrityError, match="appointment_one_induction_series"),
        transaction.atomic(),
    ):
        AppointmentFactory(
            patient=plan.patient,
            plan=plan,
            kind="induction",
            series_number=1,
            chair=chair,
            start=start,
            end=end,
            booked_by=personas.coordinator,
        )


@pytest.mark.django_db(transaction=True)
def test_one_booster_request_booked_by_twenty_coordinators_at_once_is_booked_once() -> None:
    assert connection.vendor == "postgresql", "CI proves the race on PostgreSQL"
    from django.utils import timezone

    from sessions.services.scheduling import booster_book

    open_clinic()
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    psychiatrist = StaffFactory(roles=[Role.PSYCHIATRIST])
    patient = PatientFactory(journey_state="maintenance")
    plan = make_plan(patient, psychiatrist)
    chairs = [ChairFactory(name=f"Chair {n}", display_order=n) for n in range(20)]
    last = timezone.now() - dt.timedelta(days=20)
    AppointmentFactory(
        patient=patient,
        plan=plan,
        kind="induction",
        series_number=6,
        chair=chairs[0],
        start=last,
        end=last + dt.timedelta(hours=2),
        status="completed",
        booked_by=coordinator,
    )
    BenefitReviewFactory(
        patient=patient, plan=plan, decision="continue", note="Continue.", signed_by=psychiatrist
    )
    asked = BoosterRequestFactory(patient=patient, source="patient", created_by=psychiatrist)

    def book(n: int) -> None:
        booster_book(
            patient=patient,
            start=at(7 + n % 5, 13 + 2 * (n // 5))[0],
            chair_id=chairs[n].pk,
            nurse_id=None,
            actor=coordinator,
            answering=asked.pk,
        )

    outcomes = race(20, book)
    assert outcomes.count("booked") == 1, outcomes
    assert all("booked a moment ago" in outcome for outcome in outcomes if outcome != "booked")
    assert Appointment.objects.filter(patient=patient, kind="booster").count() == 1


def _maintenance_patient_with_chairs(count: int):
    """A patient in maintenance whose benefit review says continue, ready for a booster."""

    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    psychiatrist = StaffFactory(roles=[Role.PSYCHIATRIST])
    patient = PatientFactory(journey_state="maintenance")
    plan = make_plan(patient, psychiatrist)
    chairs = [ChairFactory(name=f"Chair {n}", display_order=n) for n in range(count)]
    last = timezone.now() - dt.timedelta(days=20)
    AppointmentFactory(
        patient=patient,
        plan=plan,
        kind="induction",
        series_number=6,
        chair=chairs[0],
        start=last,
        end=last + dt.timedelta(hours=2),
        status="completed",
        booked_by=coordinator,
    )
    BenefitReviewFactory(
        patient=patient, plan=plan, decision="continue", note="Continue.", signed_by=psychiatrist
    )
    return coordinator, patient, chairs


@pytest.mark.django_db(transaction=True)
def test_a_booster_no_one_asked_for_booked_by_twenty_coordinators_at_once_is_booked_once() -> None:
    assert connection.vendor == "postgresql", "CI proves the race on PostgreSQL"
    from sessions.services.scheduling import booster_book

    open_clinic()
    coordinator, patient, chairs = _maintenance_patient_with_chairs(20)

    def book(n: int) -> None:
        # Each coordinator saw no booster booked yet (the page's newest booster: none)
        # and picks another time and chair: no overlap to stop them.
        booster_book(
            patient=patient,
            start=at(7 + n % 5, 13 + 2 * (n // 5))[0],
            chair_id=chairs[n].pk,
            nurse_id=None,
            actor=coordinator,
            seen_booster=0,
        )

    outcomes = race(20, book)
    assert outcomes.count("booked") == 1, outcomes
    assert all(
        "booked for this patient a moment ago" in outcome
        for outcome in outcomes
        if outcome != "booked"
    )
    assert Appointment.objects.filter(patient=patient, kind="booster").count() == 1


def test_a_second_tab_cannot_book_the_booster_again_but_a_coordinator_who_saw_it_can(
    db, login
) -> None:
    open_clinic()
    coordinator, patient, (chair,) = _maintenance_patient_with_chairs(1)
    client = login(coordinator)
    first_tab = client.get(reverse("booster_book", args=[patient.pk])).context["form"]
    second_tab = client.get(reverse("booster_book", args=[patient.pk])).context["form"]

    def booking(form, day: int) -> dict[str, object]:
        start = at(day, 15)[0].astimezone(timezone.get_current_timezone())
        return {
            "day": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"),
            "chair": chair.pk,
            "answering": form.initial["answering"] or "",
            "seen_booster": form.initial["seen_booster"],
        }

    url = reverse("booster_book", args=[patient.pk])
    assert client.post(url, booking(first_tab, 7)).status_code == 302
    refused = client.post(url, booking(second_tab, 8))
    assert "Another booster was booked for this patient a moment ago" in refused.content.decode()
    assert Appointment.objects.filter(patient=patient, kind="booster").count() == 1
    # Seeing the first booster on the page, a coordinator may book the next one on purpose.
    third_tab = client.get(url).context["form"]
    assert client.post(url, booking(third_tab, 14)).status_code == 302
    assert Appointment.objects.filter(patient=patient, kind="booster").count() == 2


def _slot(day: dt.date, hour: int, minute: int = 0) -> BookingRow:
    from clinic.models import ClinicSettings

    zone = ClinicSettings.objects.get(pk=1).zone
    start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
    return BookingRow(start, start + dt.timedelta(minutes=120), chair_id=0)


def refusals(setup, monday: dt.date) -> dict[str, BookingRow]:

    _, (chair, _), _ = setup
    ClosureFactory(date=monday + dt.timedelta(days=2), reason="Staff training")

    def row(day: dt.date, hour: int, minute: int = 0) -> BookingRow:
        return dataclasses.replace(_slot(day, hour, minute), chair_id=chair.pk)

    return {
        "has passed": row(open_day(0) - dt.timedelta(days=7), 10),
        "opening hours": row(monday, 3),
        "must fit in the opening hours": row(monday, 17),  # 17:00–19:00, closes 18:00
        "closed on": row(monday + dt.timedelta(days=2), 10),  # the closure
        "closed on Saturdays": row(monday + dt.timedelta(days=5), 10),
        "passed": row(dt.date(1900, 1, 1), 10),
        "days ahead": row(open_day(0) + dt.timedelta(days=800), 10),
    }


@pytest.mark.parametrize(
    "problem",
    [
        "has passed",
        "opening hours",
        "must fit in the opening hours",
        "closed on",
        "closed on Saturdays",
        "passed",
        "days ahead",
    ],
)
def test_every_booking_service_refuses_a_slot_the_clinic_rules_forbid(setup, problem) -> None:
    from sessions.services.scheduling import appointment_reschedule, booster_book

    personas, (chair, _), plan = setup
    monday = at(14, 15)[0].date()
    wanted = refusals(setup, monday)[problem]
    with pytest.raises(ValidationError, match=problem):
        series_book(plan=plan, rows=[wanted], actor=personas.coordinator)
    booked = series_book(plan=plan, rows=rows(chair, 7), actor=personas.coordinator)[0]
    with pytest.raises(ValidationError, match=problem):
        appointment_reschedule(
            appointment=booked,
            start=wanted.start,
            end=wanted.end,
            chair_id=chair.pk,
            actor=personas.coordinator,
        )
    BenefitReviewFactory(
        patient=plan.patient,
        plan=plan,
        decision="continue",
        note="Continue.",
        signed_by=personas.psychiatrist,
    )
    with pytest.raises(ValidationError, match=problem):
        booster_book(
            patient=plan.patient,
            start=wanted.start,
            chair_id=chair.pk,
            nurse_id=None,
            actor=personas.coordinator,
        )
    assert list(Appointment.objects.values_list("pk", flat=True)) == [booked.pk]


def test_a_series_breaking_the_protocol_s_pattern_is_refused_by_the_service(setup) -> None:
    personas, (chair, _), plan = setup
    with pytest.raises(ValidationError, match="less than 2 days apart"):
        series_book(plan=plan, rows=rows(chair, 7, 8), actor=personas.coordinator)
    with pytest.raises(ValidationError, match="the protocol allows 2"):
        series_book(plan=plan, rows=rows(chair, 7, 9, 11), actor=personas.coordinator)
    assert not Appointment.objects.exists()


def test_a_nurse_is_never_given_more_sessions_at_once_than_the_clinic_allows(setup) -> None:
    from clinic.models import Location

    personas, (first, second), plan = setup
    # The capacity is the location's (each location sets its own).
    Location.objects.filter(chairs=first).update(nurse_capacity=1)
    other = make_plan(PatientFactory(), personas.psychiatrist)
    start, end = at(7, 15)
    series_book(
        plan=other,
        rows=[BookingRow(start, end, first.pk, personas.nurse.pk)],
        actor=personas.coordinator,
    )
    with pytest.raises(ValidationError, match="The nurse already has 1 sessions"):
        series_book(
            plan=plan,
            rows=[BookingRow(start, end, second.pk, personas.nurse.pk)],
            actor=personas.coordinator,
        )
