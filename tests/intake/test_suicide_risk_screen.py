"""The ASQ suicide risk screen in the intake: worded as NIMH words it, scored on saving,
an urgent alert when positive, and the crisis numbers at once when acute."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from clinic.models import ClinicSettings
from intake.models import Intake, MeasureResult, UrgentAlert
from tests.intake.conftest import STEP_POSTS, fill_all_steps

URL = reverse("intake_step", args=["asq"])
NEGATIVE = {"q1": "0", "q2": "0", "q3": "0", "q4": "0"}
ACUTE = {"q1": "1", "q2": "0", "q3": "1", "q4": "0", "q5": "1"}
NON_ACUTE = {"q1": "1", "q2": "0", "q3": "0", "q4": "1", "q4_how_when": "Pills, 2019", "q5": "0"}


def test_the_asq_asks_the_nimh_questions_word_for_word(patient_client) -> None:
    page = patient_client.get(URL).content.decode()
    for question in (
        "In the past few weeks, have you wished you were dead?",
        "In the past few weeks, have you felt that you or your family would be better off if "
        "you were dead?",
        "In the past week, have you been having thoughts about killing yourself?",
        "Have you ever tried to kill yourself?",
        "If yes, how? When?",
        "Are you having thoughts of killing yourself right now?",
    ):
        assert question in page
    # Question 5 and the "how, when" box wait for a yes before they show.
    assert 'data-show-when="q1=1|q2=1|q3=1|q4=1"' in page
    assert 'data-show-when="q4=1"' in page


def test_an_acute_positive_answer_shows_the_crisis_numbers_at_once_and_alerts_the_psychiatrist(
    patient_client, personas, django_capture_on_commit_callbacks
) -> None:
    ClinicSettings.objects.filter(pk=1).update(phone="+1 617 555 0100")
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(URL, ACUTE)

    # The same response, not a redirect to follow: the numbers are on this page.
    assert response.status_code == 200
    body = response.content.decode()
    main = body[body.index('<main id="main"') :]
    crisis = main.index('<section class="alert alert-danger crisis"')
    assert re.sub(r"<[^>]*>", "", main[:crisis]).strip() == ""  # nothing shown before it
    assert "Call or text 988" in main and 'href="tel:988"' in main and 'href="sms:988"' in main
    assert "call 911" in main
    assert "Tell the clinic staff now." in main and "+1 617 555 0100" in main
    assert "You do not have to go through this alone." in main
    assert main.index("988") < main.index("continue your intake")

    intake = Intake.objects.get()
    assert intake.answers["suicide_risk_screen"] == "acute_positive"
    assert intake.answers["measures"]["asq"] == {"q1": 1, "q2": 0, "q3": 1, "q4": 0, "q5": 1}
    alert = UrgentAlert.objects.get()
    assert (alert.patient, alert.is_open, alert.source) == (personas.patient_a, True, "intake.asq")
    assert "ACUTE" in alert.reason
    assert [message.to for message in mail.outbox] == [[personas.psychiatrist.email]]


def test_the_crisis_page_without_a_clinic_phone_still_says_to_tell_the_staff(patient_client):
    ClinicSettings.objects.filter(pk=1).update(phone="")
    body = patient_client.post(URL, ACUTE).content.decode()
    assert "Tell the clinic staff now." in body and "Call us on" not in body


def test_an_acute_answer_after_a_phq9_alert_still_reaches_the_psychiatrist(
    patient_client, personas
) -> None:
    patient_client.post(reverse("intake_step", args=["phq9"]), {**STEP_POSTS["phq9"], "q9": "1"})
    assert UrgentAlert.objects.filter(acknowledged_at=None).count() == 1
    patient_client.post(URL, ACUTE)
    codes = set(UrgentAlert.objects.filter(acknowledged_at=None).values_list("code", flat=True))
    assert codes == {"SUICIDAL_IDEATION", "SUICIDE_RISK_ACUTE"}


def test_saving_and_leaving_on_an_acute_answer_still_shows_the_crisis_numbers(patient_client):
    response = patient_client.post(URL, {**ACUTE, "save_and_exit": "1"})
    assert response.status_code == 200
    assert "Call or text 988" in response.content.decode()


def test_a_non_acute_positive_answer_gets_a_gentle_message_and_alerts_the_psychiatrist(
    patient_client,
) -> None:
    response = patient_client.post(URL, NON_ACUTE, follow=True)
    body = response.content.decode()
    assert "A clinician from our team will talk with you about these answers before any" in body
    assert "call or text 988" in body
    assert 'class="alert alert-danger crisis"' not in body  # not the acute page
    intake = Intake.objects.get()
    assert intake.answers["suicide_risk_screen"] == "non_acute_positive"
    assert intake.answers["asq_attempt_how_when"] == "Pills, 2019"
    alert = UrgentAlert.objects.get()
    assert (alert.code, alert.source) == ("SUICIDAL_IDEATION", "intake.asq")


def test_a_negative_screen_raises_no_alert_and_moves_on(patient_client) -> None:
    response = patient_client.post(URL, NEGATIVE)
    assert response["Location"] == reverse("intake_step", args=["consent"])
    assert Intake.objects.get().answers["suicide_risk_screen"] == "negative"
    assert not UrgentAlert.objects.exists()


def test_question_5_is_required_after_a_yes_and_dropped_after_four_noes(patient_client) -> None:
    refused = patient_client.post(URL, {**NEGATIVE, "q2": "1"})
    assert "Please answer this question too." in refused.content.decode()
    assert Intake.objects.get().answers == {}
    patient_client.post(URL, {**NEGATIVE, "q5": "1", "q4_how_when": "never"})
    answers = Intake.objects.get().answers
    assert answers["measures"]["asq"] == {"q1": 0, "q2": 0, "q3": 0, "q4": 0}
    assert answers["suicide_risk_screen"] == "negative"
    assert "asq_attempt_how_when" not in answers


def test_the_asq_is_stored_as_a_baseline_measure_at_submission(patient_client) -> None:
    fill_all_steps(patient_client, asq=NON_ACUTE)
    patient_client.post(reverse("intake_review"))
    asq = MeasureResult.objects.get(instrument="asq")
    assert (asq.total, asq.band, asq.context) == (2, "non_acute_positive", "intake")
    assert asq.items == {"q1": 1, "q2": 0, "q3": 0, "q4": 1, "q5": 0}
    assert str(asq) == "ASQ 2 (positive, not acute)"


def test_a_nurse_entering_an_acute_answer_is_told_to_follow_the_emergency_procedure(
    login, personas
) -> None:
    nurse = login(personas.nurse)
    response = nurse.post(reverse("staff_intake_step", args=[personas.patient_a.pk, "asq"]), ACUTE)
    body = response.content.decode()
    assert "Acute suicide risk: follow the emergency procedure now" in body
    assert "Alice Quillfeather" in body and "Call or text 988" in body
    assert UrgentAlert.objects.get().code == "SUICIDE_RISK_ACUTE"


def test_an_intake_reopened_before_the_asq_existed_can_still_answer_it(
    patient_client, personas
) -> None:
    fill_all_steps(patient_client, asq=None)
    intake = Intake.objects.get()
    intake.status = "reopened"
    intake.reopened_steps = ["medicines"]
    intake.save(update_fields=["status", "reopened_steps"])
    review = patient_client.get(reverse("intake_review")).content.decode()
    assert "Some steps still need answers" in review and "Your safety" in review
    assert patient_client.post(URL, NEGATIVE).status_code == 302
    # A step answered before stays closed.
    assert patient_client.get(reverse("intake_step", args=["gad7"]))["Location"] == reverse(
        "intake_review"
    )
