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
from fhir.mapping.observation import measured, survey_observation, vital_observation
from fhir.params import CURSOR, BadSearch, Search, date_filter, parse_reference, parse_token
from fhir.resources.R4B.observation import Observation
from fhir.selectors.paging import Page, note_search
from intake.models import MeasureResult
from sessions.models import SessionAddendum, VitalReading

_VITAL_ID = re.compile(r"^vs-([0-9]{1,18})-([a-z0-9]+)$")
_SURVEY_ID = re.compile(r"^sv-([0-9]{1,18})$")
_KIND_ORDER = [vital.key for vital in codes.VITALS]


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
    return (
        VitalReading.objects.filter(session__patient__in=patients_visible_to(user))
        .annotate(corrected=Exists(corrected))
        .select_related("session", "recorded_by")
    )


def _measures(user: User) -> QuerySet[MeasureResult]:
    return MeasureResult.objects.filter(
        patient__in=patients_visible_to(user), instrument__in=list(codes.INSTRUMENTS)
    ).select_related("entered_by__patient")


def observation_read(user: User, resource_id: str) -> Observation:
    vital = _VITAL_ID.match(resource_id)
    if vital and vital.group(2) in codes.VITAL_BY_KEY:
        kind = codes.VITAL_BY_KEY[vital.group(2)]
        reading = _readings(user).filter(pk=int(vital.group(1))).first()
        if reading is not None and measured(reading, kind):
            note_subject(
                patient_id=reading.session.patient_id,
                object_type="fhir.Observation",
                object_id=resource_id,
            )
            return vital_observation(reading, kind)
        owner = VitalReading.objects.filter(pk=int(vital.group(1))).values_list(
            "session__patient_id", flat=True
        )
        raise NotVisible(
            patient_id=owner.first(), object_type="fhir.Observation", object_id=resource_id
        )
    survey = _SURVEY_ID.match(resource_id)
    if survey:
        measure = _measures(user).filter(pk=int(survey.group(1))).first()
        if measure is not None:
            note_subject(
                patient_id=measure.patient_id, object_type="fhir.Observation", object_id=resource_id
            )
            return survey_observation(measure)
        owner = MeasureResult.objects.filter(pk=int(survey.group(1))).values_list(
            "patient_id", flat=True
        )
        raise NotVisible(
            patient_id=owner.first(), object_type="fhir.Observation", object_id=resource_id
        )
    raise NotVisible(patient_id=None, object_type="fhir.Observation", object_id=resource_id)


def _wanted(search: Search) -> _Wanted:
    vitals = set(_KIND_ORDER)
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


def _cursor(search: Search) -> tuple[str, int, int]:
    """("", 0, 0) at the start; ("vs", reading id, kind index); ("sv", measure id, 0)."""
    if not search.after:
        return "", 0, 0
    vital = _VITAL_ID.match(search.after)
    if vital and vital.group(2) in _KIND_ORDER:
        return "vs", int(vital.group(1)), _KIND_ORDER.index(vital.group(2))
    survey = _SURVEY_ID.match(search.after)
    if survey:
        return "sv", int(survey.group(1)), 0
    raise BadSearch(f"'{CURSOR}' must be an Observation id from a next link.", CURSOR)


def observation_search(user: User, search: Search) -> Page:
    wanted = _wanted(search)
    patients = {parse_reference(v, "Patient", "patient") for v in search.values.get("patient", [])}
    dates = search.dates("date")
    source, after_pk, after_kind = _cursor(search)
    found = []
    if wanted.vitals and source != "sv":
        readings = _readings(user).filter(**date_filter("taken_at", dates))
        if patients:
            readings = readings.filter(session__patient_id__in=patients)
        readings = readings.filter(_any_measured(wanted.vitals)).order_by("pk")
        if source == "vs":
            readings = readings.filter(pk__gte=after_pk)
        # Each reading gives at least one wanted observation, except perhaps the cursor's.
        for reading in readings[: search.count + 2]:
            for index, kind in enumerate(_KIND_ORDER):
                vital = codes.VITAL_BY_KEY[kind]
                later = reading.pk > after_pk or index > after_kind or source != "vs"
                if kind in wanted.vitals and later and measured(reading, vital):
                    found.append(vital_observation(reading, vital))
    if wanted.instruments and len(found) <= search.count:
        measures = _measures(user).filter(
            instrument__in=wanted.instruments, **date_filter("taken_at", dates)
        )
        if patients:
            measures = measures.filter(patient_id__in=patients)
        if source == "sv":
            measures = measures.filter(pk__gt=after_pk)
        remaining = search.count + 1 - len(found)
        found.extend(survey_observation(row) for row in measures.order_by("pk")[:remaining])
    page = Page(found[: search.count])
    if len(found) > search.count:
        page.next_after = found[search.count - 1].id
    note_search("Observation", page, patients)
    return page


def _any_measured(kinds: frozenset[str]) -> Q:
    condition = Q()
    for kind in kinds:
        for name in codes.VITAL_BY_KEY[kind].fields:
            condition |= Q(**{f"{name}__isnull": False})
    return condition
