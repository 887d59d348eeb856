"""Coordinators book a proposed series, reschedule and cancel; everyone sees calendars."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import Appointment, Protocol
from tests.factories import (
    AppointmentFactory,
    ChairFactory,
    ClosureFactory,
    OpeningHoursFactory,
    PatientFactory,
    TreatmentPlanFactory,
    approve,
)


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def clinic_ready(personas):
    ClinicSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    for weekday in range(5):
        OpeningHoursFactory(weekday=weekday, opens_at=dt.time(8), closes_at=dt.time(18))
    chairs = [ChairFactory(name=f"Chair {n}", display_order=n) for n in (1, 2)]
    approve(personas.patient_a, personas.psychiatrist)
    plan = TreatmentPlanFactory(
        patient=personas.patient_a,
        version=1,
        route="iv",
        protocol=Protocol.objects.get(code="iv-standard"),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        infusion_minutes=40,
        series_length=6,
        written_by=personas.psychiatrist,
    )
    personas.patient_a.journey_state = "plan"
    personas.patient_a.save(update_fields=["journey_state"])
    return chairs, plan


def proposal_rows(response) -> dict[str, str]:
    rows = response.context["rows"]
    data = {
        "row-TOTAL_FORMS": str(len(rows.forms)),
        "row-INITIAL_FORMS": str(len(rows.forms)),
        "row-MIN_NUM_FORMS": "1",
        "row-MAX_NUM_FORMS": "8",
    }
    for index, form in enumerate(rows.forms):
        data[f"row-{index}-day"] = form.initial["day"].isoformat()
        data[f"row-{index}-start_time"] = form.initial["start_time"].strftime("%H:%M")
        data[f"row-{index}-chair"] = str(form.initial["chair"])
        data[f"row-{index}-note"] = form.initial.get("note", "")
    return data


def test_a_coordinator_books_the_proposed_series_in_a_few_clicks(
    clinic_ready, login, personas
) -> None:
    chairs, plan = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    proposed = client.get(url + query)
    assert len(proposed.context["rows"].forms) == 6
    response = client.post(url + query, proposal_rows(proposed))
    assert response["Location"] == reverse("patient_sessions", args=[personas.patient_a.pk])
    booked = Appointment.objects.filter(patient=personas.patient_a).order_by("start")
    assert [a.series_number for a in booked] == [1, 2, 3, 4, 5, 6]
    assert {timezone.localtime(a.start).strftime("%H:%M") for a in booked} == {"10:00"}
    assert {a.plan_id for a in booked} == {plan.pk}
    page = client.get(response["Location"]).content.decode()
    assert "0 of 6 done, 6 booked" in page
    personas.patient_a.refresh_from_db()
    assert personas.patient_a.journey_state == "induction"


def test_a_double_booking_is_refused_with_a_clear_message_and_nothing_booked(
    clinic_ready, login, personas
) -> None:
    chairs, _ = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    proposed = client.get(url + query)
    data = proposal_rows(proposed)
    # Someone books the third slot in the meantime.
    other = PatientFactory()
    approve(other, personas.psychiatrist)
    other_plan = TreatmentPlanFactory(
        patient=other,
        version=1,
        route="iv",
        protocol=Protocol.objects.get(code="iv-standard"),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        series_length=6,
        written_by=personas.psychiatrist,
    )
    start = dt.datetime.combine(
        dt.date.fromisoformat(data["row-2-day"]),
        dt.time(10),
        tzinfo=timezone.get_current_timezone(),
    )
    AppointmentFactory(
        patient=other,
        plan=other_plan,
        kind="induction",
        chair=chairs[0],
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )
    response = client.post(url + query, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chair 1 is already booked" in body
    assert not Appointment.objects.filter(patient=personas.patient_a).exists()


def test_edits_that_break_the_protocol_are_explained(clinic_ready, login, personas) -> None:
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00"
    data = proposal_rows(client.get(url + query))
    data["row-1-day"] = (
        dt.date.fromisoformat(data["row-0-day"]) + dt.timedelta(days=1)
    ).isoformat()
    response = client.post(url + query, data)
    body = response.content.decode()
    assert "are less than 2 days apart" in body
    assert not Appointment.objects.exists()


def test_reschedule_books_the_new_time_and_cancels_the_old(clinic_ready, login, personas):
    chairs, _ = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    client.post(url + query, proposal_rows(client.get(url + query)))
    first = Appointment.objects.filter(patient=personas.patient_a).order_by("start").first()
    local = timezone.localtime(first.start)
    response = client.post(
        reverse("appointment_reschedule", args=[first.pk]),
        {"day": local.date().isoformat(), "start_time": "14:00", "chair": chairs[1].pk},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "cancelled"
    moved = first.rescheduled_to
    assert (
        timezone.localtime(moved.start).strftime("%H:%M"),
        moved.chair,
        moved.series_number,
    ) == ("14:00", chairs[1], 1)
    # A move that breaks the gap rule is refused next to the date.
    second = Appointment.objects.get(
        patient=personas.patient_a, series_number=2, status="scheduled"
    )
    refused = client.post(
        reverse("appointment_reschedule", args=[second.pk]),
        {"day": local.date().isoformat(), "start_time": "16:00", "chair": chairs[0].pk},
    )
    assert "less than 2 days apart" in refused.content.decode()


def test_cancelling_frees_the_chair(clinic_ready, login, personas) -> None:
    chairs, _ = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    client.post(url + query, proposal_rows(client.get(url + query)))
    first = Appointment.objects.filter(patient=personas.patient_a).order_by("start").first()
    empty = client.post(reverse("appointment_cancel", args=[first.pk]), {"reason": ""})
    assert "This field is required." in empty.content.decode()
    client.post(reverse("appointment_cancel", args=[first.pk]), {"reason": "Patient has flu"})
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == ("cancelled", "Patient has flu")


def test_calendars_show_a_column_per_chair_and_the_week(clinic_ready, login, personas) -> None:
    chairs, _ = clinic_ready
    coordinator = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    coordinator.post(url + query, proposal_rows(coordinator.get(url + query)))
    day = coordinator.get(reverse("calendar_day"), {"date": next_monday().isoformat()})
    columns = day.context["columns"]
    assert [chair.name for chair, _ in columns] == ["Chair 1", "Chair 2"]
    assert len(columns[0][1]) == 1 and columns[1][1] == []
    week = coordinator.get(reverse("calendar_week"), {"date": next_monday().isoformat()})
    assert sum(len(items) for _, items, _opening in week.context["days"]) == 2
    # A therapist sees only caseload patients; patient_b's sessions stay hidden.
    body = (
        login(personas.other_therapist)
        .get(reverse("calendar_day"), {"date": next_monday().isoformat()})
        .content.decode()
    )
    assert personas.patient_a.legal_last_name not in body


@pytest.mark.parametrize("rows", [1, 30])
def test_calendar_query_budgets(
    rows, clinic_ready, login, personas, django_assert_max_num_queries
) -> None:
    chairs, plan = clinic_ready
    monday = next_monday()
    for index in range(rows):
        patient = PatientFactory()
        approve(patient, personas.psychiatrist)
        other = TreatmentPlanFactory(
            patient=patient,
            version=1,
            route="iv",
            protocol=plan.protocol,
            dose_mode="mg_per_kg",
            dose_mg_per_kg="0.5",
            series_length=6,
            written_by=personas.psychiatrist,
        )
        start = dt.datetime.combine(
            monday + dt.timedelta(days=index % 5),
            dt.time(8),
            tzinfo=timezone.get_current_timezone(),
        ) + dt.timedelta(minutes=15 * (index // 5))
        AppointmentFactory(
            patient=patient,
            plan=other,
            kind="induction",
            chair=chairs[index % 2] if index < 2 else ChairFactory(name=f"Extra {index}"),
            start=start,
            end=start + dt.timedelta(minutes=10),
            booked_by=personas.coordinator,
        )
    client = login(personas.coordinator)
    for name in ("calendar_day", "calendar_week"):
        client.get(reverse(name), {"date": monday.isoformat()})
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name), {"date": monday.isoformat()}).status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_an_absurd_date_is_a_form_error_on_every_booking_page(
    clinic_ready, login, personas, day
) -> None:
    chairs, _ = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    proposal = client.get(url, {"first_date": day, "preferred_start": "10:00"})
    assert proposal.status_code == 200
    assert proposal.context["ask"].errors["first_date"]
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    data = proposal_rows(client.get(url + query))
    data["row-0-day"] = day
    refused = client.post(url + query, data)
    assert refused.status_code == 200
    assert refused.context["rows"].forms[0].errors["day"]
    assert not Appointment.objects.exists()
    client.post(url + query, proposal_rows(client.get(url + query)))
    first = Appointment.objects.filter(patient=personas.patient_a).order_by("start").first()
    moved = client.post(
        reverse("appointment_reschedule", args=[first.pk]),
        {"day": day, "start_time": "10:00", "chair": chairs[0].pk},
    )
    assert moved.status_code == 200 and moved.context["form"].errors["day"]
    personas.patient_a.journey_state = "maintenance"
    personas.patient_a.save(update_fields=["journey_state"])
    booster = client.post(
        reverse("booster_book", args=[personas.patient_a.pk]),
        {"day": day, "start_time": "10:00", "chair": chairs[0].pk},
    )
    assert booster.status_code == 200 and booster.context["form"].errors["day"]


def test_a_booking_at_3am_is_a_clear_error_next_to_the_date(clinic_ready, login, personas):
    chairs, _ = clinic_ready
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    client.post(url + query, proposal_rows(client.get(url + query)))
    first = Appointment.objects.filter(patient=personas.patient_a).order_by("start").first()
    response = client.post(
        reverse("appointment_reschedule", args=[first.pk]),
        {"day": next_monday().isoformat(), "start_time": "03:00", "chair": chairs[0].pk},
    )
    assert "must fit in the opening hours" in " ".join(response.context["form"].errors["day"])
    assert response.context["form"]["start_time"].value() == "03:00"
    first.refresh_from_db()
    assert first.status == "scheduled"


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("page", ["calendar_day", "calendar_week"])
def test_a_calendar_date_out_of_range_is_a_400_not_a_500(login, personas, page, date) -> None:
    response = login(personas.coordinator).get(reverse(page), {"date": date})
    assert response.status_code == 400


def test_only_a_patient_in_maintenance_can_ask_for_a_booster(clinic_ready, login, personas):
    from sessions.models import BoosterRequest

    patient = personas.patient_a  # journey "plan"
    response = login(patient.user).post(reverse("booster_request"), {"note": "please"})
    assert "for patients in maintenance" in " ".join(response.context["form"].errors["note"])
    patient.journey_state = "induction"
    patient.save(update_fields=["journey_state"])
    ordered = login(personas.psychiatrist).post(
        reverse("booster_order", args=[patient.pk]), {"note": "PHQ-9 rising"}
    )
    assert "for patients in maintenance" in ordered.content.decode()
    assert not BoosterRequest.objects.exists()


def test_the_reschedule_cancel_and_booster_order_pages_write_a_view_audit_row(
    clinic_ready, login, personas
) -> None:
    from clinic.models import AuditEvent

    chairs, _ = clinic_ready
    coordinator = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={next_monday()}&preferred_start=10:00&preferred_chair={chairs[0].pk}"
    coordinator.post(url + query, proposal_rows(coordinator.get(url + query)))
    first = Appointment.objects.filter(patient=personas.patient_a).order_by("start").first()
    personas.patient_a.journey_state = "maintenance"
    personas.patient_a.save(update_fields=["journey_state"])
    views = AuditEvent.objects.filter(action="view", patient=personas.patient_a)
    for client, page in (
        (coordinator, reverse("appointment_reschedule", args=[first.pk])),
        (coordinator, reverse("appointment_cancel", args=[first.pk])),
        (login(personas.psychiatrist), reverse("booster_order", args=[personas.patient_a.pk])),
    ):
        before = views.count()
        assert client.get(page).status_code == 200
        assert views.count() == before + 1, page


def test_the_proposals_notes_stay_when_one_row_comes_back_with_an_error(
    clinic_ready, login, personas
) -> None:
    monday = next_monday()
    ClosureFactory(date=monday, reason="Staff training")
    client = login(personas.coordinator)
    url = reverse("book_series", args=[personas.patient_a.pk])
    query = f"?first_date={monday}&preferred_start=10:00"
    proposed = client.get(url + query)
    assert "Test Clinic closed (Staff training)" in proposed.content.decode()
    data = proposal_rows(proposed)
    data["row-3-day"] = "2026-02-30"  # not a date
    response = client.post(url + query, data)
    body = response.content.decode()
    assert "Enter a valid date" in body
    assert "Test Clinic closed (Staff training)" in body  # the first row's note is still there
    assert not Appointment.objects.exists()
