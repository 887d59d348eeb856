"""A page of search results and the keyset paging every search uses.

Results are ordered by id and a page ends at the last id it holds (`Page.next_after`),
never an offset: rows added while a client pages through land after that position or
before it, so no page repeats or skips a row that was there. The `next` link carries the
position only inside an opaque cursor (`fhir.cursor`), never the search's parameters.

`scoped_read` and `patient_search` are the read and the search of every resource made
from one row of one queryset about one patient (a session, a dose, an event…).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db.models import QuerySet

from clinic.context import note_subject
from clinic.policy import NotVisible
from fhir.params import CURSOR, BadSearch, Search, parse_reference, row_id
from fhir.resource import Resource


@dataclass
class Page:
    """The resources of one page of a search, and the cursor of the next (if any)."""

    resources: list[Resource] = field(default_factory=list)
    next_after: str = ""


def numeric_cursor(search: Search) -> int | None:
    if not search.after:
        return None
    after = row_id(search.after)
    if not after:
        raise BadSearch(f"'{CURSOR}' must be a resource id from a next link.", CURSOR)
    return after


def keyset_page(queryset: QuerySet[Any], search: Search, mapper: Any) -> Page:
    """One page of a queryset ordered by primary key, mapped to FHIR resources."""
    after = numeric_cursor(search)
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: search.count + 1])
    page = Page([mapper(row) for row in rows[: search.count]])
    if len(rows) > search.count:
        page.next_after = str(rows[search.count - 1].pk)
    return page


def patient_filter(search: Search) -> set[int]:
    """The patients a search names (`patient=`), checked: BadSearch for a bad reference."""
    return {parse_reference(v, "Patient", "patient") for v in search.values.get("patient", [])}


def scoped_read(
    rows: QuerySet[Any], resource_type: str, resource_id: str, owner: str, *, prefix: str = ""
) -> Any:
    """The row of `rows` (already narrowed to what the reader may see) a resource id names,
    noted as the request's subject; NotVisible otherwise, naming the row's patient (if the
    row exists) for the `denied` row. `owner` is the patient's field (`session__patient_id`);
    `prefix` starts the ids of rows of a second table served as the same type (`note-`)."""
    pk = row_id(resource_id.removeprefix(prefix)) if resource_id.startswith(prefix) else 0
    found = rows.filter(pk=pk).first() if pk else None
    if found is None:
        patient_id = (
            rows.model.objects.filter(pk=pk).values_list(owner, flat=True).first() if pk else None
        )
        raise NotVisible(
            patient_id=patient_id, object_type=f"fhir.{resource_type}", object_id=resource_id
        )
    patient_id = reduce(getattr, owner.split("__"), found)
    note_subject(
        patient_id=patient_id, object_type=f"fhir.{resource_type}", object_id=f"{prefix}{found.pk}"
    )
    return found


def patient_search(
    rows: QuerySet[Any],
    resource_type: str,
    search: Search,
    owner: str,
    mapper: Callable[[Any], Any],
) -> Page:
    """One page of `rows` (narrowed to the reader, and by the resource's own parameters),
    of the patients the search names, noted for the page's `view` row."""
    patients = patient_filter(search)
    if patients:
        rows = rows.filter(**{f"{owner}__in": patients})
    page = keyset_page(rows, search, mapper)
    note_search(resource_type, page, patients)
    return page


# The patients a page of results disclosed, when it holds more than one: each gets a
# `view` row of its own (fhir.access), so a patient's accounting of disclosures shows a
# search that took their record along with others'. Set for the request being answered.
_DISCLOSED: ContextVar[tuple[tuple[int, str], ...]] = ContextVar("fhir_disclosed", default=())


def note_search(resource_type: str, page: Page, patient_ids: set[int]) -> None:
    """The page's subject for its `view` row: what was searched and which ids it returned
    (first..last of the keyset page), and the patient when it is one; a page holding
    several patients' records also notes each patient and how many of theirs it held."""
    ids = [resource["id"] for resource in page.resources]
    shown = f"search {len(ids)}: {ids[0]}..{ids[-1]}" if ids else "search 0"
    by_patient: dict[int, int] = {}
    for resource in page.resources:
        owner = patient_of(resource)
        if owner is not None:
            by_patient[owner] = by_patient.get(owner, 0) + 1
    only = set(by_patient) if by_patient else patient_ids
    note_subject(
        patient_id=next(iter(only)) if ids and len(only) == 1 else None,
        object_type=f"fhir.{resource_type}",
        object_id=shown,
    )
    if len(by_patient) > 1:
        _DISCLOSED.set(
            tuple((owner, f"{shown} ({held} theirs)") for owner, held in by_patient.items())
        )


def patient_of(resource: Resource) -> int | None:
    """The patient a resource is about (a Patient itself, or its subject / patient /
    participant reference)."""
    if resource["resourceType"] == "Patient":
        return row_id(resource["id"]) or None
    references = [resource.get("subject"), resource.get("patient")]
    if resource["resourceType"] == "Appointment":
        references += [part.get("actor") for part in resource.get("participant", [])]
    for reference in references:
        text = (reference or {}).get("reference", "")
        if text.startswith("Patient/"):
            return row_id(text.removeprefix("Patient/")) or None
    return None


def take_disclosures() -> tuple[tuple[int, str], ...]:
    """The patients the page being answered disclosed (see note_search), forgotten after."""
    found = _DISCLOSED.get()
    _DISCLOSED.set(())
    return found
