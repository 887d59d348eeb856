"""The location picker in the staff header: which location's calendar, nurse board and
lists the staff member sees (controlled-substances.md §1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from clinic import permissions
from clinic.access import permits
from clinic.services.locations import current_location_set
from clinic.views.account import safe_next


@permits(permissions.PICK_LOCATION)
@require_POST
def location_pick(request: HttpRequest) -> HttpResponse:
    """Remember the chosen location, then go back to the page the picker was on."""
    try:
        location = current_location_set(
            actor=request.user, location_id=request.POST.get("location", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Showing {location.name}.")
    return redirect(safe_next(request))
