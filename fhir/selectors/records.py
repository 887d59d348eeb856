"""Encounters (treatment sessions) and medication administrations (doses), scoped to
the patients the reader sees."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from clinic.context import note_subject
from clinic.models import User
from clinic.policy import NotVisible, patients_visible_to
from fhir.mapping.encounter import encounter_resource
from fhir.mapping.medication import administration_resource
from fhir.params import Search, date_filter, parse_reference, row_id
from fhir.selectors.paging import Page, keyset_page, note_search
from sessions.models import DeviceDose, DoseRecord, TreatmentSession


def _sessions(user: User) -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.filter(patient__in=patients_visible_to(user)).select_related(
        "appointment__chair__location", "supervising_psychiatrist", "opened_by"
    )


def _doses(user: User) -> QuerySet[DoseRecord]:
    """The doses, with the nasal devices actually given (not entered in error): a
    Spravato dose is what its devices delivered, not what was planned."""
    devices_given = DeviceDose.objects.filter(entered_in_error_at__isnull=True)
    return (
        DoseRecord.objects.filter(session__patient__in=patients_visible_to(user))
        .select_related("session", "administered_by")
        .prefetch_related(Prefetch("session__devices", devices_given, to_attr="devices_given"))
    )


def _patient_filter(search: Search) -> set[int]:
    return {
        parse_reference(value, "Patient", "patient") for value in search.values.get("patient", [])
    }


def encounter_read(user: User, resource_id: str) -> TreatmentSession:
    pk = row_id(resource_id)
    found = _sessions(user).filter(pk=pk).first()
    if found is None:
        owner = TreatmentSession.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        raise NotVisible(patient_id=owner, object_type="fhir.Encounter", object_id=resource_id)
    note_subject(patient_id=found.patient_id, object_type="fhir.Encounter", object_id=pk)
    return found


def encounter_search(user: User, search: Search) -> Page:
    sessions = _sessions(user)
    patients = _patient_filter(search)
    for patient_id in patients:
        sessions = sessions.filter(patient_id=patient_id)
    sessions = sessions.filter(**date_filter("opened_at", search.dates("date")))
    page = keyset_page(sessions, search, encounter_resource)
    note_search("Encounter", page, patients)
    return page


def administration_read(user: User, resource_id: str) -> DoseRecord:
    pk = row_id(resource_id)
    found = _doses(user).filter(pk=pk).first()
    if found is None:
        owner = (
            DoseRecord.objects.filter(pk=pk).values_list("session__patient_id", flat=True).first()
        )
        raise NotVisible(
            patient_id=owner, object_type="fhir.MedicationAdministration", object_id=resource_id
        )
    note_subject(
        patient_id=found.session.patient_id,
        object_type="fhir.MedicationAdministration",
        object_id=pk,
    )
    return found


def administration_search(user: User, search: Search) -> Page:
    doses = _doses(user)
    patients = _patient_filter(search)
    for patient_id in patients:
        doses = doses.filter(session__patient_id=patient_id)
    page = keyset_page(doses, search, administration_resource)
    note_search("MedicationAdministration", page, patients)
    return page
