"""`Patient/{id}/$everything`: the patient and every resource about them that the reader
may read, one type at a time through the same scoped searches (never a wider read)."""

from __future__ import annotations

from typing import Any

from clinic.context import note_subject
from clinic.models import User
from clinic.policy import may
from fhir.clients.principal import may_read
from fhir.mapping.patient import patient_resource
from fhir.params import MAX_COUNT, Search
from fhir.registry import RESOURCES
from fhir.selectors.people import patient_read


def patient_everything(user: User, resource_id: str) -> list[Any]:
    """Every resource about one patient in the reader's scope, the Patient first. Each
    type is read in pages of 500 (a query or two per page), so the queries grow with the
    size of the record only in steps of 500 rows."""
    patient = patient_read(user, resource_id)
    note_subject(
        patient_id=patient.pk,
        object_type="fhir.Patient.everything",
        object_id=patient.pk,
        page=True,
    )
    found: list[Any] = [patient_resource(patient)]
    for served in RESOURCES:
        if "patient" not in served.parameter_names or not (
            may(user, served.action) and may_read(user, served.type)
        ):
            continue
        search = Search(values={"patient": [str(patient.pk)]}, count=MAX_COUNT)
        while True:
            page = served.search(user, search)
            found.extend(page.resources)
            if not page.next_after:
                break
            search.after = page.next_after
    return found
