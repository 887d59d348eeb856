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
from fhir.params import BadSearch, Search, date_filter, parse_reference, parse_token, row_id
from fhir.selectors.paging import Page, keyset_page, note_search
from intake.instruments import Questionnaire as Instrument
from intake.models import MeasureResult
from sessions.models import Appointment

_STATUS_BACK = {fhir: ours for ours, fhir in STATUS.items()}


def _pk(resource_id: str) -> int:
    return row_id(resource_id)


def _patients(search: Search) -> set[int]:
    return {parse_reference(v, "Patient", "patient") for v in search.values.get("patient", [])}


def _appointments(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(patient__in=patients_visible_to(user)).select_related(
        "chair__location", "nurse", "plan"
    )


def appointment_read(user: User, resource_id: str) -> Appointment:
    found = _appointments(user).filter(pk=_pk(resource_id)).first()
    if found is None:
        owner = Appointment.objects.filter(pk=_pk(resource_id)).values_list("patient_id", flat=True)
        raise NotVisible(
            patient_id=owner.first(), object_type="fhir.Appointment", object_id=resource_id
        )
    note_subject(patient_id=found.patient_id, object_type="fhir.Appointment", object_id=found.pk)
    return found


def appointment_search(user: User, search: Search) -> Page:
    rows = _appointments(user).filter(**date_filter("start", search.dates("date")))
    patients = _patients(search)
    if patients:
        rows = rows.filter(patient_id__in=patients)
    for value in search.values.get("status", []):
        asked = [parse_token(part)[1] for part in value.split(",")]
        unknown = [status for status in asked if status not in _STATUS_BACK]
        if unknown:
            raise BadSearch(
                f"'status' must be one of {', '.join(_STATUS_BACK)} (got {unknown[0]}).", "status"
            )
        rows = rows.filter(status__in=[_STATUS_BACK[status] for status in asked])
    page = keyset_page(rows, search, appointment_resource)
    note_search("Appointment", page, patients)
    return page


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
    found = _responses(user).filter(pk=_pk(resource_id)).first()
    if found is None:
        owner = MeasureResult.objects.filter(pk=_pk(resource_id)).values_list(
            "patient_id", flat=True
        )
        raise NotVisible(
            patient_id=owner.first(),
            object_type="fhir.QuestionnaireResponse",
            object_id=resource_id,
        )
    note_subject(
        patient_id=found.patient_id, object_type="fhir.QuestionnaireResponse", object_id=found.pk
    )
    return found


def response_search(user: User, search: Search) -> Page:
    rows = _responses(user)
    patients = _patients(search)
    if patients:
        rows = rows.filter(patient_id__in=patients)
    by_url = {canonical(code): code for code in instruments()}
    for value in search.values.get("questionnaire", []):
        code = by_url.get(value) or value.removeprefix("Questionnaire/")
        rows = rows.filter(instrument=code)
    page = keyset_page(rows, search, response_resource)
    note_search("QuestionnaireResponse", page, patients)
    return page
