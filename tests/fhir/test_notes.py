"""Signed integration-therapy notes as DocumentReference (spec fhir.md §1, last
paragraph): psychotherapy notes, so only signed ones ever leave, only to the staff who
read them on the notes page and to API clients the admin turned notes on for."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fhir import codes
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from integration.models import NoteStatus
from tests.conftest import sign_in
from tests.factories import (
    AccessTokenFactory,
    ApiClientFactory,
    DocumentFactory,
    IntegrationNoteFactory,
    NoteAddendumFactory,
)


@pytest.fixture
def notes(personas):
    """patient_a's signed note (with an addendum), a draft and a voided draft."""
    signed = IntegrationNoteFactory(
        patient=personas.patient_a, author=personas.therapist, signed=True
    )
    NoteAddendumFactory(note=signed, text="Her grandfather, not her father.")
    draft = IntegrationNoteFactory(patient=personas.patient_a, author=personas.therapist)
    voided = IntegrationNoteFactory(
        patient=personas.patient_a,
        author=personas.therapist,
        status=NoteStatus.VOIDED,
        voided_at=timezone.now(),
        void_reason="Wrong patient",
    )
    return signed, draft, voided


def _bearer(notes_on: bool, scopes: str = "system/DocumentReference.read") -> Client:
    AccessTokenFactory(raw="notes-token", client=ApiClientFactory(notes=notes_on), scopes=scopes)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer notes-token"
    return client


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [e.resource.id for e in Bundle.model_validate_json(response.content).entry or []]


def test_a_client_with_notes_reads_signed_notes_only(personas, notes) -> None:
    signed, draft, voided = notes
    client = _bearer(notes_on=True)

    listed = _ids(client.get("/fhir/r4/DocumentReference"))
    response = client.get(f"/fhir/r4/DocumentReference/note-{signed.pk}")

    assert listed == [f"note-{signed.pk}"]
    for unsigned in (draft, voided):
        assert client.get(f"/fhir/r4/DocumentReference/note-{unsigned.pk}").status_code == 404
    document = DocumentReference.model_validate_json(response.content)
    assert document.type.coding[0].system == codes.LOINC
    assert document.type.coding[0].code == "34904-3"
    assert document.subject.reference == f"Patient/{personas.patient_a.pk}"
    assert document.author[0].reference == f"Practitioner/{personas.therapist.pk}"
    attachment = document.content[0].attachment
    assert attachment.contentType == "text/plain; charset=utf-8"
    text = attachment.data.decode()  # the library decodes base64Binary
    assert base64.b64encode(attachment.data).decode() in response.content.decode()
    assert signed.experience in text and "Protective factors:" in text
    assert "Her grandfather, not her father." in text
    assert attachment.size == len(text.encode())


def test_a_client_without_notes_gets_none_even_with_every_scope(personas, notes) -> None:
    signed, _, _ = notes
    client = _bearer(notes_on=False, scopes="system/*.read")

    listed = _ids(client.get("/fhir/r4/DocumentReference"))

    assert not any(i.startswith("note-") for i in listed)
    assert client.get(f"/fhir/r4/DocumentReference/note-{signed.pk}").status_code == 404
    everything = client.get(f"/fhir/r4/Patient/{personas.patient_a.pk}/$everything")
    assert f"note-{signed.pk}" not in everything.content.decode()


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("therapist", True), ("psychiatrist", True), ("nurse", False)],
)
def test_staff_read_the_notes_the_notes_page_shows_them(personas, notes, persona, sees) -> None:
    signed, draft, _ = notes
    client = sign_in(Client(), getattr(personas, persona))

    listed = _ids(client.get("/fhir/r4/DocumentReference"))
    read = client.get(f"/fhir/r4/DocumentReference/note-{signed.pk}")

    assert listed == ([f"note-{signed.pk}"] if sees else [])
    assert read.status_code == (200 if sees else 404)
    # The author's own draft is on their notes page, but never leaves through the API.
    assert client.get(f"/fhir/r4/DocumentReference/note-{draft.pk}").status_code == 404


def test_type_searches_and_paging_walk_documents_then_notes(personas, notes) -> None:
    signed, _, _ = notes
    second = IntegrationNoteFactory(
        patient=personas.patient_a, author=personas.therapist, signed=True
    )
    record = DocumentFactory(kind="session_record", patient=personas.patient_a, status="ready")
    client = sign_in(Client(), personas.psychiatrist)

    walked, url = [], "/fhir/r4/DocumentReference?_count=1"
    while url:
        response = client.get(url)
        walked += _ids(response)
        bundle = Bundle.model_validate_json(response.content)
        url = next((link.url for link in bundle.link if link.relation == "next"), "")

    assert walked == [str(record.pk), f"note-{signed.pk}", f"note-{second.pk}"]
    only_notes = _ids(client.get("/fhir/r4/DocumentReference?type=http://loinc.org|34904-3"))
    assert only_notes == [f"note-{signed.pk}", f"note-{second.pk}"]
    assert _ids(client.get("/fhir/r4/DocumentReference?type=11506-3")) == [str(record.pk)]


def test_the_admin_turns_notes_on_only_after_confirming_the_warning(client, personas) -> None:
    sign_in(client, personas.admin)
    form = {
        "name": "Clinic EHR",
        "scopes": "system/DocumentReference.read",
        "patient_mrn": "",
        "location": "",
        "rate_per_minute": "120",
        "expires_at_0": "",
        "expires_at_1": "",
        "notes": "on",
    }
    add = reverse("admin:fhir_apiclient_add")

    page = client.get(add).content.decode()
    refused = client.post(add, form)
    confirmed = client.post(add, {**form, "notes_confirmed": "on"})

    assert "psychotherapy notes" in page and "45 CFR 164.508" in page
    assert refused.status_code == 200
    assert "Tick this to confirm" in refused.content.decode()
    assert 'value="Clinic EHR"' in refused.content.decode()
    assert confirmed.status_code == 200
    assert "it will not be shown again" in confirmed.content.decode()
