"""Pieces every mapper uses: references, codings and quantities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir import codes


def reference(resource_type: str, pk: object, display: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"reference": f"{resource_type}/{pk}"}
    if display:
        found["display"] = display
    return found


def coding(code: codes.Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def concept(*found: codes.Code, text: str = "") -> dict[str, Any]:
    value: dict[str, Any] = {"coding": [coding(code) for code in found]}
    if text:
        value["text"] = text
    return value


def quantity(value: int | Decimal | float, unit: str, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": ucum}


def staff_reference(user: Any) -> dict[str, Any]:
    """A member of staff as the Practitioner they are (patients as themselves)."""
    patient = getattr(user, "patient", None) if user.is_patient_account else None
    if patient is not None:
        return reference("Patient", patient.pk)
    return reference("Practitioner", user.pk, user.display_name)
