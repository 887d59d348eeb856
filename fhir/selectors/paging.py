"""A page of search results and the keyset paging every search uses.

Results are ordered by id and the `next` link carries the last id of the page
(`_after`), never an offset: rows added while a client pages through land after the
cursor or before it, so no page repeats or skips a row that was there.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from clinic.context import note_subject
from fhir.params import CURSOR, BadSearch, Search, row_id


@dataclass
class Page:
    """The resources of one page of a search, and the cursor of the next (if any)."""

    resources: list[Any] = field(default_factory=list)
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


# The patients a page of results disclosed, when it holds more than one: each gets a
# `view` row of its own (fhir.access), so a patient's accounting of disclosures shows a
# search that took their record along with others'. Set for the request being answered.
_DISCLOSED: ContextVar[tuple[tuple[int, str], ...]] = ContextVar("fhir_disclosed", default=())


def note_search(resource_type: str, page: Page, patient_ids: set[int]) -> None:
    """The page's subject for its `view` row: what was searched and which ids it returned
    (first..last of the keyset page), and the patient when it is one; a page holding
    several patients' records also notes each patient and how many of theirs it held."""
    ids = [resource.id for resource in page.resources]
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


def patient_of(resource: Any) -> int | None:
    """The patient a resource is about (a Patient itself, or its subject / patient /
    participant reference)."""
    if resource.get_resource_type() == "Patient":
        return row_id(resource.id) or None
    references = [getattr(resource, "subject", None), getattr(resource, "patient", None)]
    if resource.get_resource_type() == "Appointment":
        references += [part.actor for part in resource.participant or []]
    for reference in references:
        text = getattr(reference, "reference", None) or ""
        if text.startswith("Patient/"):
            return row_id(text.removeprefix("Patient/")) or None
    return None


def take_disclosures() -> tuple[tuple[int, str], ...]:
    """The patients the page being answered disclosed (see note_search), forgotten after."""
    found = _DISCLOSED.get()
    _DISCLOSED.set(())
    return found
