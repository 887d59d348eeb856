"""The rows a bulk export streams: the very querysets the reads and searches of this
package use (`_readings`, `_sessions`, … scoped by `patients_visible_to`), never a second
access path. Each resource type is one or more `Stream`s: a scoped queryset, how a row
becomes resources (the API's mappers), whose record a row is, and what `_since` asks of
it. The writer (`fhir.bulk.writer`) iterates them by primary key in chunks.

`_since`: a row is exported when it was written or changed after the instant. The
directory (practitioners, locations, the clinic, questionnaires) keeps no change time
and is small, so it is always exported whole: more than asked, never less."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from clinic.models import Location, User
from clinic.policy import patients_visible_to
from clinic.selectors import clinic_settings
from fhir.mapping.appointment import appointment_resource
from fhir.mapping.directory import location_resource, organization_resource, practitioner_resource
from fhir.mapping.encounter import encounter_resource
from fhir.mapping.events import adverse_event_resource, consent_resource
from fhir.mapping.medication import administration_resource
from fhir.mapping.observation import survey_observation, vital_observations, weight_observation
from fhir.mapping.patient import patient_resource
from fhir.mapping.questionnaire import instruments, questionnaire_resource, response_resource
from fhir.selectors.events import _consents, _documents, _events, map_document
from fhir.selectors.observations import _measures, _readings, _weights
from fhir.selectors.people import practitioners
from fhir.selectors.records import _doses, _sessions
from fhir.selectors.scheduling import _appointments, _responses


@dataclass(frozen=True)
class Stream:
    """One scoped source of a resource type. `rows(user)` is a queryset (streamed by
    primary key) or, for the few rows of the directory, a list."""

    rows: Callable[[Any], QuerySet | list]
    resources: Callable[[Any], Iterable[Any]]
    owner: Callable[[Any], int | None] = lambda row: None
    since: Callable[[dt.datetime], Q] | None = None


def _one(mapper: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    return lambda row: [mapper(row)]


def _changed(*fields: str) -> Callable[[dt.datetime], Q]:
    def condition(since: dt.datetime) -> Q:
        found = Q()
        for name in fields:
            found |= Q(**{f"{name}__gt": since})
        return found

    return condition


def _by_session(row: Any) -> int:
    return row.session.patient_id


def _by_patient(row: Any) -> int:
    return row.patient_id


STREAMS: dict[str, tuple[Stream, ...]] = {
    "Patient": (
        Stream(
            lambda user: patients_visible_to(user),
            _one(patient_resource),
            lambda row: row.pk,
            _changed("updated_at"),
        ),
    ),
    "Observation": (
        Stream(
            _readings,
            vital_observations,
            _by_session,
            _changed("recorded_at", "entered_in_error_at"),
        ),
        Stream(_weights, _one(weight_observation), _by_session, _changed("recorded_at")),
        Stream(_measures, _one(survey_observation), _by_patient, _changed("taken_at")),
    ),
    "Encounter": (
        Stream(
            _sessions,
            _one(encounter_resource),
            _by_patient,
            _changed("opened_at", "nurse_signed_at", "cosigned_at"),
        ),
    ),
    "MedicationAdministration": (
        Stream(_doses, _one(administration_resource), _by_session, _changed("recorded_at")),
    ),
    "Appointment": (
        Stream(
            _appointments,
            _one(appointment_resource),
            _by_patient,
            _changed("booked_at", "status_changed_at"),
        ),
    ),
    "QuestionnaireResponse": (
        Stream(_responses, _one(response_resource), _by_patient, _changed("taken_at")),
    ),
    "AdverseEvent": (
        Stream(
            _events,
            _one(adverse_event_resource),
            _by_session,
            _changed("recorded_at", "entered_in_error_at"),
        ),
    ),
    "Consent": (Stream(_consents, _one(consent_resource), _by_patient, _changed("updated_at")),),
    "DocumentReference": (
        Stream(_documents, _one(map_document), _by_patient, _changed("generated_at")),
    ),
    "Practitioner": (Stream(lambda user: practitioners(), _one(practitioner_resource)),),
    "Location": (Stream(lambda user: Location.objects.all(), _one(location_resource)),),
    "Organization": (Stream(lambda user: [clinic_settings()], _one(organization_resource)),),
    "Questionnaire": (
        Stream(
            lambda user: [item for _, item in sorted(instruments().items())],
            _one(questionnaire_resource),
        ),
    ),
}

# The clinic's directory: no patient's record, so not part of `Patient/$export`.
DIRECTORY_TYPES = frozenset({"Practitioner", "Location", "Organization", "Questionnaire"})
# The types of the Patient compartment: what `Patient/$export` exports.
PATIENT_TYPES = frozenset(STREAMS) - DIRECTORY_TYPES


def stream_rows(stream: Stream, user: User, since: dt.datetime | None) -> QuerySet | list:
    """The stream's scoped rows for `user`, narrowed to those changed after `since`."""
    rows = stream.rows(user)
    if since is not None and stream.since is not None and isinstance(rows, QuerySet):
        rows = rows.filter(stream.since(since))
    return rows
