"""Adverse events, consents and documents, scoped like their pages.

An adverse event entered in error (struck through before signing, or declared so by an
addendum after) is left out: R4B's AdverseEvent has no status to say so. A document is
listed only when it is ready and its kind is one the reader may open (the kind's own
action in the policy, as the documents page asks).
"""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat

from clinic.choices import DocumentStatus
from clinic.context import note_subject
from clinic.documents import DOCUMENT_KINDS
from clinic.models import Document, User
from clinic.policy import NotVisible, patients_visible_to
from fhir import codes
from fhir.mapping.events import adverse_event_resource, consent_resource, document_resource
from fhir.params import Search, parse_reference, parse_token, row_id
from fhir.selectors.paging import Page, keyset_page, note_search
from intake.models import Intake
from sessions.models import AdverseEvent, SessionAddendum


def _pk(resource_id: str) -> int:
    return row_id(resource_id)


def _patients(search: Search) -> set[int]:
    return {parse_reference(v, "Patient", "patient") for v in search.values.get("patient", [])}


def _scoped_read(rows: QuerySet, resource_type: str, resource_id: str, owner: str) -> object:
    found = rows.filter(pk=_pk(resource_id)).first()
    if found is None:
        patient_id = rows.model.objects.filter(pk=_pk(resource_id)).values_list(owner, flat=True)
        raise NotVisible(
            patient_id=patient_id.first(),
            object_type=f"fhir.{resource_type}",
            object_id=resource_id,
        )
    return found


def _events(user: User) -> QuerySet[AdverseEvent]:
    corrected = SessionAddendum.objects.filter(
        session=OuterRef("session"),
        corrects=Concat(Value("event:"), Cast(OuterRef("pk"), CharField())),
    )
    return (
        AdverseEvent.objects.filter(
            session__patient__in=patients_visible_to(user), entered_in_error_at__isnull=True
        )
        .exclude(Exists(corrected))
        .select_related("session__dose", "recorded_by")
    )


def adverse_event_read(user: User, resource_id: str) -> AdverseEvent:
    found = _scoped_read(_events(user), "AdverseEvent", resource_id, "session__patient_id")
    note_subject(
        patient_id=found.session.patient_id, object_type="fhir.AdverseEvent", object_id=found.pk
    )
    return found


def adverse_event_search(user: User, search: Search) -> Page:
    rows = _events(user)
    patients = _patients(search)
    if patients:
        rows = rows.filter(session__patient_id__in=patients)
    page = keyset_page(rows, search, adverse_event_resource)
    note_search("AdverseEvent", page, patients)
    return page


def _consents(user: User) -> QuerySet[Intake]:
    return Intake.objects.filter(
        patient__in=patients_visible_to(user), consent_signed_at__isnull=False
    )


def consent_read(user: User, resource_id: str) -> Intake:
    found = _scoped_read(_consents(user), "Consent", resource_id, "patient_id")
    note_subject(patient_id=found.patient_id, object_type="fhir.Consent", object_id=found.pk)
    return found


def consent_search(user: User, search: Search) -> Page:
    rows = _consents(user)
    patients = _patients(search)
    if patients:
        rows = rows.filter(patient_id__in=patients)
    page = keyset_page(rows, search, consent_resource)
    note_search("Consent", page, patients)
    return page


def _documents(user: User) -> QuerySet[Document]:
    kinds = [code for code, kind in DOCUMENT_KINDS.items() if kind.allowed(user)]
    return Document.objects.filter(
        patient__in=patients_visible_to(user), kind__in=kinds, status=DocumentStatus.READY
    )


def map_document(document: Document) -> object:
    kind = DOCUMENT_KINDS[document.kind]
    return document_resource(document, kind.label)


def document_read(user: User, resource_id: str) -> Document:
    found = _scoped_read(_documents(user), "DocumentReference", resource_id, "patient_id")
    note_subject(
        patient_id=found.patient_id, object_type="fhir.DocumentReference", object_id=found.pk
    )
    return found


def document_search(user: User, search: Search) -> Page:
    rows = _documents(user)
    patients = _patients(search)
    if patients:
        rows = rows.filter(patient_id__in=patients)
    for value in search.values.get("type", []):
        asked = {parse_token(part) for part in value.split(",")}
        loinc = {code for system, code in asked if system in (None, codes.LOINC)}
        kinds = [kind for kind, code in codes.DOCUMENT_TYPES.items() if code.code in loinc]
        rows = rows.filter(kind__in=kinds)
    page = keyset_page(rows, search, map_document)
    note_search("DocumentReference", page, patients)
    return page
