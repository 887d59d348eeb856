"""Adverse events, consents and documents, scoped like their pages.

An adverse event entered in error (struck through before signing, or declared so by an
addendum after) is left out: R4B's AdverseEvent has no status to say so. A document is
listed only when it is ready and its kind is one the reader may open (the kind's own
action in the policy, as the documents page asks). Signed integration-therapy notes are
DocumentReferences too (`note-<id>`, `fhir.selectors.notes` says who reads them): a
search lists the generated documents by id, then the notes by id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from clinic.choices import DocumentStatus
from clinic.documents import DOCUMENT_KINDS
from clinic.models import Document, User
from clinic.policy import patients_visible_to
from fhir import codes
from fhir.mapping.events import adverse_event_resource, consent_resource, document_resource
from fhir.mapping.notes import NOTE_ID_PREFIX, note_resource
from fhir.params import CURSOR, BadSearch, Search, parse_token, row_id
from fhir.selectors.notes import readable_notes
from fhir.selectors.paging import Page, note_search, patient_filter, patient_search, scoped_read
from fhir.selectors.places import at_reader_location
from intake.models import Intake
from sessions.models import AdverseEvent, SessionAddendum


def _corrected_events() -> QuerySet[SessionAddendum]:
    """The addenda declaring the (outer) event entered in error after signing."""
    return SessionAddendum.objects.filter(
        session=OuterRef("session"),
        corrects=Concat(Value("event:"), Cast(OuterRef("pk"), CharField())),
    )


def _events_in_scope(user: User) -> QuerySet[AdverseEvent]:
    """Every adverse event of the reader's scope, entered in error or not."""
    events = AdverseEvent.objects.filter(session__patient__in=patients_visible_to(user))
    return at_reader_location(events, user, "session__appointment__chair__location")


def _events(user: User) -> QuerySet[AdverseEvent]:
    return (
        _events_in_scope(user)
        .filter(entered_in_error_at__isnull=True)
        .exclude(Exists(_corrected_events()))
        .select_related("session__dose", "recorded_by")
    )


def events_retracted(user: User, since: dt.datetime) -> QuerySet[AdverseEvent]:
    """The reader's adverse events entered in error after `since` (struck through, or
    declared so by an addendum): no longer served, so a `_since` export lists them as
    deleted."""
    return (
        _events_in_scope(user)
        .filter(
            Q(entered_in_error_at__gt=since)
            | Q(Exists(_corrected_events().filter(written_at__gt=since)))
        )
        .select_related("session")
    )


def adverse_event_read(user: User, resource_id: str) -> AdverseEvent:
    return scoped_read(_events(user), "AdverseEvent", resource_id, "session__patient_id")


def adverse_event_search(user: User, search: Search) -> Page:
    return patient_search(
        _events(user), "AdverseEvent", search, "session__patient_id", adverse_event_resource
    )


def _consents(user: User) -> QuerySet[Intake]:
    return Intake.objects.filter(
        patient__in=patients_visible_to(user), consent_signed_at__isnull=False
    )


def consent_read(user: User, resource_id: str) -> Intake:
    return scoped_read(_consents(user), "Consent", resource_id, "patient_id")


def consent_search(user: User, search: Search) -> Page:
    return patient_search(_consents(user), "Consent", search, "patient_id", consent_resource)


def _documents(user: User) -> QuerySet[Document]:
    """The ready documents of the kinds the reader opens: staff by their role; a patient
    reading their own record, the kinds the portal gives them (their letters)."""
    kinds = [
        code
        for code, kind in DOCUMENT_KINDS.items()
        if (kind.for_patient if user.is_patient_account else kind.allowed(user))
    ]
    return Document.objects.filter(
        patient__in=patients_visible_to(user), kind__in=kinds, status=DocumentStatus.READY
    )


def map_document(found: Any) -> object:
    """A generated document or a signed note, as its DocumentReference."""
    if not isinstance(found, Document):
        return note_resource(found)
    return document_resource(found, DOCUMENT_KINDS[found.kind].label)


def document_read(user: User, resource_id: str) -> Any:
    if resource_id.startswith(NOTE_ID_PREFIX):
        return scoped_read(
            readable_notes(user),
            "DocumentReference",
            resource_id,
            "patient_id",
            prefix=NOTE_ID_PREFIX,
        )
    return scoped_read(_documents(user), "DocumentReference", resource_id, "patient_id")


def _asked_types(search: Search) -> tuple[set[str], bool]:
    """The document kinds and whether notes are asked for (`type=`; all of each when none)."""
    kinds, notes = set(DOCUMENT_KINDS), True
    for value in search.values.get("type", []):
        asked = {parse_token(part) for part in value.split(",")}
        loinc = {code for system, code in asked if system in (None, codes.LOINC)}
        kinds &= {kind for kind, code in codes.DOCUMENT_TYPES.items() if code.code in loinc}
        notes = notes and codes.INTEGRATION_NOTE.code in loinc
    return kinds, notes


def _position(search: Search) -> tuple[int, int]:
    """Where the page starts: the last document id listed, or (once the documents are
    all listed) the last note id."""
    if not search.after:
        return 0, 0
    if search.after.startswith(NOTE_ID_PREFIX):
        note = row_id(search.after.removeprefix(NOTE_ID_PREFIX))
        if note:
            return 0, note
    elif row_id(search.after):
        return row_id(search.after), 0
    raise BadSearch(f"'{CURSOR}' must come from a next link of this search.", CURSOR)


def document_search(user: User, search: Search) -> Page:
    patients = patient_filter(search)
    kinds, with_notes = _asked_types(search)
    after_document, after_note = _position(search)
    wanted = search.count + 1
    found: list[Any] = []
    if kinds and not after_note:
        rows = _documents(user).filter(kind__in=kinds, pk__gt=after_document)
        if patients:
            rows = rows.filter(patient_id__in=patients)
        found = list(rows.order_by("pk")[:wanted])
    if with_notes and len(found) < wanted:
        notes = readable_notes(user).filter(pk__gt=after_note)
        if patients:
            notes = notes.filter(patient_id__in=patients)
        found += list(notes.order_by("pk")[: wanted - len(found)])
    page = Page([map_document(row) for row in found[: search.count]])
    if len(found) > search.count:
        page.next_after = page.resources[-1]["id"]
    note_search("DocumentReference", page, patients)
    return page
