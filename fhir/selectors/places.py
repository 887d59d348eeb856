"""A reader restricted to one location (an API client registered for a location) reads
what happened there only: sessions, doses, vital signs and events of sessions in its
chairs, appointments at its chairs, and that location itself.

The patient scope (`ClientPrincipal.patient_scope`) already narrows such a client to the
location's patients; a patient of that location also treated elsewhere keeps their other
location's visits out of the client's reads through these filters. Staff and unrestricted
clients are not narrowed here (their scope is the policy's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def reader_location(user: Any) -> int | None:
    """The location a reader is restricted to (None: not restricted)."""
    return getattr(user, "restricted_location_id", None)


def at_reader_location(rows: QuerySet[Any], user: Any, location_path: str) -> QuerySet[Any]:
    """`rows` held at the reader's location (`location_path` leads from a row to its
    Location, e.g. `appointment__chair__location`; "" for Locations themselves); all of
    them for other readers."""
    location = reader_location(user)
    if location is None:
        return rows
    return rows.filter(**{f"{location_path}_id" if location_path else "pk": location})
