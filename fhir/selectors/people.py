"""Patients (within the reader's scope) and the clinic's directory."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from clinic.choices import AccountType, Role
from clinic.context import note_subject
from clinic.models import ClinicSettings, Location, Patient, User
from clinic.policy import NotVisible, patients_visible_to
from clinic.selectors import clinic_settings
from fhir import codes
from fhir.mapping.directory import (
    ORGANIZATION_ID,
    location_resource,
    organization_resource,
    practitioner_resource,
)
from fhir.mapping.patient import patient_resource
from fhir.params import Search, parse_token, row_id
from fhir.selectors.paging import Page, keyset_page, note_search
from fhir.selectors.places import at_reader_location

CLINICAL_ROLES = (Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST)


def _pk(resource_id: str) -> int | None:
    return row_id(resource_id) or None


def patient_read(user: User, resource_id: str) -> Patient:
    found = patients_visible_to(user).filter(pk=_pk(resource_id) or 0).first()
    if found is None:
        raise NotVisible(
            patient_id=_pk(resource_id), object_type="fhir.Patient", object_id=resource_id
        )
    note_subject(patient_id=found.pk, object_type="fhir.Patient", object_id=found.pk)
    return found


def patient_search(user: User, search: Search) -> Page:
    patients = patients_visible_to(user)
    for value in search.values.get("identifier", []):
        system, code = parse_token(value)
        if system not in (None, codes.MRN_SYSTEM):
            patients = patients.none()
        patients = patients.filter(mrn=code)
    for value in search.values.get("name", []):
        patients = patients.filter(
            Q(legal_last_name__istartswith=value)
            | Q(legal_first_name__istartswith=value)
            | Q(preferred_name__istartswith=value)
        )
    for bound in search.dates("birthdate"):
        patients = _born(patients, bound.lower, bound.upper)
    page = keyset_page(patients, search, patient_resource)
    note_search("Patient", page, {int(resource["id"]) for resource in page.resources})
    return page


def _born(
    patients: QuerySet[Patient], lower: dt.datetime | None, upper: dt.datetime | None
) -> QuerySet[Patient]:
    """A birth date is a day: compare the bounds' days in the clinic's time zone."""
    if lower is not None:
        patients = patients.filter(date_of_birth__gte=_day(lower, upper=False))
    if upper is not None:
        patients = patients.filter(date_of_birth__lt=_day(upper, upper=True))
    return patients


def _day(moment: dt.datetime, *, upper: bool) -> dt.date:
    from django.utils import timezone

    local = timezone.localtime(moment)
    if upper and local.time() != dt.time():
        return local.date() + dt.timedelta(days=1)
    return local.date()


def practitioners() -> QuerySet[User]:
    """Staff in a clinical role (never a patient login, the admin or a coordinator)."""
    return User.objects.filter(
        account_type=AccountType.STAFF, staff_roles__role__in=CLINICAL_ROLES
    ).distinct()


def practitioner_read(resource_id: str) -> User:
    found = practitioners().filter(pk=_pk(resource_id) or 0).first()
    if found is None:
        raise NotVisible(patient_id=None, object_type="fhir.Practitioner", object_id=resource_id)
    note_subject(patient_id=None, object_type="fhir.Practitioner", object_id=found.pk)
    return found


def practitioner_search(search: Search) -> Page:
    staff = practitioners()
    for value in search.values.get("name", []):
        staff = staff.filter(Q(last_name__istartswith=value) | Q(first_name__istartswith=value))
    page = keyset_page(staff, search, practitioner_resource)
    note_search("Practitioner", page, set())
    return page


def _locations(user: User) -> QuerySet[Location]:
    """Every location; a client restricted to one location reads only that one."""
    return at_reader_location(Location.objects.all(), user, "")


def location_read(user: User, resource_id: str) -> Location:
    found = _locations(user).filter(pk=_pk(resource_id) or 0).first()
    if found is None:
        raise NotVisible(patient_id=None, object_type="fhir.Location", object_id=resource_id)
    note_subject(patient_id=None, object_type="fhir.Location", object_id=found.pk)
    return found


def location_search(user: User, search: Search) -> Page:
    locations = _locations(user)
    for value in search.values.get("name", []):
        locations = locations.filter(name__icontains=value)
    page = keyset_page(locations, search, location_resource)
    note_search("Location", page, set())
    return page


def organization_read(resource_id: str) -> ClinicSettings:
    if resource_id != ORGANIZATION_ID:
        raise NotVisible(patient_id=None, object_type="fhir.Organization", object_id=resource_id)
    note_subject(patient_id=None, object_type="fhir.Organization", object_id=resource_id)
    return clinic_settings()


def organization_search(search: Search) -> Page:
    after = search.after
    page = Page([] if after else [organization_resource(clinic_settings())])
    note_search("Organization", page, set())
    return page
