"""Maintenance boosters: due list, patient requests, psychiatrist orders, booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Appointment, BenefitReview, BoosterRequest, Protocol
from tests.factories import (
    AppointmentFactory,
    BenefitReviewFactory,
    ChairFactory,
    MeasureResultFactory,
    PatientFactory,
    TreatmentPlanFactory,
    approve,
    open_clinic,
    open_day,
)


@pytest.fixture
def maintenance(personas):
    """patient_a finished an IV series whose last session was 26 days ago (interval 4 w)."""
    open_clinic()
    patient = personas.patient_a
    patient.journey_state = "maintenance"
    patient.save(update_fields=["journey_state"])
    approve(patient, personas.psychiatrist)
    plan = TreatmentPlanFactory(
        patient=patient,
        version=1,
        route="iv",
        protocol=Protocol.objects.get(code="iv-standard"),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        infusion_minutes=40,
        series_length=6,
        maintenance_interval_weeks=4,
        written_by=personas.psychiatrist,
    )
    chair = ChairFactory(name="Chair 1")
    last = timezone.now() - dt.timedelta(days=26)
    AppointmentFactory(
        patient=patient,
        plan=plan,
        kind="induction",
        series_number=6,
        chair=chair,
        start=last,
        end=last + dt.timedelta(hours=2),
        status="completed",
        booked_by=personas.coordinator,
    )
    BenefitReviewFactory(
        patient=patient,
        plan=plan,
        decision="continue",
        note="PHQ-9 halved; continue monthly boosters.",
        signed_by=personas.psychiatrist,
        signed_at=last + dt.timedelta(days=1),
    )
    return patient, plan, chair


def test_a_booster_due_within_14_days_is_listed(maintenance, login, personas) -> None:
    patient, _, _ = maintenance
    page = login(personas.coordinator).get(reverse("boosters_due"))
    rows = page.context["rows"]
    assert [row.patient for row in rows] == [patient]
    expected = timezone.localtime(timezone.now() - dt.timedelta(days=26)).date() + dt.timedelta(
        weeks=4
    )
    assert rows[0].due == expected
    assert "Every 4 weeks (plan)" in page.content.decode()


def test_a_booked_booster_leaves_the_list(maintenance, login, personas) -> None:
    patient, _, chair = maintenance
    client = login(personas.coordinator)
    day = open_day(3)
    response = client.post(
        reverse("booster_book", args=[patient.pk]),
        {"day": day.isoformat(), "start_time": "09:00", "chair": chair.pk},
    )
    assert response["Location"] == reverse("patient_sessions", args=[patient.pk])
    booster = Appointment.objects.get(kind="booster")
    assert booster.end - booster.start == dt.timedelta(minutes=120)
    assert client.get(reverse("boosters_due")).context["rows"] == []


def test_a_patient_requests_a_booster_from_the_portal(maintenance, login, personas) -> None:
    patient, _, chair = maintenance
    client = login(patient.user)
    assert "Request a booster" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("booster_request"), {"note": "Low mood since last week"})
    assert response["Location"] == reverse("home")
    again = client.post(reverse("booster_request"), {"note": "again"})
    assert "already waiting to be booked" in again.content.decode()
    coordinator = login(personas.coordinator)
    listing = coordinator.get(reverse("boosters_due")).content.decode()
    assert "Requested by the patient" in listing and "Low mood since last week" in listing
    coordinator.post(
        reverse("booster_book", args=[patient.pk]),
        {
            "day": open_day(2).isoformat(),
            "start_time": "10:00",
            "chair": chair.pk,
        },
    )
    assert BoosterRequest.objects.get().appointment.kind == "booster"


def test_a_psychiatrist_orders_a_booster(maintenance, login, personas) -> None:
    patient, _, _ = maintenance
    client = login(personas.psychiatrist)
    client.post(reverse("booster_order", args=[patient.pk]), {"note": "PHQ-9 rising"})
    assert BoosterRequest.objects.get().source == "psychiatrist"


def test_a_booster_conflict_is_a_form_error(maintenance, login, personas) -> None:
    patient, plan, chair = maintenance
    day = open_day(3)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    other = PatientFactory()
    other_plan = TreatmentPlanFactory(
        patient=other,
        version=1,
        route="iv",
        protocol=plan.protocol,
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        series_length=6,
        written_by=personas.psychiatrist,
    )
    AppointmentFactory(
        patient=other,
        plan=other_plan,
        kind="induction",
        chair=chair,
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )
    response = login(personas.coordinator).post(
        reverse("booster_book", args=[patient.pk]),
        {"day": day.isoformat(), "start_time": "10:00", "chair": chair.pk},
    )
    assert "Chair 1 is already booked" in response.content.decode()
    assert not Appointment.objects.filter(kind="booster").exists()


@pytest.mark.parametrize("rows", [1, 30])
def test_boosters_due_query_budget(
    rows, maintenance, login, personas, django_assert_max_num_queries
) -> None:
    _, plan, chair = maintenance
    for index in range(rows):
        patient = PatientFactory(journey_state="maintenance")
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
        last = timezone.now() - dt.timedelta(days=40, hours=index)
        AppointmentFactory(
            patient=patient,
            plan=other,
            kind="induction",
            chair=chair,
            start=last,
            end=last + dt.timedelta(minutes=30),
            status="completed",
            booked_by=personas.coordinator,
        )
    client = login(personas.coordinator)
    client.get(reverse("boosters_due"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("boosters_due")).status_code == 200


def test_no_booster_is_booked_before_the_benefit_review(maintenance, login, personas) -> None:
    patient, _plan, chair = maintenance
    BenefitReview.objects.filter(patient=patient).delete()
    html = login(personas.coordinator).get(reverse("boosters_due")).content.decode()
    assert "records the end-of-induction benefit review before the first booster" in html
    day = open_day(3)
    response = login(personas.coordinator).post(
        reverse("booster_book", args=[patient.pk]),
        {"day": day.isoformat(), "start_time": "09:00", "chair": chair.pk},
    )
    assert "benefit review before the first booster" in response.content.decode()
    assert not Appointment.objects.filter(kind="booster").exists()


def test_the_psychiatrist_signs_the_benefit_review_with_the_phq9_change(
    maintenance, login, personas
) -> None:
    patient, _plan, _chair = maintenance
    BenefitReview.objects.filter(patient=patient).delete()

    for total, context in ((18, "intake"), (7, "pre_session")):
        MeasureResultFactory(
            patient=patient, instrument="phq9", items={}, total=total, band="x",
            context=context, entered_by=personas.nurse,
        )  # fmt: skip
    psychiatrist = login(personas.psychiatrist)
    url = reverse("benefit_review", args=[patient.pk])
    response = psychiatrist.post(url, {"decision": "continue", "note": "ok"})
    html = response.content.decode()
    assert "at least 10 characters" in html and "ok</textarea>" in html  # typed text kept
    psychiatrist.post(url, {"decision": "continue", "note": "PHQ-9 18 to 7; sleeping better."})
    review = BenefitReview.objects.get(patient=patient)
    assert (review.phq9_baseline, review.phq9_latest, review.phq9_change) == (18, 7, "response")
    page = psychiatrist.get(reverse("patient_sessions", args=[patient.pk])).content.decode()
    assert "Continue to maintenance boosters" in page


@pytest.mark.parametrize(
    ("decision", "text"),
    [("stop", "said to stop treatment"), ("change_route", "writes a new plan")],
)
def test_a_review_that_says_stop_or_change_route_holds_the_booster(
    maintenance, login, personas, decision, text
) -> None:
    patient, _plan, _chair = maintenance
    BenefitReviewFactory(
        patient=patient, plan=_plan, decision=decision, note="Reviewed with the patient.",
        signed_by=personas.psychiatrist,
    )  # fmt: skip
    html = login(personas.coordinator).get(reverse("boosters_due")).content.decode()
    assert text in html


def test_esketamine_boosters_are_weekly_in_weeks_5_to_8() -> None:
    from sessions.scheduling import booster_interval_weeks

    start = dt.date(2026, 9, 1)
    weekly = booster_interval_weeks(
        "intranasal_esketamine", 2, induction_start=start, last_completed=dt.date(2026, 9, 26)
    )
    later = booster_interval_weeks(
        "intranasal_esketamine", 2, induction_start=start, last_completed=dt.date(2026, 10, 25)
    )
    iv = booster_interval_weeks("iv", 4, induction_start=start, last_completed=dt.date(2026, 9, 26))
    assert (weekly, later, iv) == (1, 2, 4)


MEDICAL_NO = {
    "hypertension_dx": "no", "aneurysm_history": "no", "avm_history": "no",
    "ich_history": "no", "had_heart_attack": "no", "had_stroke": "no",
    "coronary_disease": "no", "heart_failure": "no", "arrhythmia": "no",
    "hypertensive_encephalopathy": "no", "raised_icp": "no", "glaucoma": "no",
    "hyperthyroidism_untreated": "no", "liver_disease": "none", "interstitial_cystitis": "no",
    "sleep_apnea_untreated": "no", "porphyria": "no", "ketamine_allergy": "no",
    "weight_kg": "71.5",
}  # fmt: skip


def test_after_more_than_3_months_the_patient_answers_the_health_questions_again(
    maintenance, login, personas
) -> None:
    from intake.models import ScreeningResult

    patient, _plan, chair = maintenance
    Appointment.objects.filter(patient=patient).update(
        start=timezone.now() - dt.timedelta(days=100),
        end=timezone.now() - dt.timedelta(days=100) + dt.timedelta(hours=2),
    )
    coordinator = login(personas.coordinator)
    assert (
        "answers the health questions again"
        in coordinator.get(reverse("boosters_due")).content.decode()
    )
    day = open_day(3)
    booking = {"day": day.isoformat(), "start_time": "09:00", "chair": chair.pk}
    response = coordinator.post(reverse("booster_book", args=[patient.pk]), booking)
    assert "answers the health questions again" in response.content.decode()

    portal = login(patient.user)
    page = portal.get(reverse("my_sessions")).content.decode()
    assert "answer the health questions again" in page
    response = portal.post(reverse("my_health_check"), MEDICAL_NO | {"weight_kg": "abc"})
    assert "Enter a number" in response.content.decode()  # the rest stays as typed
    assert portal.post(reverse("my_health_check"), MEDICAL_NO | {"aneurysm_history": "yes"})[
        "Location"
    ] == reverse("my_sessions")
    rescreen = ScreeningResult.objects.filter(intake__patient=patient).first()
    assert rescreen.trigger == "rescreen" and "VASCULAR_ANEURYSM" in rescreen.flag_codes
    assert (
        "answer the health questions again"
        not in portal.get(reverse("my_sessions")).content.decode()
    )
    response = coordinator.post(reverse("booster_book", args=[patient.pk]), booking)
    assert response.status_code == 302  # booked; the treatment gate stops it at check-in
