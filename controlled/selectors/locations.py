"""Which locations' controlled-substance records a member of staff works with.

A member of staff works with the ledgers of the locations they are assigned to; one
assigned to none (a single-location clinic that never assigned staff) works with every
active location. Out of that scope a location is `NotVisible`, like a patient."""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet

from clinic.context import note_subject
from clinic.models import Location, User
from clinic.policy import NotVisible


def ledger_locations(user: User) -> QuerySet[Location]:
    """The active locations the user works at; every active one for a user assigned to
    none. One lazy query (usable as a subquery: no query of its own until read)."""
    assigned = Location.objects.filter(is_active=True, staff=user).values("pk")
    return (
        Location.objects.filter(is_active=True)
        .filter(Q(pk__in=assigned) | ~Exists(assigned))
        .order_by("pk")
    )


def location_for_user(user: User, location_id: int | str) -> Location:
    """The location, if it is in the user's scope; `NotVisible` otherwise."""
    location = ledger_locations(user).filter(pk=location_id).first()
    if location is None:
        raise NotVisible(patient_id=None, object_type="controlled.location", object_id=location_id)
    note_subject(patient_id=None, object_type="controlled.location", object_id=location.pk)
    return location
