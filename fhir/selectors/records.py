"""Encounters (treatment sessions) and medication administrations (doses), scoped to
the patients the reader sees (and, for a client restricted to a location, to the
sessions held there: `fhir.selectors.places`)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from clinic.models import User
from clinic.policy import patients_visible_to
from fhir.mapping.encounter import encounter_resource
from fhir.mapping.medication import administration_resource
from fhir.params import Search, date_filter
from fhir.selectors.paging import Page, patient_search, scoped_read
from fhir.selectors.places import at_reader_location
from sessions.models import DeviceDose, DoseRecord, InfusionPause, TreatmentSession


def _sessions(user: User) -> QuerySet[TreatmentSession]:
    sessions = TreatmentSession.objects.filter(patient__in=patients_visible_to(user))
    return at_reader_location(sessions, user, "appointment__chair__location").select_related(
        "appointment__chair__location", "supervising_psychiatrist", "opened_by"
    )


def _doses(user: User) -> QuerySet[DoseRecord]:
    """The doses, with the nasal devices actually given (not entered in error): a
    Spravato dose is what its devices delivered, not what was planned."""
    devices_given = DeviceDose.objects.filter(entered_in_error_at__isnull=True)
    doses = DoseRecord.objects.filter(session__patient__in=patients_visible_to(user))
    return (
        at_reader_location(doses, user, "session__appointment__chair__location")
        .select_related("session", "administered_by")
        .prefetch_related(
            Prefetch("session__devices", devices_given, to_attr="devices_given"),
            Prefetch(
                "session__pauses",
                InfusionPause.objects.filter(resumed_at__isnull=True),
                to_attr="open_pauses",
            ),
        )
    )


def encounter_read(user: User, resource_id: str) -> TreatmentSession:
    return scoped_read(_sessions(user), "Encounter", resource_id, "patient_id")


def encounter_search(user: User, search: Search) -> Page:
    sessions = _sessions(user).filter(**date_filter("opened_at", search.dates("date")))
    return patient_search(sessions, "Encounter", search, "patient_id", encounter_resource)


def administration_read(user: User, resource_id: str) -> DoseRecord:
    return scoped_read(_doses(user), "MedicationAdministration", resource_id, "session__patient_id")


def administration_search(user: User, search: Search) -> Page:
    return patient_search(
        _doses(user),
        "MedicationAdministration",
        search,
        "session__patient_id",
        administration_resource,
    )
