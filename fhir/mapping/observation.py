"""Observation: vital signs (one per measured value of a reading) and survey totals.

Ids say where an Observation comes from, so a read needs no lookup table:
`vs-<reading>-<kind>` (kind: bp, hr, rr, spo2, temp) and `sv-<measure result>`.
"""

from __future__ import annotations

from typing import Any

from fhir import codes
from fhir.mapping.common import concept, quantity, reference, staff_reference
from fhir.resource import Resource, instant, resource
from intake.instruments import QUESTIONNAIRES
from intake.models import MeasureResult
from sessions.models import DoseRecord, VitalReading

_DATA_ABSENT = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "unknown",
            "display": "Unknown",
        }
    ]
}


def vital_id(reading_id: int, key: str) -> str:
    return f"vs-{reading_id}-{key}"


def weight_id(dose_id: int) -> str:
    return f"wt-{dose_id}"


def survey_id(measure_id: int) -> str:
    return f"sv-{measure_id}"


def measured(reading: VitalReading, vital: codes.Vital) -> bool:
    return any(getattr(reading, name) is not None for name in vital.fields)


def vital_observations(reading: VitalReading, only: frozenset[str] | None = None) -> list[Resource]:
    """Every vital sign the reading measured (or only the kinds in `only`)."""
    return [
        vital_observation(reading, vital)
        for vital in codes.VITALS
        if measured(reading, vital) and (only is None or vital.key in only)
    ]


def _status(reading: VitalReading) -> str:
    """Struck through on the record (before or after signing) → entered-in-error; a
    record not yet signed may still change → preliminary."""
    if reading.entered_in_error_at is not None or getattr(reading, "corrected", False):
        return "entered-in-error"
    return "final" if reading.session.nurse_signed_at else "preliminary"


def vital_observation(reading: VitalReading, vital: codes.Vital) -> Resource:
    data: dict[str, Any] = {
        "id": vital_id(reading.pk, vital.key),
        "status": _status(reading),
        "category": [_category(codes.VITAL_SIGNS)],
        "code": concept(*vital.codes, text=vital.codes[0].display),
        "subject": reference("Patient", reading.session.patient_id),
        "encounter": reference("Encounter", reading.session_id),
        "effectiveDateTime": instant(reading.taken_at),
        "issued": instant(reading.recorded_at),
        "performer": [staff_reference(reading.recorded_by)],
    }
    if vital.key == "bp":
        data["component"] = [
            _bp_component(codes.BP_SYSTOLIC, reading.systolic),
            _bp_component(codes.BP_DIASTOLIC, reading.diastolic),
        ]
    else:
        value = getattr(reading, vital.fields[0])
        data["valueQuantity"] = quantity(value, vital.unit, vital.ucum)
    return resource("Observation", **data)


def weight_observation(dose: DoseRecord) -> Resource:
    """The body weight a dose was calculated from, as of the dose."""
    weight = codes.BODY_WEIGHT
    return resource(
        "Observation",
        id=weight_id(dose.pk),
        status="final" if dose.session.nurse_signed_at else "preliminary",
        category=[_category(codes.VITAL_SIGNS)],
        code=concept(*weight.codes, text=weight.codes[0].display),
        subject=reference("Patient", dose.session.patient_id),
        encounter=reference("Encounter", dose.session_id),
        effectiveDateTime=instant(dose.started_at),
        issued=instant(dose.recorded_at),
        performer=[staff_reference(dose.recorded_by)],
        valueQuantity=quantity(dose.weight_kg, weight.unit, weight.ucum),
    )


def _bp_component(code: codes.Code, value: int | None) -> dict[str, Any]:
    component: dict[str, Any] = {"code": concept(code)}
    if value is None:
        component["dataAbsentReason"] = _DATA_ABSENT
    else:
        component["valueQuantity"] = quantity(value, "mmHg", codes.MM_HG)
    return component


def _category(code: str) -> dict[str, Any]:
    return {
        "coding": [
            {
                "system": codes.OBSERVATION_CATEGORY,
                "code": code,
                "display": codes.CATEGORY_DISPLAY[code],
            }
        ]
    }


def survey_observation(measure: MeasureResult) -> Resource:
    """A scored questionnaire's total, with each item's answer score as a component."""
    instrument = codes.INSTRUMENTS[measure.instrument]
    wording = QUESTIONNAIRES.get(measure.instrument)
    components = []
    for key, score in sorted(measure.items.items(), key=_item_order):
        number = _item_order((key, score))[0]
        known = wording is not None and 1 <= number <= len(wording.items)
        text = wording.items[number - 1] if known else key
        components.append({"code": {"text": text}, "valueInteger": int(score)})
    return resource(
        "Observation",
        id=survey_id(measure.pk),
        status="final",
        category=[_category(codes.SURVEY)],
        code=concept(instrument.total, text=instrument.total.display),
        subject=reference("Patient", measure.patient_id),
        effectiveDateTime=instant(measure.taken_at),
        performer=[staff_reference(measure.entered_by)],
        valueQuantity=quantity(measure.total, "{score}", "{score}"),
        interpretation=[{"text": measure.band_label}],
        derivedFrom=[reference("QuestionnaireResponse", measure.pk)],
        component=components,
    )


def _item_order(item: tuple[str, object]) -> tuple[int, str]:
    """q1, q2, …, q10 in number order (not text order)."""
    key = item[0]
    digits = key.lstrip("q")
    return (int(digits) if digits.isdigit() else 10_000, key)
