"""Signed integration-therapy notes for `DocumentReference` (spec fhir.md §1, last
paragraph). Psychotherapy notes have extra protection under HIPAA, so:

- only **signed** notes ever leave (a draft or a voided draft never does);
- a signed-in staff member reads exactly the notes the notes page shows them
  (`integration.selectors.notes_visible_to`: the patient's therapist, the author and
  psychiatrists) within their patient scope;
- an API client reads them only when the admin turned on "may read integration-therapy
  notes" for it (off by default), within its patient scope;
- any other reader (a patient's own record download) reads none;
- a reader restricted to one location reads only the notes about sessions there: a note
  linked to a session at another location, or to no session at all, stays out (a
  patient treated at two locations keeps the other location's therapy out of its reads).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from clinic.policy import patients_visible_to
from fhir.selectors.places import reader_location
from integration.models import IntegrationNote, NoteAddendum, NoteStatus
from integration.selectors import notes_visible_to
from sessions.models import TreatmentSession


def readable_notes(reader: Any) -> QuerySet[IntegrationNote]:
    """The signed notes `reader` may read through the API (see above)."""
    reads_notes = getattr(reader, "reads_notes", None)
    if reads_notes is None:  # a staff login: the notes page's own rule
        notes = notes_visible_to(reader)
    elif reads_notes:
        notes = IntegrationNote.objects.all()
    else:
        return IntegrationNote.objects.none()
    notes = _at_reader_location(notes, reader_location(reader))
    return (
        notes.filter(status=NoteStatus.SIGNED, patient__in=patients_visible_to(reader))
        .select_related("author")
        .prefetch_related(
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author"))
        )
    )


def _at_reader_location(
    notes: QuerySet[IntegrationNote], location: int | None
) -> QuerySet[IntegrationNote]:
    """Notes about sessions at `location` only (all notes when not restricted)."""
    if location is None:
        return notes
    linked = TreatmentSession.objects.filter(integration_notes=OuterRef("pk"))
    here = linked.filter(appointment__chair__location_id=location)
    elsewhere = linked.exclude(appointment__chair__location_id=location)
    return notes.filter(Exists(here)).exclude(Exists(elsewhere))
