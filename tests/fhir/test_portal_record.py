"""A patient downloads their own record from the portal: their `$everything` Bundle as a
FHIR JSON file, through the same scoped selectors, audited as one download."""

from __future__ import annotations

import json

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from clinic.choices import AuditAction
from clinic.models import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from tests.conftest import sign_in
from tests.factories import DocumentFactory, IntegrationNoteFactory, MeasureResultFactory
from tests.fhir.conftest import add_session

URL = reverse("my_record_download")


def test_the_portal_explains_and_offers_the_download(personas) -> None:
    home = sign_in(Client(), personas.patient_a.user).get("/").content.decode()

    assert "Download my record (FHIR)" in home
    assert f'href="{URL}"' in home
    assert "private session notes are not in the file" in home


def test_a_patient_downloads_their_own_record_and_nobody_elses(personas, record) -> None:
    add_session(personas.patient_b, personas.nurse)
    MeasureResultFactory(patient=personas.patient_b)
    note = IntegrationNoteFactory(
        patient=personas.patient_a, author=personas.therapist, signed=True
    )
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = sign_in(Client(), personas.patient_a.user).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-health-record-')
    bundle = Bundle.model_validate_json(response.content)
    found = {f"{e.resource.get_resource_type()}/{e.resource.id}" for e in bundle.entry}
    assert f"Patient/{personas.patient_a.pk}" in found
    assert {
        f"Encounter/{record.session.pk}",
        f"MedicationAdministration/{record.dose.pk}",
        f"QuestionnaireResponse/{record.measure.pk}",
        f"Observation/sv-{record.measure.pk}",
        f"Appointment/{record.session.appointment.pk}",
    } <= found
    assert f"DocumentReference/note-{note.pk}" not in found  # psychotherapy notes stay
    everyone = json.dumps(json.loads(response.content))
    assert f'"Patient/{personas.patient_b.pk}"' not in everyone
    assert personas.patient_b.legal_last_name not in everyone
    rows = AuditEvent.objects.filter(id__gt=before, action=AuditAction.DOWNLOAD)
    assert [(row.patient_id, row.user_id) for row in rows] == [
        (personas.patient_a.pk, personas.patient_a.user.pk)
    ]


def test_the_download_holds_the_patients_own_letters_and_no_staff_document(personas) -> None:
    """The letters the portal gives the patient are in their file (the attachment is the
    portal's own download); the staff's documents about them are not."""
    letter = DocumentFactory(
        kind="decision_letter_patient", patient=personas.patient_a, status="ready"
    )
    letter.file.save("letter.pdf", ContentFile(b"%PDF-1.7 test"))
    staff_copy = DocumentFactory(kind="session_record", patient=personas.patient_a, status="ready")

    response = sign_in(Client(), personas.patient_a.user).get(URL)

    found = {
        f"{e.resource.get_resource_type()}/{e.resource.id}"
        for e in Bundle.model_validate_json(response.content).entry
    }
    assert f"DocumentReference/{letter.pk}" in found
    assert f"DocumentReference/{staff_copy.pk}" not in found
    attachment = reverse("document_download", args=[letter.pk])
    assert sign_in(Client(), personas.patient_a.user).get(attachment).status_code == 200


def test_staff_cannot_use_the_patients_download(personas) -> None:
    for user in (personas.nurse, personas.psychiatrist, personas.admin):
        assert sign_in(Client(), user).get(URL).status_code == 403
