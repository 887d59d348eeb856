"""`Patient/{id}/$everything`: one Bundle of what the reader may read about a patient."""

from __future__ import annotations

from collections import Counter

from clinic.models import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from tests.factories import AdverseEventFactory, IntakeFactory


def _types(response) -> Counter:
    assert response.status_code == 200, response.content
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.total == len(bundle.entry)
    return Counter(entry.resource.get_resource_type() for entry in bundle.entry)


def test_everything_holds_the_whole_record_for_a_psychiatrist(api, personas, record) -> None:
    AdverseEventFactory(session=record.session, recorded_by=personas.nurse)
    IntakeFactory(patient=personas.patient_a)

    response = api(personas.psychiatrist).get(f"Patient/{personas.patient_a.pk}/$everything")

    assert _types(response) == {
        "Patient": 1,
        "Observation": 7,  # five vital signs of the reading, the weight, the PHQ-9 total
        "Encounter": 1,
        "MedicationAdministration": 1,
        "Appointment": 1,
        "QuestionnaireResponse": 1,
        "AdverseEvent": 1,
        "Consent": 1,
    }
    rows = AuditEvent.objects.filter(user=personas.psychiatrist, action="view")
    assert [(r.object_type, r.patient_id) for r in rows] == [
        ("fhir.Patient.everything", personas.patient_a.pk)
    ]


def test_everything_keeps_to_each_role(api, personas, record) -> None:
    coordinator = api(personas.coordinator).get(f"Patient/{personas.patient_a.pk}/$everything")
    therapist = api(personas.therapist).get(f"Patient/{personas.patient_a.pk}/$everything")

    assert _types(coordinator) == {"Patient": 1, "Appointment": 1}
    assert "Consent" not in _types(therapist)
    outside = api(personas.other_therapist).get(f"Patient/{personas.patient_a.pk}/$everything")
    assert outside.status_code == 404
    assert (
        api(personas.admin).get(f"Patient/{personas.patient_a.pk}/$everything").status_code == 403
    )
