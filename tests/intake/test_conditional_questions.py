"""Follow-up questions follow `screening.CONDITIONAL_KEYS` exactly: shown in the browser,
required by the server when their condition holds, dropped from the answers when not."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from intake.models import Intake
from intake.questionnaire import STEPS
from intake.screening import CONDITIONAL_KEYS, is_asked
from tests.intake.conftest import ABOUT_YOU, STEP_POSTS


def shown_in_browser(condition: str, page_answers: dict[str, str]) -> bool:
    """static/js/intake.js's reading of a data-show-when condition."""
    for part in condition.split("|"):
        negated = "!=" in part
        name, value = part.split("!=" if negated else "=")
        current = page_answers.get(name, "")
        if (current != "" and current != value) if negated else current == value:
            return True
    return False


def follow_up_of(key: str):
    for step in STEPS:
        if key in step.form_class.follow_ups:
            return step, step.form_class.follow_ups[key]
    raise AssertionError(f"{key} is not asked as a follow-up")


# Parent answers as the page posts them, and as they are stored.
PARENT_ANSWERS = {
    "hypertension_dx": [("yes", True), ("no", False), ("", None)],
    "bipolar_dx": [(code, code) for code in ("none", "bipolar_1", "bipolar_2", "unsure")]
    + [("", None)],
    "suicide_attempt_ever": [("yes", True), ("no", False), ("", None)],
    "sex_at_birth": [(code, code) for code in ("female", "male", "intersex", "prefer_not_to_say")],
}


@pytest.mark.parametrize("key", sorted(CONDITIONAL_KEYS))
def test_the_browser_and_the_server_ask_each_follow_up_exactly_when_screening_does(key):
    step, follow_up = follow_up_of(key)
    parent, _ = CONDITIONAL_KEYS[key]
    for posted, stored in PARENT_ANSWERS[parent]:
        expected = is_asked(key, {parent: stored})
        assert follow_up.applies({parent: stored}) == expected, (key, stored)
        if follow_up.show_when:
            assert shown_in_browser(follow_up.show_when, {parent: posted}) == expected
        else:
            # The deciding answer is on another page: the whole step is skipped instead.
            assert step.applies({parent: stored}) == expected, (key, stored)


def test_follow_ups_carry_their_condition_to_the_page(patient_client) -> None:
    page = patient_client.get(reverse("intake_step", args=["mental-health"])).content.decode()
    radios = re.findall(r"<input[^>]*>", page)
    for name, condition in (
        ("mood_stabilizer", "bipolar_dx!=none"),
        ("suicide_attempt_12m", "suicide_attempt_ever=yes"),
    ):
        inputs = [radio for radio in radios if f'name="{name}"' in radio]
        assert len(inputs) == 2
        assert all(f'data-show-when="{condition}"' in radio for radio in inputs)


def test_a_follow_up_answered_when_it_does_not_apply_is_dropped(patient_client) -> None:
    patient_client.post(
        reverse("intake_step", args=["mental-health"]),
        {
            **STEP_POSTS["mental-health"],
            "bipolar_dx": "none",
            "mood_stabilizer": "yes",
            "suicide_attempt_ever": "no",
            "suicide_attempt_12m": "yes",
        },
    )
    answers = Intake.objects.get().answers
    assert "mood_stabilizer" not in answers
    assert "suicide_attempt_12m" not in answers
    assert answers["suicide_attempt_ever"] is False


def test_a_follow_up_is_required_when_it_applies(patient_client) -> None:
    url = reverse("intake_step", args=["mental-health"])
    response = patient_client.post(
        url, {**STEP_POSTS["mental-health"], "bipolar_dx": "unsure", "suicide_attempt_ever": "yes"}
    )
    body = response.content.decode()
    assert "Please say whether you take a mood stabilizer." in body
    assert "Please answer whether this was in the past 12 months." in body
    assert Intake.objects.get().answers == {}
    patient_client.post(
        url,
        {
            **STEP_POSTS["mental-health"],
            "bipolar_dx": "unsure",
            "mood_stabilizer": "no",
            "suicide_attempt_ever": "yes",
            "suicide_attempt_12m": "no",
        },
    )
    answers = Intake.objects.get().answers
    assert (answers["mood_stabilizer"], answers["suicide_attempt_12m"]) == (False, False)


def test_changing_the_earlier_answer_drops_the_follow_up_already_stored(patient_client):
    url = reverse("intake_step", args=["mental-health"])
    patient_client.post(
        url, {**STEP_POSTS["mental-health"], "bipolar_dx": "bipolar_2", "mood_stabilizer": "yes"}
    )
    assert Intake.objects.get().answers["mood_stabilizer"] is True
    patient_client.post(url, {**STEP_POSTS["mental-health"], "bipolar_dx": "none"})
    assert "mood_stabilizer" not in Intake.objects.get().answers


def test_breastfeeding_is_dropped_when_the_sex_at_birth_becomes_male(patient_client) -> None:
    about_you = reverse("intake_step", args=["about-you"])
    patient_client.post(about_you, ABOUT_YOU)
    patient_client.post(
        reverse("intake_step", args=["pregnancy"]),
        {"pregnancy_status": "not_pregnant", "breastfeeding": "yes"},
    )
    assert Intake.objects.get().answers["breastfeeding"] is True
    patient_client.post(about_you, {**ABOUT_YOU, "sex_at_birth": "male"})
    answers = Intake.objects.get().answers
    assert "breastfeeding" not in answers
    assert answers["pregnancy_status"] == "not_applicable"
    # Back to female: the pregnancy question is asked again, not assumed.
    patient_client.post(about_you, ABOUT_YOU)
    assert "pregnancy_status" not in Intake.objects.get().answers


def test_a_womans_own_does_not_apply_answer_survives_saving_about_you_again(patient_client):
    patient_client.post(reverse("intake_step", args=["about-you"]), ABOUT_YOU)
    patient_client.post(
        reverse("intake_step", args=["pregnancy"]),
        {"pregnancy_status": "not_applicable", "breastfeeding": "no"},
    )
    patient_client.post(reverse("intake_step", args=["about-you"]), {**ABOUT_YOU, "city": "Salem"})
    assert Intake.objects.get().answers["pregnancy_status"] == "not_applicable"


def test_a_heart_attack_date_is_dropped_when_there_was_no_heart_attack(patient_client) -> None:
    patient_client.post(
        reverse("intake_step", args=["medical"]),
        {**STEP_POSTS["medical"], "had_heart_attack": "no", "mi_date": "2020-01-01"},
    )
    assert "mi_date" not in Intake.objects.get().answers
