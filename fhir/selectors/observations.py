"""Observations: the vital signs of session readings and the totals of scored
questionnaires, within the reader's scope.

Paging: vital signs first (by reading id, then the spec's order of kinds), then survey
totals (by measure id); the cursor is the last Observation id, which says where in that
order the next page starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from clinic.context import note_subject
from clinic.models import User
from clinic.policy import NotVisible, patients_visible_to
from fhir import codes
from fhir.mapping.observation import (
    measured,
    survey_observation,
    vital_observation,
    weight_observation,
)
from fhir.params import CURSOR, BadSearch, Search, date_filter, parse_reference, parse_token
from fhir.resource import Resource
from fhir.selectors.paging import Page, note_search
from fhir.selectors.places import at_reader_location
from intake.models import MeasureResult
from sessions.models import DoseRecord, SessionAddendum, VitalReading

_VITAL_ID = re.compile(r"^vs-([0-9]{1,18})-([a-z0-9]+)$")
_SURVEY_ID = re.compile(r"^sv-([0-9]{1,18})$")
_WEIGHT_ID = re.compile(r"^wt-([0-9]{1,18})$")
_KIND_ORDER = [vital.key for vital in codes.VITALS]
# Vital signs and dose weights were taken at a session, in one location's chair.
_SESSION_LOCATION = "session__appointment__chair__location"


@dataclass(frozen=True)
class _Wanted:
    """Which observations a search asks for: vital kinds and instruments (None: all)."""

    vitals: frozenset[str]
    instruments: frozenset[str]


def _readings(user: User) -> QuerySet[VitalReading]:
    corrected = SessionAddendum.objects.filter(
        session=OuterRef("session"),
        corrects=Concat(Value("reading:"), Cast(OuterRef("pk"), CharField())),
    )
    readings = VitalReading.objects.filter(session__patient__in=patients_visible_to(user))
    return (
        at_reader_location(readings, user, _SESSION_LOCATION)
        .annotate(corrected=Exists(corrected))
        .select_related("session", "recorded_by")
    )


def _measures(user: User) -> QuerySet[MeasureResult]:
    return MeasureResult.objects.filter(
        patient__in=patients_visible_to(user), instrument__in=list(codes.INSTRUMENTS)
    ).select_related("entered_by__patient")


def _weights(user: User) -> QuerySet[DoseRecord]:
    doses = DoseRecord.objects.filter(
        session__patient__in=patients_visible_to(user), weight_kg__isnull=False
    )
    return at_reader_location(doses, user, _SESSION_LOCATION).select_related(
        "session", "recorded_by"
    )


def _found(resource_id: str, patient_id: int, observation: Resource) -> Resource:
    note_subject(patient_id=patient_id, object_type="fhir.Observation", object_id=resource_id)
    return observation


def _refused(resource_id: str, rows: QuerySet, owner: str, pk: int) -> NotVisible:
    patient_id = rows.filter(pk=pk).values_list(owner, flat=True).first() if pk else None
    return NotVisible(patient_id=patient_id, object_type="fhir.Observation", object_id=resource_id)


def observation_read(user: User, resource_id: str) -> Resource:
    """One Observation by its id (`vs-…`, `wt-…`, `sv-…`), or NotVisible."""
    vital = _VITAL_ID.match(resource_id)
    weight = _WEIGHT_ID.match(resource_id)
    survey = _SURVEY_ID.match(resource_id)
    if vital and vital.group(2) in codes.VITAL_BY_KEY:
        pk, kind = int(vital.group(1)), codes.VITAL_BY_KEY[vital.group(2)]
        reading = _readings(user).filter(pk=pk).first()
        if reading is not None and measured(reading, kind):
            return _found(resource_id, reading.session.patient_id, vital_observation(reading, kind))
        raise _refused(resource_id, VitalReading.objects, "session__patient_id", pk)
    if weight:
        dose = _weights(user).filter(pk=int(weight.group(1))).first()
        if dose is not None:
            return _found(resource_id, dose.session.patient_id, weight_observation(dose))
        raise _refused(resource_id, DoseRecord.objects, "session__patient_id", int(weight.group(1)))
    if survey:
        measure = _measures(user).filter(pk=int(survey.group(1))).first()
        if measure is not None:
            return _found(resource_id, measure.patient_id, survey_observation(measure))
        raise _refused(resource_id, MeasureResult.objects, "patient_id", int(survey.group(1)))
    raise _refused(resource_id, MeasureResult.objects, "patient_id", 0)


def _wanted(search: Search) -> _Wanted:
    vitals = {*_KIND_ORDER, codes.BODY_WEIGHT.key}
    instruments = set(codes.INSTRUMENTS)
    for value in search.values.get("category", []):
        _, category = parse_token(value)
        if category != codes.VITAL_SIGNS:
            vitals = set()
        if category != codes.SURVEY:
            instruments = set()
    for value in search.values.get("code", []):
        asked = {parse_token(part) for part in value.split(",")}
        loinc = {code for system, code in asked if system in (None, codes.LOINC)}
        vitals &= {codes.VITAL_BY_CODE[code].key for code in loinc if code in codes.VITAL_BY_CODE}
        instruments &= {
            codes.INSTRUMENT_BY_TOTAL_CODE[code]
            for code in loinc
            if code in codes.INSTRUMENT_BY_TOTAL_CODE
        }
    return _Wanted(frozenset(vitals), frozenset(instruments))


@dataclass(frozen=True)
class _Where:
    """What one search asks and where its page starts: the stream (0 readings, 1 dose
    weights, 2 survey totals), the row id and (readings) the kind's index."""

    wanted: _Wanted
    patients: set[int]
    dates: list
    stream: int = 0
    after_pk: int = 0
    after_kind: int = -1


def _where(search: Search) -> _Where:
    wanted = _wanted(search)
    patients = {parse_reference(v, "Patient", "patient") for v in search.values.get("patient", [])}
    where = _Where(wanted, patients, search.dates("date"))
    if not search.after:
        return where
    vital = _VITAL_ID.match(search.after)
    if vital and vital.group(2) in _KIND_ORDER:
        kind = _KIND_ORDER.index(vital.group(2))
        return _Where(wanted, patients, where.dates, 0, int(vital.group(1)), kind)
    weight = _WEIGHT_ID.match(search.after)
    if weight:
        return _Where(wanted, patients, where.dates, 1, int(weight.group(1)))
    survey = _SURVEY_ID.match(search.after)
    if survey:
        return _Where(wanted, patients, where.dates, 2, int(survey.group(1)))
    raise BadSearch(f"'{CURSOR}' must be an Observation id from a next link.", CURSOR)


def _from_readings(user: User, where: _Where, limit: int) -> list[Resource]:
    kinds = where.wanted.vitals - {codes.BODY_WEIGHT.key}
    if not kinds or where.stream > 0:
        return []
    readings = _readings(user).filter(_any_measured(kinds), **date_filter("taken_at", where.dates))
    if where.patients:
        readings = readings.filter(session__patient_id__in=where.patients)
    found = []
    # Each reading gives at least one wanted observation, except perhaps the cursor's.
    for reading in readings.filter(pk__gte=where.after_pk).order_by("pk")[: limit + 1]:
        for index, kind in enumerate(_KIND_ORDER):
            vital = codes.VITAL_BY_KEY[kind]
            later = reading.pk > where.after_pk or index > where.after_kind
            if kind in kinds and later and measured(reading, vital):
                found.append(vital_observation(reading, vital))
    return found


def _from_doses(user: User, where: _Where, limit: int) -> list[Resource]:
    if codes.BODY_WEIGHT.key not in where.wanted.vitals or where.stream > 1:
        return []
    doses = _weights(user).filter(**date_filter("started_at", where.dates))
    if where.patients:
        doses = doses.filter(session__patient_id__in=where.patients)
    if where.stream == 1:
        doses = doses.filter(pk__gt=where.after_pk)
    return [weight_observation(dose) for dose in doses.order_by("pk")[:limit]]


def _from_measures(user: User, where: _Where, limit: int) -> list[Resource]:
    if not where.wanted.instruments:
        return []
    measures = _measures(user).filter(
        instrument__in=where.wanted.instruments, **date_filter("taken_at", where.dates)
    )
    if where.patients:
        measures = measures.filter(patient_id__in=where.patients)
    if where.stream == 2:
        measures = measures.filter(pk__gt=where.after_pk)
    return [survey_observation(row) for row in measures.order_by("pk")[:limit]]


def observation_search(user: User, search: Search) -> Page:
    """Readings' vital signs, then dose weights, then survey totals, by id in each."""
    where = _where(search)
    found: list[Resource] = []
    for stream in (_from_readings, _from_doses, _from_measures):
        if len(found) > search.count:
            break
        found.extend(stream(user, where, search.count + 1 - len(found)))
    page = Page(found[: search.count])
    if len(found) > search.count:
        page.next_after = found[search.count - 1]["id"]
    note_search("Observation", page, where.patients)
    return page


def _any_measured(kinds: frozenset[str]) -> Q:
    condition = Q()
    for kind in kinds:
        for name in codes.VITAL_BY_KEY[kind].fields:
            condition |= Q(**{f"{name}__isnull": False})
    return condition
