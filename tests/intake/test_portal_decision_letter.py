"""A declined patient's home page shows the letter their psychiatrist signed and links its
PDF in their own documents (download checked and audited by the document policy)."""

from __future__ import annotations

import html

from django.urls import reverse

from clinic.models import AuditEvent, Document
from tests.intake.test_eligibility_review import (  # noqa: F401 (fixtures)
    decide,
    psychiatrist,
    submitted,
)

MESSAGE = "Ketamine treatment is not right for you now; please see your cardiologist first."


def decline(client, patient) -> None:
    decide(
        client,
        patient,
        decision="declined",
        staff_reason="Unstable cardiac disease; refer to cardiology first.",
        patient_message=MESSAGE,
    )


def home_text(client) -> str:
    return html.unescape(client.get(reverse("home")).content.decode())


def test_a_declined_patient_reads_the_signed_letter_and_downloads_its_pdf(
    submitted,  # noqa: F811
    psychiatrist,  # noqa: F811
    personas,
    login,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        decline(psychiatrist, personas.patient_a)
    letter = Document.objects.get(patient=personas.patient_a, kind="decision_letter_patient")
    assert letter.status == "ready" and letter.requested_by == personas.psychiatrist
    patient = login(personas.patient_a.user)
    page = home_text(patient)
    assert "Your psychiatrist's letter" in page
    assert "Signed by Dr. Priya Raman" in page
    assert MESSAGE in page
    assert "cardiology first" not in page  # the staff reason never reaches the patient
    download = reverse("document_download", args=[letter.pk])
    assert f'href="{download}"' in page
    response = patient.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(
        action="download", patient=personas.patient_a, object_id=str(letter.pk)
    ).exists()
    # The same letter is in the patient's own documents.
    assert download in patient.get(reverse("my_documents")).content.decode()


def test_another_patient_cannot_open_the_letter(
    submitted,  # noqa: F811
    psychiatrist,  # noqa: F811
    personas,
    login,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        decline(psychiatrist, personas.patient_a)
    letter = Document.objects.get(patient=personas.patient_a, kind="decision_letter_patient")
    other = login(personas.patient_b.user)
    assert other.get(reverse("document_download", args=[letter.pk])).status_code == 404
    assert other.get(reverse("document_status", args=[letter.pk])).status_code == 404
    assert MESSAGE not in home_text(other)
    assert AuditEvent.objects.filter(
        action="denied", user=personas.patient_b.user, object_id=str(letter.pk)
    ).exists()


def test_while_the_pdf_is_generated_the_page_says_so(
    submitted,  # noqa: F811
    psychiatrist,  # noqa: F811
    personas,
    login,
) -> None:
    decline(psychiatrist, personas.patient_a)  # the render task has not run yet
    page = home_text(login(personas.patient_a.user))
    assert MESSAGE in page
    assert "The PDF copy of this letter is being prepared" in page
    assert "Generating…" in page


def test_the_intake_page_of_a_declined_patient_points_to_the_letter(
    submitted,  # noqa: F811
    psychiatrist,  # noqa: F811
    personas,
    login,
) -> None:
    decline(psychiatrist, personas.patient_a)
    page = html.unescape(
        login(personas.patient_a.user).get(reverse("intake_home")).content.decode()
    )
    assert MESSAGE in page
    assert "has the signed letter as a PDF" in page
