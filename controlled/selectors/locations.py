"""Which location's controlled-substance records a member of staff may open.

A member of staff works with the ledgers of the locations they work at
(`clinic.selectors.work_locations`: the ones they are assigned to, or every active one
for a member assigned to none). Out of that scope a location is `NotVisible`, like a
patient."""

from __future__ import annotations

from clinic.context import note_subject
from clinic.models import Location, User
from clinic.policy import NotVisible
from clinic.selectors import work_locations


def location_for_user(user: User, location_id: int | str) -> Location:
    """The location, if it is in the user's scope; `NotVisible` otherwise."""
    location = work_locations(user).filter(pk=location_id).first()
    if location is None:
        raise NotVisible(patient_id=None, object_type="controlled.location", object_id=location_id)
    note_subject(patient_id=None, object_type="controlled.location", object_id=location.pk)
    return location
