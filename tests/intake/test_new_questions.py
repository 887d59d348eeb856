"""The questions of ruleset 2026.2 are asked and stored under their contract keys."""

from __future__ import annotations

from django.urls import reverse

from intake.models import Intake
from intake.screening import INCOMPLETE_KEYS, unanswered_safety_keys
from tests.intake.conftest import ABOUT_YOU, STEP_POSTS, fill_all_steps


def test_psychotic_symptoms_are_asked_for_now_and_the_past_12_months_without_flashbacks(
    patient_client,
) -> None:
    url = reverse("intake_step", args=["mental-health"])
    page = patient_client.get(url).content.decode()
    assert "Right now, or at any time in the past month, have you heard or seen things" in page
    assert "At any time in the past 12 months, have you heard or seen things" in page
    # Both questions say in plain words what does not count, before the choices.
    assert page.count("Do not count flashbacks or nightmares") == 2
    assert page.count("only while you were drunk or high") == 2
    assert page.count("falling asleep") == 2
    for key in ("psychotic_symptoms_current", "psychotic_symptoms_12m"):
        question = page.index(f'id="div_id_{key}"')
        exclusion = page.index("Do not count flashbacks or nightmares", question)
        assert exclusion < page.index(f'name="{key}"', question)

    patient_client.post(
        url,
        {
            **STEP_POSTS["mental-health"],
            "psychotic_symptoms_current": "no",
            "psychotic_symptoms_12m": "yes",
        },
    )
    answers = Intake.objects.get().answers
    assert answers["psychotic_symptoms_current"] is False
    assert answers["psychotic_symptoms_12m"] is True


def test_the_current_psychosis_question_must_be_answered(patient_client) -> None:
    data = dict(STEP_POSTS["mental-health"])
    del data["psychotic_symptoms_current"]
    response = patient_client.post(reverse("intake_step", args=["mental-health"]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["psychotic_symptoms_current"]
    assert Intake.objects.get().answers == {}


def test_sleeping_pills_theophylline_and_naltrexone_are_asked_and_stored(patient_client) -> None:
    url = reverse("intake_step", args=["medicines"])
    page = patient_client.get(url).content.decode()
    assert "Do you take a sleeping pill that is not a benzodiazepine?" in page
    assert "zolpidem (Ambien), zopiclone, eszopiclone (Lunesta)" in page
    assert "Do you take theophylline or aminophylline?" in page
    assert "Do you take naltrexone?" in page

    patient_client.post(
        url,
        {**STEP_POSTS["medicines"], "sedative_hypnotic": "yes", "theophylline": "no",
         "naltrexone": "yes"},
    )  # fmt: skip
    answers = Intake.objects.get().answers
    assert (answers["sedative_hypnotic"], answers["theophylline"], answers["naltrexone"]) == (
        True,
        False,
        True,
    )


def test_a_complete_intake_answers_every_safety_question_of_the_screening(patient_client):
    fill_all_steps(patient_client)
    answers = Intake.objects.get().answers
    assert unanswered_safety_keys(answers) == ()
    assert {key for key in INCOMPLETE_KEYS if answers.get(key) is None} == set()
    assert answers["suicide_risk_screen"] == "negative"
    assert answers["phq9_item9"] == 0


def test_a_male_patient_completes_every_safety_question_without_the_pregnancy_step(
    patient_client,
) -> None:
    fill_all_steps(
        patient_client,
        **{"about-you": {**ABOUT_YOU, "sex_at_birth": "male"}},
        pregnancy=None,
    )
    answers = Intake.objects.get().answers
    assert answers["pregnancy_status"] == "not_applicable"
    assert unanswered_safety_keys(answers) == ()
    patient_client.post(reverse("intake_review"))
    assert Intake.objects.get().status == "submitted"
