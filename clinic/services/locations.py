"""The location a staff member works from today: the location picker
(controlled-substances.md §1). The choice is remembered on the user's row, so the
calendar, the nurse board and the lists follow it from one sign-in to the next."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import permissions
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.policy import require
from clinic.selectors import forget_location_choice, location_choice


def current_location_set(*, actor: User, location_id: int | str) -> Location:
    """Remember the location `actor` chose to see. Staff assigned to locations may pick
    only theirs; staff assigned to none (and admins) any active one."""
    require(actor, permissions.PICK_LOCATION, message="Your role cannot choose a location.")
    forget_location_choice(actor)
    choices = location_choice(actor).choices
    try:
        wanted = int(location_id)
    except (TypeError, ValueError):
        wanted = None
    location = next((row for row in choices if row.pk == wanted), None)
    if location is None:
        other = Location.objects.filter(pk=wanted, is_active=True).first() if wanted else None
        if other is not None:
            raise ValidationError(
                {
                    "location": f"You are not assigned to {other.name}: you can choose "
                    f"{_names(choices)}. An admin adds you to a location."
                }
            )
        raise ValidationError({"location": f"Choose one of your locations: {_names(choices)}."})
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(current_location=location)
        actor.current_location = location
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            obj=location,
            object_type="clinic.user.current_location",
        )
    forget_location_choice(actor)
    return location


def _names(choices: tuple[Location, ...]) -> str:
    names = [row.name for row in choices]
    if len(names) <= 1:
        return "".join(names) or "none (the clinic has no active location)"
    return ", ".join(names[:-1]) + " or " + names[-1]
