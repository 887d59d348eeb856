"""Each role reads through the API exactly what its pages show."""

from __future__ import annotations

import pytest

from fhir.resources.R4B.bundle import Bundle
from tests.factories import PatientFactory

CLINICAL = ("Observation", "Encounter", "MedicationAdministration")


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    bundle = Bundle.model_validate_json(response.content)
    return [entry.resource.id for entry in bundle.entry or []]


def test_a_therapist_searches_only_their_caseload(api, personas, record) -> None:
    PatientFactory(legal_last_name="Quillbright")

    therapist = _ids(api(personas.therapist).get("Patient?name=quill"))
    nurse = _ids(api(personas.nurse).get("Patient?name=quill"))

    assert therapist == [str(personas.patient_a.pk)]
    assert len(nurse) == 2


def test_a_therapist_off_the_caseload_gets_404_for_every_record(api, personas, record) -> None:
    client = api(personas.other_therapist)

    for path in (
        f"Patient/{personas.patient_a.pk}",
        f"Observation/vs-{record.reading.pk}-hr",
        f"Observation/sv-{record.measure.pk}",
        f"Encounter/{record.session.pk}",
        f"MedicationAdministration/{record.dose.pk}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Quillfeather" not in response.content.decode()
    for resource in CLINICAL:
        assert _ids(client.get(f"{resource}?patient={personas.patient_a.pk}")) == []


@pytest.mark.parametrize("resource", CLINICAL)
def test_a_coordinator_reads_no_clinical_resource(api, personas, record, resource) -> None:
    client = api(personas.coordinator)

    assert client.get(resource).status_code == 403
    assert client.get(f"{resource}/1").status_code == 403
    assert client.get(f"Patient/{personas.patient_a.pk}").status_code == 200


def test_the_admin_reads_the_directory_but_no_patient(api, personas, record) -> None:
    client = api(personas.admin)

    assert client.get(f"Patient/{personas.patient_a.pk}").status_code == 403
    assert client.get("Patient").status_code == 403
    for resource in CLINICAL:
        assert client.get(resource).status_code == 403
    assert client.get("Location").status_code == 200
    assert client.get("Practitioner").status_code == 200


def test_a_patient_login_reads_nothing_through_the_api(api, personas, record) -> None:
    client = api(personas.patient_a.user)

    for path in (f"Patient/{personas.patient_a.pk}", "Observation", "Location"):
        assert client.get(path).status_code == 403, path
