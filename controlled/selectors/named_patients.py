"""Whom a named-patient receipt may be for: esketamine devices a specialty pharmacy
dispensed for one patient. The receipt form offers only the patients on the nasal
esketamine route at the receiving location, within the user's scope (`clinic.policy`).

Who is on which route is the sessions app's (its treatment plans and bookings), and the
ledger never imports sessions: sessions declares its answer here from its `ready()`
(`NAMED_PATIENT_SOURCES`), as it fills the core's registries."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet

from clinic.models import Location, Patient, User
from clinic.policy import patients_visible_to

# Each source: the location → a query of the ids of the patients on the nasal esketamine
# route there (a subquery, no query of its own).
NAMED_PATIENT_SOURCES: list[Callable[[Location], QuerySet]] = []  # type: ignore[type-arg]


def named_patient_choices(user: User, location: Location | None) -> QuerySet[Patient]:
    """The patients a receipt at `location` may name: on the nasal esketamine route there
    (a source above says who) and in the user's scope. One query when read."""
    if location is None or not NAMED_PATIENT_SOURCES:
        return Patient.objects.none()
    on_route = Q()
    for source in NAMED_PATIENT_SOURCES:
        on_route |= Q(pk__in=source(location))
    return (
        patients_visible_to(user)
        .filter(on_route)
        .order_by("legal_last_name", "legal_first_name", "pk")
    )
