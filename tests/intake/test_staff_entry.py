"""Clinical staff enter or complete an intake on a patient's behalf (recorded as such)."""

from __future__ import annotations

from django.urls import reverse

from clinic.models import Patient
from intake.models import Intake, ScreeningResult
from tests.factories import PatientFactory
from tests.intake.conftest import STEP_POSTS


def test_a_nurse_completes_an_intake_for_a_patient_without_a_login(login, personas) -> None:
    patient = PatientFactory(
        legal_first_name="Alice", legal_last_name="Quillfeather", journey_state="invited", user=None
    )
    nurse = login(personas.nurse)
    chart = nurse.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "Enter intake with the patient" in chart
    for slug, data in STEP_POSTS.items():
        response = nurse.post(reverse("staff_intake_step", args=[patient.pk, slug]), data)
        assert response.status_code == 302, slug
    review = nurse.get(reverse("staff_intake_review", args=[patient.pk])).content.decode()
    assert "entered by staff" in review
    response = nurse.post(reverse("staff_intake_review", args=[patient.pk]))
    assert response["Location"] == reverse("patient_detail", args=[patient.pk])
    intake = Intake.objects.get(patient=patient)
    assert intake.entered_by_staff == personas.nurse
    assert intake.submitted_by == personas.nurse
    assert ScreeningResult.objects.get(intake=intake).level == "clear"
    assert Patient.objects.get(pk=patient.pk).journey_state == "awaiting_review"


def test_a_nurse_finishes_what_the_patient_started_and_it_is_recorded(
    login, personas, patient_client
) -> None:
    patient_client.post(reverse("intake_step", args=["about-you"]), STEP_POSTS["about-you"])
    nurse = login(personas.nurse)
    nurse.post(
        reverse("staff_intake_step", args=[personas.patient_a.pk, "reasons"]), STEP_POSTS["reasons"]
    )
    intake = Intake.objects.get(patient=personas.patient_a)
    assert intake.completed_steps == ["about-you", "reasons"]
    assert intake.entered_by_staff == personas.nurse


def test_coordinators_do_not_enter_clinical_answers(login, personas) -> None:
    coordinator = login(personas.coordinator)
    url = reverse("staff_intake_step", args=[personas.patient_a.pk, "mental-health"])
    assert coordinator.get(url).status_code == 403


def test_a_patient_past_the_intake_stage_gets_no_empty_intake(login, personas) -> None:
    patient = PatientFactory(journey_state="maintenance")
    response = login(personas.nurse).get(reverse("staff_intake_review", args=[patient.pk]))
    assert response["Location"] == reverse("patient_detail", args=[patient.pk])
    assert not Intake.objects.filter(patient=patient).exists()


def test_a_therapist_outside_the_caseload_cannot_reach_an_intake(login, personas) -> None:
    response = login(personas.other_therapist).get(
        reverse("staff_intake_review", args=[personas.patient_a.pk])
    )
    assert response.status_code == 403


def test_opening_the_staff_intake_page_changes_nothing_until_staff_start_it(
    login, personas
) -> None:
    patient = PatientFactory(journey_state="invited", user=None)
    nurse = login(personas.nurse)
    review_url = reverse("staff_intake_review", args=[patient.pk])
    for url in (review_url, reverse("staff_intake_step", args=[patient.pk, "about-you"])):
        page = nurse.get(url)
        assert page.status_code == 200
        assert "No intake has been started for this patient yet." in page.content.decode()
    assert not Intake.objects.filter(patient=patient).exists()
    assert Patient.objects.get(pk=patient.pk).journey_state == "invited"
    response = nurse.post(review_url, {"start_intake": "1"})
    assert response["Location"] == review_url
    assert Intake.objects.get(patient=patient).status == "in_progress"
    assert Intake.objects.get(patient=patient).submitted_at is None
    assert Patient.objects.get(pk=patient.pk).journey_state == "intake_in_progress"
    assert "Some steps still need answers" in nurse.get(review_url).content.decode()


def test_a_patient_without_an_intake_starts_it_with_a_button(login, personas) -> None:
    patient = personas.patient_b
    client = login(patient.user)
    page = client.get(reverse("intake_home"))
    assert "Start my intake" in page.content.decode()
    assert client.get(reverse("intake_step", args=["about-you"])).status_code == 200
    assert not Intake.objects.filter(patient=patient).exists()
    response = client.post(reverse("intake_home"), {"start_intake": "1"})
    assert response["Location"] == reverse("intake_step", args=["about-you"])
    assert Intake.objects.filter(patient=patient).exists()
