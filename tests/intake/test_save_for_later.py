""" "Save and finish later" keeps every answer of the step that is valid on its own, even
when the step is not finished: the answers given so far come back on the next sign-in,
the step stays unfinished, and safety answers act at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.models import Intake, IntakeStatus, ScreeningResult, UrgentAlert
from intake.questionnaire import STEP_BY_SLUG
from tests.intake.conftest import STEP_POSTS, fill_all_steps

LATER = {"save_and_exit": "1"}


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Complete steps (as before) --------------------------------------------------------------


def test_saving_for_later_keeps_the_new_mental_health_answers(patient_client) -> None:
    url = reverse("intake_step", args=["mental-health"])
    response = patient_client.post(
        url,
        {
            **STEP_POSTS["mental-health"],
            "psychotic_symptoms_current": "no",
            "psychotic_symptoms_12m": "yes",
            "bipolar_dx": "bipolar_2",
            "mood_stabilizer": "yes",
            "save_and_exit": "1",
        },
    )
    assert response["Location"] == reverse("home")
    initial = patient_client.get(url).context["form"].initial
    assert initial["psychotic_symptoms_current"] == "no"
    assert initial["psychotic_symptoms_12m"] == "yes"
    assert initial["mood_stabilizer"] == "yes"
    assert "mental-health" in Intake.objects.get().completed_steps


def test_saving_for_later_keeps_the_medicines_and_the_allergy_list(patient_client) -> None:
    url = reverse("intake_step", args=["medicines"])
    patient_client.post(
        url,
        {
            **STEP_POSTS["medicines"],
            "naltrexone": "yes",
            "allergy_status": "listed",
            "allergy-TOTAL_FORMS": "2",
            "allergy-INITIAL_FORMS": "0",
            "allergy-0-substance": "Codeine",
            "allergy-0-reaction": "vomiting",
            "save_and_exit": "1",
        },
    )
    form = patient_client.get(url).context["form"]
    assert form.initial["naltrexone"] == "yes"
    assert form.initial["allergy_status"] == "listed"
    assert form.allergy_rows.initial_forms[0].initial == {
        "substance": "Codeine",
        "reaction": "vomiting",
    }


def test_saving_for_later_keeps_the_asq_answers(patient_client) -> None:
    url = reverse("intake_step", args=["asq"])
    patient_client.post(
        url,
        {"q1": "0", "q2": "0", "q3": "0", "q4": "1", "q4_how_when": "2015, pills", "q5": "0",
         "save_and_exit": "1"},
    )  # fmt: skip
    initial = patient_client.get(url).context["form"].initial
    assert (initial["q4"], initial["q5"], initial["q4_how_when"]) == ("1", "0", "2015, pills")
    assert Intake.objects.get().answers["suicide_risk_screen"] == "non_acute_positive"


# --- Unfinished steps ----------------------------------------------------------------------------


def test_an_unfinished_step_keeps_every_answer_given_and_comes_back_on_the_next_sign_in(
    patient_client, login, personas
) -> None:
    """The reported case: 19 answers and the weight, one question left, all lost."""
    url = reverse("intake_step", args=["medical"])
    data = {**STEP_POSTS["medical"], "hypertension_dx": "yes", "hypertension_controlled": "yes"}
    del data["porphyria"]
    data["weight_kg"] = "68.5"
    response = patient_client.post(url, {**data, **LATER})
    assert response["Location"] == reverse("home")
    assert _messages(response) == [
        "Saved. 1 question on “Heart, brain and other health conditions” still needs an "
        "answer: this step stays on the list until it is finished. The intake can be "
        "continued at any time."
    ]
    intake = Intake.objects.get()
    assert intake.answers == {}  # screening and the review never see half a step
    assert "medical" not in intake.completed_steps
    assert intake.drafts["medical"]["weight_kg"] == 68.5
    assert len(intake.drafts["medical"]) == len(data) == 19

    patient_client.post(reverse("logout"))
    again = login(personas.patient_a.user)  # another sign-in, another device
    page = again.get(url)
    initial = page.context["form"].initial
    assert initial["weight_kg"] == 68.5
    assert (initial["hypertension_dx"], initial["hypertension_controlled"]) == ("yes", "yes")
    assert initial["liver_disease"] == "none"
    assert "porphyria" not in initial
    html = page.content.decode()
    assert 'value="68.5"' in html
    assert not page.context["form"].is_bound  # no error shown for the question left empty


def test_the_unfinished_step_stays_on_the_list_and_on_the_review_page(patient_client) -> None:
    fill_all_steps(patient_client)
    data = {**STEP_POSTS["medical"], "hypertension_dx": "yes"}  # a follow-up now unanswered
    response = patient_client.post(reverse("intake_step", args=["medical"]), {**data, **LATER})
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.answers["hypertension_dx"] is False  # the finished answers are untouched
    assert intake.drafts["medical"]["hypertension_dx"] == "yes"

    review = patient_client.get(reverse("intake_review")).content.decode()
    assert "Started, not finished" in review
    assert "Submit my intake" not in review
    refused = patient_client.post(reverse("intake_review"), follow=True)
    assert "Please complete these steps first: Heart, brain" in refused.content.decode()
    assert not ScreeningResult.objects.exists()
    assert Intake.objects.get().status == IntakeStatus.IN_PROGRESS

    # Finishing the step ("Next") replaces the draft; the intake can then be submitted.
    finished = {**data, "hypertension_controlled": "yes"}
    patient_client.post(reverse("intake_step", args=["medical"]), finished)
    intake = Intake.objects.get()
    assert intake.drafts == {}
    assert intake.answers["hypertension_dx"] is True
    patient_client.post(reverse("intake_review"))
    screening = ScreeningResult.objects.get()
    assert screening.answers["hypertension_controlled"] is True
    assert "weight_kg" not in Intake.objects.get().drafts


def test_intake_home_sends_the_patient_back_to_the_unfinished_step(patient_client) -> None:
    patient_client.post(reverse("intake_step", args=["about-you"]), STEP_POSTS["about-you"])
    data = dict(STEP_POSTS["reasons"])
    del data["symptom_years"]
    patient_client.post(reverse("intake_step", args=["reasons"]), {**data, **LATER})
    home = patient_client.get(reverse("intake_home"))
    assert home["Location"] == reverse("intake_step", args=["reasons"])


def test_about_you_unfinished_is_kept_but_not_copied_to_the_patient_record(
    patient_client, personas
) -> None:
    data = {**STEP_POSTS["about-you"], "city": "Cambridge"}
    del data["postal_code"]
    patient_client.post(reverse("intake_step", args=["about-you"]), {**data, **LATER})
    draft = Intake.objects.get().drafts["about-you"]
    assert draft["city"] == "Cambridge"
    assert draft["phone"] == "+16175550101"  # normalised as on a finished step
    assert "postal_code" not in draft
    personas.patient_a.refresh_from_db()
    assert personas.patient_a.city != "Cambridge"


def test_an_invalid_answer_is_not_kept_and_is_marked_while_the_rest_is_saved(
    patient_client,
) -> None:
    url = reverse("intake_step", args=["medical"])
    data = {**STEP_POSTS["medical"], "weight_kg": "7o", "mi_date": ""}
    del data["glaucoma"]
    response = patient_client.post(url, {**data, **LATER})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["weight_kg"]  # not the question left empty
    html = response.content.decode()
    assert "Your other answers on this page were saved" in html
    assert "Your weight in kilograms: Enter a number." in html
    assert 'value="7o"' in html  # what was typed stays on the page
    draft = Intake.objects.get().drafts["medical"]
    assert "weight_kg" not in draft
    assert draft["liver_disease"] == "none" and draft["ketamine_allergy"] == "no"


def test_an_invalid_answer_keeps_the_value_saved_before(patient_client) -> None:
    url = reverse("intake_step", args=["medical"])
    data = dict(STEP_POSTS["medical"])
    del data["glaucoma"]
    patient_client.post(url, {**data, "weight_kg": "70", **LATER})
    patient_client.post(url, {**data, "weight_kg": "abc", **LATER})
    assert Intake.objects.get().drafts["medical"]["weight_kg"] == 70.0
    # A question emptied on purpose is emptied in the draft too.
    patient_client.post(url, {**data, "weight_kg": "", **LATER})
    assert "weight_kg" not in Intake.objects.get().drafts["medical"]


def test_a_future_heart_attack_date_is_not_kept(patient_client) -> None:
    next_month = (timezone.localdate() + dt.timedelta(days=31)).isoformat()
    data = {**STEP_POSTS["medical"], "had_heart_attack": "yes", "mi_date": next_month}
    del data["weight_kg"]
    response = patient_client.post(reverse("intake_step", args=["medical"]), {**data, **LATER})
    assert response.status_code == 200
    assert response.context["form"].errors == {"mi_date": ["This date is in the future."]}
    draft = Intake.objects.get().drafts["medical"]
    assert draft["had_heart_attack"] == "yes" and "mi_date" not in draft


def test_a_half_filled_allergy_row_is_not_kept_and_the_complete_one_is(patient_client) -> None:
    url = reverse("intake_step", args=["medicines"])
    data = {**STEP_POSTS["medicines"], "allergy_status": "listed"}
    del data["benzodiazepine"]
    response = patient_client.post(
        url,
        {
            **data,
            "allergy-TOTAL_FORMS": "2",
            "allergy-INITIAL_FORMS": "0",
            "allergy-0-substance": "Penicillin",
            "allergy-0-reaction": "",
            "allergy-1-substance": "",
            "allergy-1-reaction": "hives",
            **LATER,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your allergies: Allergy 2: Please say what you are allergic to." in html
    assert 'value="hives"' in html
    draft = Intake.objects.get().drafts["medicines"]
    assert draft["allergies"] == [{"substance": "Penicillin", "reaction": ""}]
    assert draft["allergy_status"] == "listed" and "benzodiazepine" not in draft
    form = patient_client.get(url).context["form"]
    assert form.allergy_rows.initial_forms[0].initial == {"substance": "Penicillin", "reaction": ""}
    assert form.initial["allergy_status"] == "listed"


def test_listing_allergies_without_a_row_yet_is_kept_for_later(patient_client) -> None:
    data = {**STEP_POSTS["medicines"], "allergy_status": "listed"}
    data.update({"allergy-TOTAL_FORMS": "2", "allergy-INITIAL_FORMS": "0"})
    response = patient_client.post(reverse("intake_step", args=["medicines"]), {**data, **LATER})
    assert response["Location"] == reverse("home")
    assert Intake.objects.get().drafts["medicines"]["allergies"] == []


# --- Safety answers on an unfinished step --------------------------------------------------------


def test_phq9_question_9_on_an_unfinished_page_alerts_at_once_and_only_once(
    patient_client,
) -> None:
    url = reverse("intake_step", args=["phq9"])
    response = patient_client.post(url, {"q1": "2", "q9": "2", **LATER})
    assert response["Location"] == reverse("home")
    assert any("Our psychiatrist has been alerted" in text for text in _messages(response))
    alert = UrgentAlert.objects.get()
    assert alert.code == services.SUICIDAL_IDEATION
    assert "answered 2" in alert.reason and "not finished" in alert.reason
    intake = Intake.objects.get()
    assert "phq9_item9" not in intake.answers and "measures" not in intake.answers
    patient_client.post(url, {"q1": "2", "q2": "1", "q9": "2", **LATER})  # saved again
    patient_client.post(url, {"q1": "2", "q2": "1", "q9": "2", **LATER})  # double click
    assert UrgentAlert.objects.count() == 1


def test_phq9_unfinished_without_question_9_raises_nothing(patient_client) -> None:
    patient_client.post(reverse("intake_step", args=["phq9"]), {"q1": "3", "q9": "0", **LATER})
    assert not UrgentAlert.objects.exists()


def test_an_asq_yes_without_the_right_now_question_is_treated_as_acute(patient_client) -> None:
    response = patient_client.post(reverse("intake_step", args=["asq"]), {"q1": "1", **LATER})
    assert response.status_code == 200
    assert response.templates[0].name == "intake/crisis.html"
    html = response.content.decode()
    assert "Call or text 988" in html
    assert reverse("intake_step", args=["asq"]) in html  # continue: back to the step
    alert = UrgentAlert.objects.get()
    assert alert.code == services.SUICIDE_RISK_ACUTE
    assert "not answered yet" in alert.reason
    intake = Intake.objects.get()
    assert "suicide_risk_screen" not in intake.answers
    assert intake.drafts["asq"] == {"q1": "1"}


def test_an_asq_yes_with_no_to_right_now_is_a_positive_screen(patient_client) -> None:
    response = patient_client.post(
        reverse("intake_step", args=["asq"]), {"q2": "1", "q3": "0", "q5": "0", **LATER}
    )
    assert response["Location"] == reverse("home")
    assert any("A clinician from our team will talk with you" in t for t in _messages(response))
    assert UrgentAlert.objects.get().code == services.SUICIDAL_IDEATION


def test_an_asq_yes_to_right_now_on_an_unfinished_page_shows_the_crisis_page(
    patient_client,
) -> None:
    response = patient_client.post(
        reverse("intake_step", args=["asq"]), {"q3": "1", "q5": "1", **LATER}
    )
    assert response.templates[0].name == "intake/crisis.html"
    assert UrgentAlert.objects.get().code == services.SUICIDE_RISK_ACUTE


def test_an_asq_unfinished_with_only_noes_raises_nothing(patient_client) -> None:
    patient_client.post(reverse("intake_step", args=["asq"]), {"q1": "0", "q2": "0", **LATER})
    assert not UrgentAlert.objects.exists()


# --- Staff, refusals, tampering ----------------------------------------------------------------


def test_staff_saving_an_unfinished_step_for_the_patient(login, personas, patient_client) -> None:
    nurse = login(personas.nurse)
    url = reverse("staff_intake_step", args=[personas.patient_a.pk, "phq9"])
    response = nurse.post(url, {"q1": "1", "q9": "1", **LATER})
    assert response["Location"] == reverse("patient_detail", args=[personas.patient_a.pk])
    assert "The psychiatrist has been alerted (PHQ-9 question 9)." in _messages(response)
    intake = Intake.objects.get()
    assert intake.entered_by_staff == personas.nurse
    assert intake.drafts["phq9"] == {"q1": "1", "q9": "1"}
    assert UrgentAlert.objects.count() == 1
    # The patient sees what the nurse saved.
    initial = patient_client.get(reverse("intake_step", args=["phq9"])).context["form"].initial
    assert initial == {"q1": "1", "q9": "1"}

    crisis = nurse.post(
        reverse("staff_intake_step", args=[personas.patient_a.pk, "asq"]), {"q4": "1", **LATER}
    )
    assert "has <strong>not answered</strong>" in crisis.content.decode()


def test_saving_after_the_intake_was_submitted_is_refused(patient_client, personas) -> None:
    intake = Intake.objects.get()
    Intake.objects.filter(pk=intake.pk).update(status=IntakeStatus.SUBMITTED)
    with pytest.raises(PermissionDenied, match="was submitted"):
        services.intake_save_draft(
            intake=intake,
            step=STEP_BY_SLUG["phq9"],
            values={"q1": "1"},
            actor=personas.patient_a.user,
        )
    response = patient_client.post(reverse("intake_step", args=["phq9"]), {"q1": "1", **LATER})
    assert response["Location"] == reverse("intake_home")
    assert Intake.objects.get().drafts == {}


def test_a_draft_with_foreign_keys_is_refused(patient_client, personas) -> None:
    with pytest.raises(ValidationError):
        services.intake_save_draft(
            intake=Intake.objects.get(),
            step=STEP_BY_SLUG["phq9"],
            values={"q1": "1", "suicide_risk_screen": "negative"},
            actor=personas.patient_a.user,
        )
    assert Intake.objects.get().drafts == {}


def test_tampered_field_names_and_values_lose_nothing_and_never_fail(patient_client) -> None:
    url = reverse("intake_step", args=["gad7"])
    response = patient_client.post(
        url,
        {"q1": "2", "q2": "banana", "answers": "x", "measures": "y", "q99": "3",
         "drafts": "{}", **LATER},
    )  # fmt: skip
    assert response.status_code == 200
    assert "q2" in response.context["form"].errors
    intake = Intake.objects.get()
    assert intake.drafts == {"gad7": {"q1": "2"}}
    assert intake.answers == {}


def test_saving_the_consent_for_later_records_no_signature(patient_client) -> None:
    response = patient_client.post(
        reverse("intake_step", args=["consent"]), {"signature": "Alice", **LATER}
    )
    assert response["Location"] == reverse("home")
    assert "The consent is not recorded yet" in _messages(response)[0]
    intake = Intake.objects.get()
    assert intake.consent_signed_at is None and intake.drafts == {}


def test_a_step_that_does_not_apply_cannot_be_saved(patient_client) -> None:
    patient_client.post(
        reverse("intake_step", args=["about-you"]),
        {**STEP_POSTS["about-you"], "sex_at_birth": "male"},
    )
    response = patient_client.post(
        reverse("intake_step", args=["pregnancy"]), {"pregnancy_status": "unsure", **LATER}
    )
    assert response.status_code == 404
    assert Intake.objects.get().drafts == {}


def test_a_reopened_step_saved_unfinished_must_be_finished_before_submitting_again(
    patient_client, personas
) -> None:
    fill_all_steps(patient_client)
    patient_client.post(reverse("intake_review"))
    Intake.objects.update(status=IntakeStatus.REOPENED, reopened_steps=["medical"])
    data = {**STEP_POSTS["medical"], "weight_kg": "72"}
    del data["glaucoma"]
    patient_client.post(reverse("intake_step", args=["medical"]), {**data, **LATER})
    assert Intake.objects.get().drafts["medical"]["weight_kg"] == 72.0
    refused = patient_client.post(reverse("intake_review"), follow=True)
    assert "Please complete these steps first: Heart, brain" in refused.content.decode()
    assert ScreeningResult.objects.count() == 1

    # A step that was not reopened gets no draft either.
    with pytest.raises(PermissionDenied, match="reopened"):
        services.intake_save_draft(
            intake=Intake.objects.get(),
            step=STEP_BY_SLUG["gad7"],
            values={"q1": "3"},
            actor=personas.patient_a.user,
        )
    response = patient_client.post(reverse("intake_step", args=["gad7"]), {"q1": "3", **LATER})
    assert response["Location"] == reverse("intake_review")
    assert set(Intake.objects.get().drafts) == {"medical"}
