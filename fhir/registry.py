"""The resources the API serves: one entry each, from which the URLs, the views and the
CapabilityStatement are all made, so the statement never lists what is not served."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fhir import permissions
from fhir.mapping.appointment import appointment_resource
from fhir.mapping.directory import location_resource, organization_resource, practitioner_resource
from fhir.mapping.encounter import encounter_resource
from fhir.mapping.events import adverse_event_resource, consent_resource
from fhir.mapping.medication import administration_resource
from fhir.mapping.patient import patient_resource
from fhir.mapping.questionnaire import questionnaire_resource, response_resource
from fhir.selectors import events, observations, people, records, scheduling
from fhir.selectors.paging import Page


@dataclass(frozen=True)
class SearchParameter:
    name: str
    type: str  # FHIR search parameter type: token, string, date, reference
    documentation: str


@dataclass(frozen=True)
class ServedResource:
    """One resource type: who may read it, how one is read, how they are searched."""

    type: str
    action: str
    read: Callable[[Any, str], Any]  # (user, id) → a fhir.resources model, or NotVisible
    search: Callable[[Any, Any], Page]  # (user, Search) → a page of models
    parameters: tuple[SearchParameter, ...] = ()
    profile: str = ""

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(parameter.name for parameter in self.parameters)


def _mapped(read: Callable[..., Any], mapper: Callable[[Any], Any], *, scoped: bool) -> Callable:
    if scoped:
        return lambda user, resource_id: mapper(read(user, resource_id))
    return lambda user, resource_id: mapper(read(resource_id))


_PATIENT = SearchParameter("patient", "reference", "The patient (Patient/id or id).")
_DATE = SearchParameter("date", "date", "When: eq, ge, gt, le, lt; repeat for a range.")
_US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"

RESOURCES: tuple[ServedResource, ...] = (
    ServedResource(
        "Patient",
        permissions.READ_DEMOGRAPHICS,
        _mapped(people.patient_read, patient_resource, scoped=True),
        people.patient_search,
        (
            SearchParameter("identifier", "token", "The record number (system|value or value)."),
            SearchParameter("name", "string", "Start of a given, family or preferred name."),
            SearchParameter("birthdate", "date", "Date of birth: eq, ge, gt, le, lt."),
        ),
        _US_CORE + "us-core-patient",
    ),
    ServedResource(
        "Observation",
        permissions.READ_CLINICAL,
        observations.observation_read,
        observations.observation_search,
        (
            _PATIENT,
            SearchParameter("category", "token", "vital-signs or survey."),
            SearchParameter("code", "token", "LOINC code (system|code or code; comma = or)."),
            _DATE,
        ),
    ),
    ServedResource(
        "Encounter",
        permissions.READ_CLINICAL,
        _mapped(records.encounter_read, encounter_resource, scoped=True),
        records.encounter_search,
        (_PATIENT, _DATE),
        _US_CORE + "us-core-encounter",
    ),
    ServedResource(
        "MedicationAdministration",
        permissions.READ_CLINICAL,
        _mapped(records.administration_read, administration_resource, scoped=True),
        records.administration_search,
        (_PATIENT,),
    ),
    ServedResource(
        "Appointment",
        permissions.READ_SCHEDULE,
        _mapped(scheduling.appointment_read, appointment_resource, scoped=True),
        scheduling.appointment_search,
        (
            _PATIENT,
            _DATE,
            SearchParameter("status", "token", "booked, checked-in, arrived, fulfilled, …"),
        ),
    ),
    ServedResource(
        "QuestionnaireResponse",
        permissions.READ_CLINICAL,
        _mapped(scheduling.response_read, response_resource, scoped=True),
        scheduling.response_search,
        (
            _PATIENT,
            SearchParameter("questionnaire", "reference", "The questionnaire's canonical URL."),
        ),
    ),
    ServedResource(
        "Questionnaire",
        permissions.READ_DIRECTORY,
        _mapped(scheduling.questionnaire_read, questionnaire_resource, scoped=False),
        lambda user, search: scheduling.questionnaire_search(search),
    ),
    ServedResource(
        "AdverseEvent",
        permissions.READ_CLINICAL,
        _mapped(events.adverse_event_read, adverse_event_resource, scoped=True),
        events.adverse_event_search,
        (_PATIENT,),
    ),
    ServedResource(
        "Consent",
        permissions.READ_INTAKE,
        _mapped(events.consent_read, consent_resource, scoped=True),
        events.consent_search,
        (_PATIENT,),
    ),
    ServedResource(
        "DocumentReference",
        permissions.READ_DOCUMENTS,
        _mapped(events.document_read, events.map_document, scoped=True),
        events.document_search,
        (_PATIENT, SearchParameter("type", "token", "LOINC document type (e.g. 11506-3).")),
        _US_CORE + "us-core-documentreference",
    ),
    ServedResource(
        "Practitioner",
        permissions.READ_DIRECTORY,
        _mapped(people.practitioner_read, practitioner_resource, scoped=False),
        lambda user, search: people.practitioner_search(search),
        (SearchParameter("name", "string", "Start of a given or family name."),),
        _US_CORE + "us-core-practitioner",
    ),
    ServedResource(
        "Location",
        permissions.READ_DIRECTORY,
        _mapped(people.location_read, location_resource, scoped=False),
        lambda user, search: people.location_search(search),
        (SearchParameter("name", "string", "Part of the location's name."),),
        _US_CORE + "us-core-location",
    ),
    ServedResource(
        "Organization",
        permissions.READ_DIRECTORY,
        _mapped(people.organization_read, organization_resource, scoped=False),
        lambda user, search: people.organization_search(search),
        (),
        _US_CORE + "us-core-organization",
    ),
)
