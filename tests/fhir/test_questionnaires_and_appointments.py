"""Questionnaires, questionnaire responses and appointments."""

from __future__ import annotations

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [e.resource.id for e in Bundle.model_validate_json(response.content).entry or []]


def test_the_phq9_questionnaire_has_its_loinc_panel_and_nine_items(api, personas) -> None:
    response = api(personas.admin).get("Questionnaire/phq9")

    questionnaire = Questionnaire.model_validate_json(response.content)
    assert questionnaire.url == "http://loinc.org/q/44249-1"
    assert questionnaire.code[0].code == "44249-1"
    assert len(questionnaire.item) == 9
    assert questionnaire.item[0].answerOption[3].valueCoding.display == "Nearly every day"
    listed = _ids(api(personas.admin).get("Questionnaire"))
    assert listed == ["asq", "gad7", "pcl5", "phq9"]
    gad7 = Questionnaire.model_validate_json(api(personas.admin).get("Questionnaire/gad7").content)
    assert gad7.code[0].code == "69737-5"


def test_a_measure_is_a_questionnaire_response_item_by_item(api, personas, record) -> None:
    response = api(personas.psychiatrist).get(f"QuestionnaireResponse/{record.measure.pk}")

    answered = QuestionnaireResponse.model_validate_json(response.content)
    assert answered.questionnaire == "http://loinc.org/q/44249-1"
    assert answered.status == "completed"
    assert [item.linkId for item in answered.item] == [f"q{n}" for n in range(1, 10)]
    assert answered.item[0].answer[0].valueCoding.code == "2"
    assert answered.item[0].answer[0].valueCoding.display == "More than half the days"
    assert answered.author.reference == f"Patient/{personas.patient_a.pk}"
    survey = Observation.model_validate_json(
        api(personas.psychiatrist).get(f"Observation/sv-{record.measure.pk}").content
    )
    assert survey.derivedFrom[0].reference == f"QuestionnaireResponse/{record.measure.pk}"


def test_responses_are_searched_by_patient_and_questionnaire(api, personas, record) -> None:
    client = api(personas.therapist)
    patient = personas.patient_a.pk

    phq9 = _ids(
        client.get(
            f"QuestionnaireResponse?patient={patient}&questionnaire=http://loinc.org/q/44249-1"
        )
    )
    gad7 = _ids(client.get(f"QuestionnaireResponse?patient={patient}&questionnaire=gad7"))

    assert phq9 == [str(record.measure.pk)]
    assert gad7 == []


def test_an_appointment_maps_its_status_and_participants(api, personas, record) -> None:
    appointment = record.session.appointment

    response = api(personas.coordinator).get(f"Appointment/{appointment.pk}")

    parsed = Appointment.model_validate_json(response.content)
    assert parsed.status == "checked-in"
    assert parsed.start == appointment.start
    actors = [p.actor.reference for p in parsed.participant]
    assert actors[:2] == [f"Patient/{personas.patient_a.pk}", f"Location/{record.location.pk}"]
    client = api(personas.coordinator)
    assert _ids(client.get("Appointment?status=checked-in")) == [str(appointment.pk)]
    assert _ids(client.get("Appointment?status=booked")) == []
    assert client.get("Appointment?status=happening").status_code == 400
