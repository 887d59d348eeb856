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
    """One resource type: who may read it, how one is read, how they are searched.

    `reader` gives the row an id names and `finder` a page of resources; both take the
    reader first (`(user, id)`, `(user, search)`), except for a `directory` entry: the
    clinic's own directory (questionnaires, practitioners, the clinic) is the same for
    every reader, so its selectors take no user. `mapper` turns the row into the FHIR
    model (None: the reader gives the model already)."""

    type: str
    action: str
    reader: Callable[..., Any]
    finder: Callable[..., Page]
    mapper: Callable[[Any], Any] | None = None
    parameters: tuple[SearchParameter, ...] = ()
    profile: str = ""
    directory: bool = False

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(parameter.name for parameter in self.parameters)

    def read(self, user: Any, resource_id: str) -> Any:
        """The resource an id names, as `user` may read it (or NotVisible)."""
        row = self.reader(resource_id) if self.directory else self.reader(user, resource_id)
        return self.mapper(row) if self.mapper is not None else row

    def search(self, user: Any, search: Any) -> Page:
        """One page of resources matching `search`, as `user` may read them."""
        return self.finder(search) if self.directory else self.finder(user, search)


_PATIENT = SearchParameter("patient", "reference", "The patient (Patient/id or id).")
_DATE = SearchParameter("date", "date", "When: eq, ge, gt, le, lt; repeat for a range.")
_US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"

RESOURCES: tuple[ServedResource, ...] = (
    ServedResource(
        "Patient",
        permissions.READ_DEMOGRAPHICS,
        people.patient_read,
        people.patient_search,
        patient_resource,
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
        parameters=(
            _PATIENT,
            SearchParameter("category", "token", "vital-signs or survey."),
            SearchParameter("code", "token", "LOINC code (system|code or code; comma = or)."),
            _DATE,
        ),
    ),
    ServedResource(
        "Encounter",
        permissions.READ_CLINICAL,
        records.encounter_read,
        records.encounter_search,
        encounter_resource,
        (_PATIENT, _DATE),
        _US_CORE + "us-core-encounter",
    ),
    ServedResource(
        "MedicationAdministration",
        permissions.READ_CLINICAL,
        records.administration_read,
        records.administration_search,
        administration_resource,
        (_PATIENT,),
    ),
    ServedResource(
        "Appointment",
        permissions.READ_SCHEDULE,
        scheduling.appointment_read,
        scheduling.appointment_search,
        appointment_resource,
        (
            _PATIENT,
            _DATE,
            SearchParameter("status", "token", "booked, checked-in, arrived, fulfilled, …"),
        ),
    ),
    ServedResource(
        "QuestionnaireResponse",
        permissions.READ_CLINICAL,
        scheduling.response_read,
        scheduling.response_search,
        response_resource,
        (
            _PATIENT,
            SearchParameter("questionnaire", "reference", "The questionnaire's canonical URL."),
        ),
    ),
    ServedResource(
        "Questionnaire",
        permissions.READ_DIRECTORY,
        scheduling.questionnaire_read,
        scheduling.questionnaire_search,
        questionnaire_resource,
        directory=True,
    ),
    ServedResource(
        "AdverseEvent",
        permissions.READ_CLINICAL,
        events.adverse_event_read,
        events.adverse_event_search,
        adverse_event_resource,
        (_PATIENT,),
    ),
    ServedResource(
        "Consent",
        permissions.READ_INTAKE,
        events.consent_read,
        events.consent_search,
        consent_resource,
        (_PATIENT,),
    ),
    ServedResource(
        "DocumentReference",
        permissions.READ_DOCUMENTS,
        events.document_read,
        events.document_search,
        events.map_document,
        (_PATIENT, SearchParameter("type", "token", "LOINC document type (e.g. 11506-3).")),
        _US_CORE + "us-core-documentreference",
    ),
    ServedResource(
        "Practitioner",
        permissions.READ_DIRECTORY,
        people.practitioner_read,
        people.practitioner_search,
        practitioner_resource,
        (SearchParameter("name", "string", "Start of a given or family name."),),
        _US_CORE + "us-core-practitioner",
        directory=True,
    ),
    ServedResource(
        "Location",
        permissions.READ_DIRECTORY,
        people.location_read,
        people.location_search,
        location_resource,
        (SearchParameter("name", "string", "Part of the location's name."),),
        _US_CORE + "us-core-location",
    ),
    ServedResource(
        "Organization",
        permissions.READ_DIRECTORY,
        people.organization_read,
        people.organization_search,
        organization_resource,
        (),
        _US_CORE + "us-core-organization",
        directory=True,
    ),
)
