""" "Save and finish later" keeps every answer of the step, the new questions included."""

from __future__ import annotations

from django.urls import reverse

from intake.models import Intake
from tests.intake.conftest import STEP_POSTS


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


def test_a_validation_error_while_saving_for_later_saves_nothing_and_keeps_the_typing(
    patient_client,
) -> None:
    data = dict(STEP_POSTS["mental-health"])
    del data["psychotic_symptoms_12m"]
    response = patient_client.post(
        reverse("intake_step", args=["mental-health"]),
        {**data, "psychotic_symptoms_current": "yes", "save_and_exit": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].data["psychotic_symptoms_current"] == "yes"
    assert Intake.objects.get().answers == {}
