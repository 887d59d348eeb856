"""The allergy list on the medicines step: "no known allergies" is an explicit answer."""

from __future__ import annotations

from django.urls import reverse

from intake.models import Intake
from tests.intake.conftest import STEP_POSTS

URL = reverse("intake_step", args=["medicines"])


def rows(*allergies: tuple[str, str], blank: int = 1) -> dict[str, str]:
    """The allergy rows as the page posts them (a Django formset), with blank rows after."""
    data = {
        "allergy-TOTAL_FORMS": str(len(allergies) + blank),
        "allergy-INITIAL_FORMS": "0",
    }
    for number, (substance, reaction) in enumerate(allergies):
        data[f"allergy-{number}-substance"] = substance
        data[f"allergy-{number}-reaction"] = reaction
    return data


def test_no_known_allergies_is_stored_as_an_empty_list(patient_client) -> None:
    page = patient_client.get(URL).content.decode()
    assert "Do you have any allergies (to medicines, foods, latex or anything else)?" in page
    assert "No known allergies" in page
    patient_client.post(URL, STEP_POSTS["medicines"])
    assert Intake.objects.get().answers["allergies"] == []


def test_listed_allergies_are_stored_with_their_reactions(patient_client) -> None:
    response = patient_client.post(
        URL,
        {
            **STEP_POSTS["medicines"],
            "allergy_status": "listed",
            **rows(("Penicillin", "hives and  swelling"), ("Latex", ""), blank=2),
        },
    )
    assert response.status_code == 302
    assert Intake.objects.get().answers["allergies"] == [
        {"substance": "Penicillin", "reaction": "hives and swelling"},
        {"substance": "Latex", "reaction": ""},
    ]
    # Coming back, the patient sees them again, with a free row for one more.
    form = patient_client.get(URL).context["form"]
    assert form.initial["allergy_status"] == "listed"
    assert [row.initial for row in form.allergy_rows.initial_forms] == [
        {"substance": "Penicillin", "reaction": "hives and swelling"},
        {"substance": "Latex", "reaction": ""},
    ]
    assert len(form.allergy_rows.forms) == 3


def test_saying_yes_needs_at_least_one_allergy(patient_client) -> None:
    response = patient_client.post(
        URL, {**STEP_POSTS["medicines"], "allergy_status": "listed", **rows(blank=3)}
    )
    assert "List at least one allergy below, or choose “No known allergies”." in (
        response.content.decode()
    )
    assert Intake.objects.get().answers == {}


def test_a_reaction_without_what_caused_it_is_refused_and_the_typing_kept(patient_client):
    response = patient_client.post(
        URL,
        {**STEP_POSTS["medicines"], "allergy_status": "listed", **rows(("", "swollen lips"))},
    )
    body = response.content.decode()
    assert "Please say what you are allergic to." in body
    assert 'value="swollen lips"' in body
    assert Intake.objects.get().answers == {}


def test_rows_typed_before_choosing_no_known_allergies_are_not_stored(patient_client) -> None:
    patient_client.post(
        URL, {**STEP_POSTS["medicines"], "allergy_status": "none", **rows(("Aspirin", "wheeze"))}
    )
    assert Intake.objects.get().answers["allergies"] == []


def test_an_unanswered_allergy_question_is_not_stored_as_none(patient_client) -> None:
    data = dict(STEP_POSTS["medicines"])
    del data["allergy_status"]
    response = patient_client.post(URL, data)
    assert response.status_code == 200
    assert "allergies" not in Intake.objects.get().answers
