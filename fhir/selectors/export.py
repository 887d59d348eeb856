"""The rows a bulk export streams: the very querysets the reads and searches of this
package use (`_readings`, `_sessions`, … scoped by `patients_visible_to`), never a second
access path. Each resource type is one or more `Stream`s: a scoped queryset, how a row
becomes resources (the API's mappers), whose record a row is, and what `_since` asks of
it. The writer (`fhir.bulk.writer`) iterates them by primary key in chunks.

`_since`: a row is exported when it, or anything its resources are computed from, was
written or changed after the instant (more than asked, never less):

- a row of a session (a reading, a dose and its weight, an adverse event) and the
  session's Encounter itself: also whenever the session changed after it: opened,
  order amended, discharge assessed, ready to leave, discharged, ended without a dose,
  nurse-signed, co-signed (its own times and its field history), or any addendum
  written under it (an addendum may declare a reading or event entered in error).
  Signing turns a reading `preliminary` → `final`;
- a dose: also when it changed (its field history: the infusion ended or was stopped,
  the mg given, the devices' total), when a pause of its infusion was written or
  resumed, or when a nasal device was recorded or struck through. (The end, pause and
  resume times themselves are clinical times a nurse may enter hours late, so the
  history's write time is what counts.)
- a signed integration note: when signed, or when an addendum was written under it.

The directory (practitioners, locations, the clinic, questionnaires) keeps no change time
and is small, so it is always exported whole (as far as the reader reads it: a client
restricted to a location reads that Location only, as its search and read do)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from clinic.models import User
from clinic.policy import patients_visible_to
from clinic.selectors import clinic_settings
from fhir.mapping.appointment import appointment_resource
from fhir.mapping.directory import location_resource, organization_resource, practitioner_resource
from fhir.mapping.encounter import encounter_resource
from fhir.mapping.events import adverse_event_resource, consent_resource
from fhir.mapping.medication import administration_resource
from fhir.mapping.notes import note_resource
from fhir.mapping.observation import survey_observation, vital_observations, weight_observation
from fhir.mapping.patient import patient_resource
from fhir.mapping.questionnaire import instruments, questionnaire_resource, response_resource
from fhir.resource import Resource, resource
from fhir.selectors.events import _consents, _documents, _events, events_retracted, map_document
from fhir.selectors.notes import readable_notes
from fhir.selectors.observations import _measures, _readings, _weights
from fhir.selectors.people import _locations, practitioners
from fhir.selectors.records import _doses, _sessions
from fhir.selectors.scheduling import _appointments, _responses
from integration.models import NoteAddendum
from sessions.models import DeviceDose, DoseRecord, InfusionPause, SessionAddendum, TreatmentSession

# A session's own change times (each set to the moment of the change).
_SESSION_TIMES = (
    "opened_at",
    "amended_at",
    "assessed_at",
    "ready_to_leave_at",
    "discharged_at",
    "ended_without_dose_at",
    "nurse_signed_at",
    "cosigned_at",
)


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


def _or(*conditions: Callable[[dt.datetime], Q]) -> Callable[[dt.datetime], Q]:
    def condition(since: dt.datetime) -> Q:
        found = Q()
        for each in conditions:
            found |= each(since)
        return found

    return condition


def _session_changed(path: str) -> Callable[[dt.datetime], Q]:
    """The session (`path` leads from the row to it: "session__", or "" for sessions)
    changed after `since`: one of its change times, a change in its field history, or an
    addendum written under it."""

    def condition(since: dt.datetime) -> Q:
        session = OuterRef(path.removesuffix("__") or "pk")
        history = TreatmentSession.history.filter(id=session, history_date__gt=since)
        addenda = SessionAddendum.objects.filter(session=session, written_at__gt=since)
        found = _changed(*(f"{path}{name}" for name in _SESSION_TIMES))(since)
        return found | Q(Exists(history)) | Q(Exists(addenda))

    return condition


def _dose_changed(since: dt.datetime) -> Q:
    """The dose changed after `since` (ended, stopped, its total), or a pause of its
    infusion or a nasal device was written or changed: write times, from the field
    history where the row itself keeps none."""
    history = DoseRecord.history.filter(id=OuterRef("pk"), history_date__gt=since)
    pauses = InfusionPause.history.filter(session=OuterRef("session"), history_date__gt=since)
    devices = DeviceDose.objects.filter(session=OuterRef("session")).filter(
        Q(recorded_at__gt=since) | Q(entered_in_error_at__gt=since)
    )
    return Q(Exists(history)) | Q(Exists(pauses)) | Q(Exists(devices))


def _note_changed(since: dt.datetime) -> Q:
    addenda = NoteAddendum.objects.filter(note=OuterRef("pk"), written_at__gt=since)
    return Q(signed_at__gt=since) | Q(Exists(addenda))


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
            _or(_changed("recorded_at", "entered_in_error_at"), _session_changed("session__")),
        ),
        Stream(
            _weights,
            _one(weight_observation),
            _by_session,
            _or(_changed("recorded_at"), _session_changed("session__")),
        ),
        Stream(_measures, _one(survey_observation), _by_patient, _changed("taken_at")),
    ),
    "Encounter": (
        Stream(
            _sessions,
            _one(encounter_resource),
            _by_patient,
            _session_changed(""),
        ),
    ),
    "MedicationAdministration": (
        Stream(
            _doses,
            _one(administration_resource),
            _by_session,
            _or(_changed("recorded_at"), _dose_changed, _session_changed("session__")),
        ),
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
            _or(_changed("recorded_at"), _session_changed("session__")),
        ),
    ),
    "Consent": (Stream(_consents, _one(consent_resource), _by_patient, _changed("updated_at")),),
    "DocumentReference": (
        Stream(_documents, _one(map_document), _by_patient, _changed("generated_at")),
        # Signed integration-therapy notes: the very rows `DocumentReference` search reads.
        Stream(readable_notes, _one(note_resource), _by_patient, _note_changed),
    ),
    "Practitioner": (Stream(lambda user: practitioners(), _one(practitioner_resource)),),
    # The Location search's own rows: a client restricted to a location, that one only.
    "Location": (Stream(_locations, _one(location_resource)),),
    "Organization": (Stream(lambda user: [clinic_settings()], _one(organization_resource)),),
    "Questionnaire": (
        Stream(
            lambda user: [item for _, item in sorted(instruments().items())],
            _one(questionnaire_resource),
        ),
    ),
}


@dataclass(frozen=True)
class Deletions:
    """What a `_since` export lists as deleted for one type (Bulk Data IG v2, the
    manifest's `deleted`): the reader's rows the API stopped serving after the instant,
    and whose record each was."""

    rows: Callable[[Any, dt.datetime], QuerySet]
    owner: Callable[[Any], int | None]


# The only retraction the API answers with a 404: an adverse event entered in error
# (R4B's AdverseEvent has no status to say so). A reading entered in error stays served
# (`entered-in-error`); documents, notes and the rest are never withdrawn.
DELETIONS: dict[str, Deletions] = {
    "AdverseEvent": Deletions(events_retracted, _by_session),
}


def deleted_bundle(resource_type: str, row: Any) -> Resource:
    """One line of a `deleted` file: a transaction Bundle deleting the row's resource."""
    return resource(
        "Bundle",
        type="transaction",
        entry=[{"request": {"method": "DELETE", "url": f"{resource_type}/{row.pk}"}}],
    )


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
