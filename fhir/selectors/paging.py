"""A page of search results and the keyset paging every search uses.

Results are ordered by id and the `next` link carries the last id of the page
(`_after`), never an offset: rows added while a client pages through land after the
cursor or before it, so no page repeats or skips a row that was there.
"""

from __future__ import annotations

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


def note_search(resource_type: str, page: Page, patient_ids: set[int]) -> None:
    """The page's subject for its one `view` row: what was searched and which ids it
    returned (first..last of the keyset page), and the patient when it is one."""
    ids = [resource.id for resource in page.resources]
    shown = f"search {len(ids)}: {ids[0]}..{ids[-1]}" if ids else "search 0"
    note_subject(
        patient_id=next(iter(patient_ids)) if ids and len(patient_ids) == 1 else None,
        object_type=f"fhir.{resource_type}",
        object_id=shown,
    )
