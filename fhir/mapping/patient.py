"""Patient (US Core Patient): record number, names, birth date, birth sex, contact."""

from __future__ import annotations

from typing import Any

from clinic.choices import JourneyState, SexAtBirth
from clinic.models import Patient
from fhir import codes
from fhir.resource import Resource, resource

_BIRTH_SEX = {
    SexAtBirth.FEMALE: "F",
    SexAtBirth.MALE: "M",
    SexAtBirth.INTERSEX: "UNK",
    SexAtBirth.PREFER_NOT_TO_SAY: "ASKU",
}
_MEDICAL_RECORD_NUMBER = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
            "code": "MR",
            "display": "Medical record number",
        }
    ]
}


def patient_resource(patient: Patient) -> Resource:
    """The clinic records sex at birth, not an administrative gender: gender is `unknown`
    and sex at birth goes in the US Core birthsex extension, so nothing is guessed."""
    data: dict[str, Any] = {
        "id": str(patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": _MEDICAL_RECORD_NUMBER,
                "system": codes.MRN_SYSTEM,
                "value": patient.mrn,
            }
        ],
        "active": patient.journey_state != JourneyState.DISCHARGED,
        "name": _names(patient),
        "gender": "unknown",
        "telecom": _telecom(patient),
        "address": _address(patient),
    }
    if patient.date_of_birth:
        data["birthDate"] = patient.date_of_birth.isoformat()
    if patient.sex_at_birth in _BIRTH_SEX:
        data["extension"] = [
            {"url": codes.US_CORE_BIRTHSEX, "valueCode": _BIRTH_SEX[patient.sex_at_birth]}
        ]
    return resource("Patient", **data)


def _names(patient: Patient) -> list[dict[str, Any]]:
    names: list[dict[str, Any]] = [
        {
            "use": "official",
            "family": patient.legal_last_name,
            "given": [patient.legal_first_name],
        }
    ]
    if patient.preferred_name and patient.preferred_name != patient.legal_first_name:
        names.append(
            {"use": "usual", "family": patient.legal_last_name, "given": [patient.preferred_name]}
        )
    return names


def _telecom(patient: Patient) -> list[dict[str, str]]:
    found = []
    if patient.phone:
        found.append({"system": "phone", "value": patient.phone, "use": "mobile"})
    if patient.email:
        found.append({"system": "email", "value": patient.email})
    return found


def _address(patient: Patient) -> list[dict[str, Any]]:
    lines = [line for line in (patient.address_line1, patient.address_line2) if line]
    if not (lines or patient.city or patient.postal_code):
        return []
    address: dict[str, Any] = {"use": "home", "line": lines, "country": patient.country}
    for key, value in (
        ("city", patient.city),
        ("state", patient.region),
        ("postalCode", patient.postal_code),
    ):
        if value:
            address[key] = value
    return [{key: value for key, value in address.items() if value}]
