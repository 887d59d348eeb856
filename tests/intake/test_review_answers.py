"""The psychiatrist's review page reads answers as questions and the patient's words: an
unanswered safety question says "Not answered" (never "No"), allergies are listed, and a
flag shows the answers its ruleset read."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clinic import clock
from intake.models import Intake
from tests.factories import ScreeningResultFactory
from tests.intake.conftest import STEP_POSTS, fill_all_steps

CURRENT_PSYCHOSIS = "Right now, or at any time in the past month, have you heard or seen things"
PAST_YEAR_PSYCHOSIS = "At any time in the past 12 months, have you heard or seen things"


@pytest.fixture
def psychiatrist(login, personas):
    return login(personas.psychiatrist)


def submit(client, **changes) -> Intake:
    fill_all_steps(client, **changes)
    client.post(reverse("intake_review"))
    return Intake.objects.get()


def review_page(client, personas) -> str:
    return client.get(reverse("review", args=[personas.patient_a.pk])).content.decode()


def section(body: str, heading_id: str) -> str:
    start = body.index(f'id="{heading_id}"')
    return body[start : body.index("</section>", start)]


def answer_to(html: str, question: str) -> str:
    """The answer shown after a question in a <dl>."""
    match = re.search(re.escape(question) + r".*?</dt>\s*<dd>(.*?)</dd>", html, re.S)
    assert match, question
    return match.group(1)


def test_an_unanswered_safety_question_reads_not_answered_never_no(
    patient_client, psychiatrist, personas
) -> None:
    intake = submit(patient_client)
    # An intake begun before the question existed: the key was never stored.
    answers = {k: v for k, v in intake.answers.items() if k != "psychotic_symptoms_current"}
    Intake.objects.filter(pk=intake.pk).update(answers=answers)

    body = review_page(psychiatrist, personas)
    unanswered = section(body, "unanswered-heading")
    assert "Safety questions not answered" in unanswered
    assert answer_to(unanswered, CURRENT_PSYCHOSIS) == "Not answered"
    assert PAST_YEAR_PSYCHOSIS not in unanswered  # answered: not listed
    all_answers = section(body, "answers-heading")
    assert answer_to(all_answers, CURRENT_PSYCHOSIS) == "Not answered"
    assert answer_to(all_answers, PAST_YEAR_PSYCHOSIS) == "No"


def test_a_complete_intake_lists_no_unanswered_safety_question(
    patient_client, psychiatrist, personas
) -> None:
    submit(patient_client)
    assert "Safety questions not answered" not in review_page(psychiatrist, personas)


def test_an_unanswered_safety_question_in_a_flag_reads_not_answered(
    patient_client, psychiatrist, personas
) -> None:
    intake = submit(patient_client)
    answers = {k: v for k, v in intake.answers.items() if k not in ("opioid", "measures")}
    ScreeningResultFactory(
        intake=intake,
        answers=answers,
        level="caution",
        flags=[{"code": "INCOMPLETE", "severity": "relative", "reason": "Not answered: opioid."}],
        ruleset_version="2026.2",
        trigger="submission",
        created_at=clock.now(),  # after the submission's own screening: the latest
        created_by=personas.psychiatrist,
    )
    flags = section(review_page(psychiatrist, personas), "flags-heading")
    assert "Do you take an opioid pain medicine? — <strong>Not answered</strong>" in flags
    assert "opioid pain medicine? — <strong>No</strong>" not in flags


def test_the_review_page_lists_the_allergies(patient_client, psychiatrist, personas) -> None:
    submit(
        patient_client,
        medicines={
            **STEP_POSTS["medicines"],
            "allergy_status": "listed",
            "allergy-TOTAL_FORMS": "2",
            "allergy-INITIAL_FORMS": "0",
            "allergy-0-substance": "Penicillin",
            "allergy-0-reaction": "hives",
            "allergy-1-substance": "Latex",
        },
    )
    allergies = section(review_page(psychiatrist, personas), "allergies-heading")
    assert "Penicillin (hives)<br>Latex" in allergies


def test_no_known_allergies_and_an_unanswered_allergy_question_read_differently(
    patient_client, psychiatrist, personas
) -> None:
    intake = submit(patient_client)
    assert "No known allergies" in section(review_page(psychiatrist, personas), "allergies-heading")
    answers = {k: v for k, v in intake.answers.items() if k != "allergies"}
    Intake.objects.filter(pk=intake.pk).update(answers=answers)
    assert "Not answered" in section(review_page(psychiatrist, personas), "allergies-heading")


def test_a_flag_shows_the_questions_and_answers_that_triggered_it(
    patient_client, psychiatrist, personas
) -> None:
    submit(
        patient_client,
        medical={
            **STEP_POSTS["medical"],
            "hypertension_dx": "yes",
            "hypertension_controlled": "no",
        },
        **{"mental-health": {**STEP_POSTS["mental-health"], "psychotic_symptoms_12m": "yes"}},
    )
    flags = section(review_page(psychiatrist, personas), "flags-heading")
    assert "PSYCHOSIS_RECENT" in flags
    assert f"{PAST_YEAR_PSYCHOSIS}" in flags
    assert "Is your blood pressure under control now? — <strong>No</strong>" in flags
    assert "hypertension_controlled" not in flags and "psychotic_symptoms_12m" not in flags


def test_answers_read_as_the_patients_words(patient_client, psychiatrist, personas) -> None:
    submit(patient_client)
    all_answers = section(review_page(psychiatrist, personas), "answers-heading")
    assert answer_to(all_answers, "Have you been diagnosed with bipolar disorder?") == "No"
    assert answer_to(all_answers, "Do you have liver disease?") == "No"
    assert answer_to(all_answers, "1. In the past few weeks, have you wished you were dead?") == (
        "No"
    )
    assert "Allergies" in all_answers and "No known allergies" in all_answers
    # A follow-up that did not apply is not listed.
    assert "Was an attempt in the past 12 months?" not in all_answers
    assert "Are you having thoughts of killing yourself right now?" not in all_answers


def test_a_stored_2026_1_screening_still_shows_its_flags_and_the_answers_it_read(
    patient_client, psychiatrist, personas
) -> None:
    intake = submit(patient_client)
    old_answers = {
        k: v
        for k, v in intake.answers.items()
        if k not in ("measures", "psychotic_symptoms_current", "suicide_risk_screen")
    }
    old_answers["psychotic_symptoms_12m"] = True
    ScreeningResultFactory(
        intake=intake,
        answers=old_answers,
        level="contraindicated",
        flags=[
            {
                "code": "PSYCHOSIS_ACTIVE",
                "severity": "absolute",
                "reason": "Hallucinations or delusions in the past 12 months.",
            },
            {"code": "BP_NOT_RECORDED", "severity": "info", "reason": "No screening BP yet."},
        ],
        ruleset_version="2026.1",
        trigger="submission",
        created_at=clock.now(),  # after the submission's own screening: the latest
        created_by=personas.psychiatrist,
    )
    flags = section(review_page(psychiatrist, personas), "flags-heading")
    assert "Ruleset 2026.1" in flags and "Contraindicated" in flags
    assert "PSYCHOSIS_ACTIVE" in flags
    assert "Hallucinations or delusions in the past 12 months." in flags
    # 2026.1 read the 12-month question for this flag, not 2026.2's "now or past month".
    assert f"{PAST_YEAR_PSYCHOSIS}" in flags and "— <strong>Yes</strong>" in flags
    assert CURRENT_PSYCHOSIS not in flags
    assert "Not answered" not in flags
