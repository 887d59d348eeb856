"""The patient's intake: save per step, resume, validation that keeps input, submit."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from clinic.models import AuditEvent, Patient
from intake.models import Intake, MeasureResult, ScreeningResult, UrgentAlert
from tests.factories import IntakeFactory
from tests.intake.conftest import ABOUT_YOU, STEP_POSTS, fill_all_steps


def test_each_step_saves_on_next_and_the_patient_resumes_where_they_left(patient_client, personas):
    client = patient_client
    first = client.get(reverse("intake_home"))
    assert first["Location"] == reverse("intake_step", args=["about-you"])
    client.post(reverse("intake_step", args=["about-you"]), ABOUT_YOU)
    response = client.post(
        reverse("intake_step", args=["reasons"]), {**STEP_POSTS["reasons"], "save_and_exit": "1"}
    )
    assert response["Location"] == reverse("home")
    resumed = client.get(reverse("intake_home"))
    assert resumed["Location"] == reverse("intake_step", args=["mental-health"])
    page = client.get(reverse("intake_step", args=["reasons"]))
    assert page.context["form"].initial["primary_concern"] == "depression"


def test_about_you_starts_from_what_the_clinic_knows(patient_client, personas) -> None:
    form = patient_client.get(reverse("intake_step", args=["about-you"])).context["form"]
    assert form.initial["legal_last_name"] == "Quillfeather"
    assert form.initial["email"] == personas.patient_a.email


def test_about_you_updates_the_patient_record(patient_client, personas) -> None:
    patient_client.post(reverse("intake_step", args=["about-you"]), ABOUT_YOU)
    patient = Patient.objects.get(pk=personas.patient_a.pk)
    assert (patient.city, patient.phone, str(patient.date_of_birth)) == (
        "Boston",
        "+16175550101",
        "1988-05-04",
    )


def test_a_validation_error_keeps_everything_typed_and_saves_nothing(patient_client) -> None:
    data = {**ABOUT_YOU, "date_of_birth": "2099-01-01", "city": "Cambridge"}
    response = patient_client.post(reverse("intake_step", args=["about-you"]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The date of birth cannot be in the future." in body
    assert 'value="Cambridge"' in body
    assert "Everything else you typed is kept." in body
    assert Intake.objects.get().answers == {}


def test_a_conditional_question_is_required_only_when_it_applies(patient_client) -> None:
    url = reverse("intake_step", args=["medical"])
    data = {**STEP_POSTS["medical"], "hypertension_dx": "yes"}
    refused = patient_client.post(url, data)
    assert "Please say whether your blood pressure is under control now." in (
        refused.content.decode()
    )
    data["hypertension_controlled"] = "no"
    assert patient_client.post(url, data).status_code == 302
    # Answered "no" to the diagnosis: any stale follow-up answer is dropped.
    patient_client.post(url, {**data, "hypertension_dx": "no"})
    assert "hypertension_controlled" not in Intake.objects.get().answers


def test_a_heart_attack_needs_its_date(patient_client) -> None:
    url = reverse("intake_step", args=["medical"])
    response = patient_client.post(url, {**STEP_POSTS["medical"], "had_heart_attack": "yes"})
    assert "Please give the date of your heart attack." in response.content.decode()


def test_the_pregnancy_step_applies_only_when_it_can(patient_client) -> None:
    patient_client.post(
        reverse("intake_step", args=["about-you"]), {**ABOUT_YOU, "sex_at_birth": "male"}
    )
    assert patient_client.get(reverse("intake_step", args=["pregnancy"])).status_code == 404
    answers = Intake.objects.get().answers
    assert answers["pregnancy_status"] == "not_applicable"
    assert "breastfeeding" not in answers  # not asked (screening.CONDITIONAL_KEYS)


def test_pcl5_is_asked_when_ptsd_is_the_concern_or_the_patient_opts_in(patient_client) -> None:
    url = reverse("intake_step", args=["pcl5"])
    patient_client.post(reverse("intake_step", args=["reasons"]), STEP_POSTS["reasons"])
    assert patient_client.get(url).status_code == 404
    patient_client.post(
        reverse("intake_step", args=["reasons"]), {**STEP_POSTS["reasons"], "pcl5_opt_in": "on"}
    )
    assert patient_client.get(url).status_code == 200
    patient_client.post(
        reverse("intake_step", args=["reasons"]),
        {**STEP_POSTS["reasons"], "primary_concern": "ptsd"},
    )
    page = patient_client.get(url).content.decode()
    assert "In the past month, how much were you bothered by:" in page


def test_consent_needs_the_legal_name_and_records_time_and_address(patient_client) -> None:
    url = reverse("intake_step", args=["consent"])
    refused = patient_client.post(url, {"agree": "on", "signature": "A. Q."})
    assert "Type your full legal name as shown: Alice Quillfeather" in refused.content.decode()
    patient_client.post(
        url, {"agree": "on", "signature": "  alice   quillfeather "}, REMOTE_ADDR="203.0.113.9"
    )
    intake = Intake.objects.get()
    assert intake.consent_name == "alice quillfeather"
    assert intake.consent_ip == "203.0.113.9"
    assert intake.consent_signed_at is not None
    assert AuditEvent.objects.filter(action="sign", object_type="intake.consent").exists()


def test_submitting_an_incomplete_intake_says_what_is_missing(patient_client) -> None:
    patient_client.post(reverse("intake_step", args=["about-you"]), ABOUT_YOU)
    response = patient_client.post(reverse("intake_review"), follow=True)
    body = response.content.decode()
    assert "Please complete these steps first" in body
    assert "Mental health history" in body
    assert Intake.objects.get().status == "in_progress"


def test_submission_stores_measures_and_a_screening_and_queues_the_review(
    patient_client, personas
) -> None:
    fill_all_steps(patient_client)
    review = patient_client.get(reverse("intake_review")).content.decode()
    assert "Submit my intake" in review and "1 Main St" in review
    response = patient_client.post(reverse("intake_review"))
    assert response["Location"] == reverse("intake_home")

    intake = Intake.objects.get()
    assert intake.status == "submitted"
    screening = ScreeningResult.objects.get()
    assert screening.ruleset_version == "2026.2"
    assert screening.level == "clear"
    assert screening.flag_codes == ["BP_NOT_RECORDED"]
    assert screening.answers["has_escort"] is True
    assert "measures" not in screening.answers
    phq9 = MeasureResult.objects.get(instrument="phq9")
    assert (phq9.total, phq9.band, phq9.context) == (16, "moderately_severe", "intake")
    assert phq9.items["difficulty"] == 1
    assert MeasureResult.objects.get(instrument="gad7").band == "mild"
    asq = MeasureResult.objects.get(instrument="asq")
    assert (asq.total, asq.band, asq.instrument_label) == (0, "negative", "ASQ")
    assert screening.answers["suicide_risk_screen"] == "negative"
    assert Patient.objects.get(pk=personas.patient_a.pk).journey_state == "awaiting_review"
    status = patient_client.get(reverse("intake_home")).content.decode()
    assert "Submitted — under review." in status


def test_after_submission_the_answers_are_read_only_for_the_patient(patient_client) -> None:
    fill_all_steps(patient_client)
    patient_client.post(reverse("intake_review"))
    response = patient_client.post(
        reverse("intake_step", args=["about-you"]), {**ABOUT_YOU, "city": "Elsewhere"}
    )
    assert response["Location"] == reverse("intake_home")
    assert Intake.objects.get().answers["city"] == "Boston"
    assert "Submit my intake" not in patient_client.get(reverse("intake_review")).content.decode()


def test_a_screening_result_is_never_changed_in_place(patient_client) -> None:
    import pytest

    fill_all_steps(patient_client)
    patient_client.post(reverse("intake_review"))
    screening = ScreeningResult.objects.get()
    with pytest.raises(PermissionError):
        screening.save()


def test_phq9_item_9_alerts_the_psychiatrist_at_once_and_comforts_the_patient(
    patient_client, personas, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(
            reverse("intake_step", args=["phq9"]), {**STEP_POSTS["phq9"], "q9": "2"}, follow=True
        )
    assert "call or text 988" in response.content.decode()
    alert = UrgentAlert.objects.get()
    assert (alert.patient, alert.code, alert.is_open) == (
        personas.patient_a,
        "SUICIDAL_IDEATION",
        True,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [personas.psychiatrist.email]
    assert personas.patient_a.mrn in message.subject
    assert "suicid" not in message.body.lower()  # minimum content: no clinical detail
    # Saving the step again, or submitting, does not raise a second alert.
    patient_client.post(reverse("intake_step", args=["phq9"]), {**STEP_POSTS["phq9"], "q9": "3"})
    assert UrgentAlert.objects.count() == 1


def test_one_patient_never_sees_another_patients_answers(login, personas) -> None:
    IntakeFactory(
        patient=personas.patient_a,
        opened=True,
        answers={"city": "Springfield-A"},
        completed_steps=["about-you"],
    )
    client = login(personas.patient_b.user)
    body = client.get(reverse("intake_review")).content.decode()
    assert "Springfield-A" not in body
    # Their own intake is not started by opening a page (state changes only by POST).
    assert "Start my intake" in body
    assert not Intake.objects.filter(patient=personas.patient_b).exists()


def test_intake_pages_keep_a_fixed_query_budget(patient_client, django_assert_max_num_queries):
    fill_all_steps(patient_client)
    for url in (reverse("intake_step", args=["medical"]), reverse("intake_review")):
        patient_client.get(url)
        with django_assert_max_num_queries(14):
            assert patient_client.get(url).status_code == 200


def test_a_timed_out_login_loses_nothing_typed_on_the_step(patient_client, personas) -> None:
    import time

    from clinic.middleware import SESSION_LAST_SEEN
    from tests.factories import PASSWORD

    url = reverse("intake_step", args=["reasons"])
    session = patient_client.session
    session[SESSION_LAST_SEEN] = time.time() - 31 * 60
    session.save()
    typed = {**STEP_POSTS["reasons"], "outside_clinician_name": "Dr. Lowe, Beacon Health"}
    response = patient_client.post(url, typed)
    assert response["Location"].startswith(reverse("login"))
    assert "next=%2Fintake%2Freasons%2F" in response["Location"]
    assert Intake.objects.get().answers == {}  # nothing saved while signed out

    signed_in = patient_client.post(
        response["Location"], {"username": "alice", "password": PASSWORD, "next": url}
    )
    assert signed_in["Location"] == url
    page = patient_client.get(url)
    body = page.content.decode()
    assert "What you typed is shown below and has not been saved yet" in body
    assert "Dr. Lowe, Beacon Health" in body
    assert page.context["form"].data["primary_concern"] == "depression"
    # Shown once only.
    assert "Dr. Lowe" not in patient_client.get(url).content.decode()


def test_typed_data_is_never_shown_to_a_different_user(patient_client, personas, client) -> None:
    import time

    from clinic.middleware import SESSION_LAST_SEEN
    from tests.factories import PASSWORD

    url = reverse("intake_step", args=["reasons"])
    session = patient_client.session
    session[SESSION_LAST_SEEN] = time.time() - 31 * 60
    session.save()
    response = patient_client.post(
        url, {**STEP_POSTS["reasons"], "outside_clinician_name": "Private Name"}
    )
    patient_client.post(response["Location"], {"username": "bruno", "password": PASSWORD})
    assert "Private Name" not in patient_client.get(url).content.decode()
