"""Appointments, questionnaires and questionnaire responses, scoped like their pages."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.context import note_subject
from clinic.models import User
from clinic.policy import NotVisible, patients_visible_to
from fhir.mapping.appointment import STATUS, appointment_resource
from fhir.mapping.questionnaire import (
    canonical,
    instruments,
    questionnaire_resource,
    response_resource,
)
from fhir.params import BadSearch, Search, date_filter, parse_token
from fhir.selectors.paging import Page, note_search, patient_search, scoped_read
from fhir.selectors.places import at_reader_location
from intake.instruments import Questionnaire as Instrument
from intake.models import MeasureResult
from sessions.models import Appointment

_STATUS_BACK = {fhir: ours for ours, fhir in STATUS.items()}


def _appointments(user: User) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(patient__in=patients_visible_to(user))
    return at_reader_location(appointments, user, "chair__location").select_related(
        "chair__location", "nurse", "plan"
    )


def appointment_read(user: User, resource_id: str) -> Appointment:
    return scoped_read(_appointments(user), "Appointment", resource_id, "patient_id")


def appointment_search(user: User, search: Search) -> Page:
    rows = _appointments(user).filter(**date_filter("start", search.dates("date")))
    for value in search.values.get("status", []):
        asked = [parse_token(part)[1] for part in value.split(",")]
        unknown = [status for status in asked if status not in _STATUS_BACK]
        if unknown:
            raise BadSearch(
                f"'status' must be one of {', '.join(_STATUS_BACK)} (got {unknown[0]}).", "status"
            )
        rows = rows.filter(status__in=[_STATUS_BACK[status] for status in asked])
    return patient_search(rows, "Appointment", search, "patient_id", appointment_resource)


def questionnaire_read(resource_id: str) -> Instrument:
    found = instruments().get(resource_id)
    if found is None:
        raise NotVisible(patient_id=None, object_type="fhir.Questionnaire", object_id=resource_id)
    note_subject(patient_id=None, object_type="fhir.Questionnaire", object_id=resource_id)
    return found


def questionnaire_search(search: Search) -> Page:
    listed = sorted(instruments().items())
    if search.after:
        listed = [(code, item) for code, item in listed if code > search.after]
    page = Page([questionnaire_resource(item) for _, item in listed[: search.count]])
    if len(listed) > search.count:
        page.next_after = listed[search.count - 1][0]
    note_search("Questionnaire", page, set())
    return page


def _responses(user: User) -> QuerySet[MeasureResult]:
    return MeasureResult.objects.filter(patient__in=patients_visible_to(user)).select_related(
        "entered_by__patient"
    )


def response_read(user: User, resource_id: str) -> MeasureResult:
    return scoped_read(_responses(user), "QuestionnaireResponse", resource_id, "patient_id")


def response_search(user: User, search: Search) -> Page:
    rows = _responses(user)
    by_url = {canonical(code): code for code in instruments()}
    for value in search.values.get("questionnaire", []):
        code = by_url.get(value) or value.removeprefix("Questionnaire/")
        rows = rows.filter(instrument=code)
    return patient_search(rows, "QuestionnaireResponse", search, "patient_id", response_resource)
