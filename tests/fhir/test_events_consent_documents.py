"""Adverse events, the intake consent, and generated documents."""

from __future__ import annotations

import base64

from django.utils import timezone

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.documentreference import DocumentReference
from intake.questionnaire import CONSENT_TEXT
from tests.factories import AdverseEventFactory, DocumentFactory, IntakeFactory


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [e.resource.id for e in Bundle.model_validate_json(response.content).entry or []]


def test_an_adverse_event_is_coded_with_seriousness_and_the_suspect_dose(
    api, personas, record
) -> None:
    event = AdverseEventFactory(session=record.session, recorded_by=personas.nurse)

    response = api(personas.therapist).get(f"AdverseEvent/{event.pk}")

    parsed = AdverseEvent.model_validate_json(response.content)
    assert [c.code for c in parsed.event.coding] == ["422587007", "nausea"]
    assert parsed.seriousness.coding[0].code == "non-serious"
    assert parsed.severity.coding[0].code == "mild"
    # The outcome's binding is required: coded "unknown" (the clinic records it in words,
    # never guessed into a code), the nurse's words as its text.
    assert parsed.outcome.text == "Resolved within 15 minutes."
    assert [(c.system, c.code) for c in parsed.outcome.coding] == [
        ("http://terminology.hl7.org/CodeSystem/adverse-event-outcome", "unknown")
    ]
    assert (
        parsed.suspectEntity[0].instance.reference == f"MedicationAdministration/{record.dose.pk}"
    )
    assert parsed.encounter.reference == f"Encounter/{record.session.pk}"


def test_an_adverse_event_entered_in_error_is_not_exported(api, personas, record) -> None:
    event = AdverseEventFactory(
        session=record.session,
        recorded_by=personas.nurse,
        entered_in_error_at=timezone.now(),
        entered_in_error_by=personas.nurse,
        entered_in_error_reason="Wrong patient",
    )
    client = api(personas.nurse)

    assert client.get(f"AdverseEvent/{event.pk}").status_code == 404
    assert _ids(client.get(f"AdverseEvent?patient={personas.patient_a.pk}")) == []


def test_the_intake_consent_carries_its_signed_statement(api, personas) -> None:
    intake = IntakeFactory(patient=personas.patient_a)

    response = api(personas.psychiatrist).get(f"Consent/{intake.pk}")

    consent = Consent.model_validate_json(response.content)
    assert consent.scope.coding[0].code == "treatment"
    assert consent.category[0].coding[0].code == "59284-0"
    assert consent.dateTime == intake.consent_signed_at
    attached = consent.sourceAttachment
    sent = response.json()["sourceAttachment"]["data"]
    assert base64.b64decode(sent).decode() == CONSENT_TEXT
    assert "2026.1" in attached.title
    assert api(personas.therapist).get(f"Consent/{intake.pk}").status_code == 403


def test_documents_are_listed_by_loinc_type_with_the_download_url(api, personas) -> None:
    ready = DocumentFactory(
        kind="session_record", patient=personas.patient_a, status="ready", size=1234,
        generated_at=timezone.now(),
    )  # fmt: skip
    DocumentFactory(kind="session_record", patient=personas.patient_a)  # still generating
    letter = DocumentFactory(patient=personas.patient_a, status="ready")

    nurse = api(personas.nurse)
    response = nurse.get(f"DocumentReference/{ready.pk}")

    parsed = DocumentReference.model_validate_json(response.content)
    assert parsed.type.coding[0].code == "11506-3"
    assert parsed.content[0].attachment.url == f"/documents/{ready.pk}/download/"
    assert parsed.content[0].attachment.contentType == "application/pdf"
    assert _ids(nurse.get(f"DocumentReference?patient={personas.patient_a.pk}")) == [str(ready.pk)]
    # The decision letter is the psychiatrist's to read (its kind's own rule).
    assert nurse.get(f"DocumentReference/{letter.pk}").status_code == 404
    psychiatrist = api(personas.psychiatrist)
    assert _ids(psychiatrist.get("DocumentReference?type=51851-4")) == [str(letter.pk)]
