"""Signed integration-therapy notes for `DocumentReference` (spec fhir.md §1, last
paragraph). Psychotherapy notes have extra protection under HIPAA, so:

- only **signed** notes ever leave (a draft or a voided draft never does);
- a signed-in staff member reads exactly the notes the notes page shows them
  (`integration.selectors.notes_visible_to`: the patient's therapist, the author and
  psychiatrists) within their patient scope;
- an API client reads them only when the admin turned on "may read integration-therapy
  notes" for it (off by default), within its patient scope;
- any other reader (a patient's own record download) reads none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from clinic.policy import patients_visible_to
from integration.models import IntegrationNote, NoteAddendum, NoteStatus
from integration.selectors import notes_visible_to


def readable_notes(reader: Any) -> QuerySet[IntegrationNote]:
    """The signed notes `reader` may read through the API (see above)."""
    reads_notes = getattr(reader, "reads_notes", None)
    if reads_notes is None:  # a staff login: the notes page's own rule
        notes = notes_visible_to(reader)
    elif reads_notes:
        notes = IntegrationNote.objects.all()
    else:
        return IntegrationNote.objects.none()
    return (
        notes.filter(status=NoteStatus.SIGNED, patient__in=patients_visible_to(reader))
        .select_related("author")
        .prefetch_related(
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author"))
        )
    )
