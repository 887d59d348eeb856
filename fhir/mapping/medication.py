"""MedicationAdministration: the dose given in a session, its drug coded with RxNorm and
its route with SNOMED CT, the lot in a contained Medication."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir import codes
from fhir.mapping.common import concept, quantity, reference, staff_reference
from fhir.resource import Resource, instant, resource
from intake.choices import Route
from sessions.dosing import ESKETAMINE_DEVICE_MG
from sessions.models import DoseRecord

_MEDICATION_ID = "medication"


def administration_resource(dose: DoseRecord) -> Resource:
    """A dose still being given (an IV infusion running or paused, nasal devices still to
    come) is `in-progress` / `on-hold` with a period that has only its start: a receiving
    system must never read the planned amount as given. A running infusion gives its
    plan and rate but no amount; a nasal dose under way gives what the devices delivered
    so far."""
    session = dose.session
    status = _status(dose)
    given = dose.given_mg if dose.given_mg is not None else dose.total_mg
    if session.route == Route.INTRANASAL_ESKETAMINE:
        # What the devices delivered (those entered in error left out), not the plan.
        given = Decimal(ESKETAMINE_DEVICE_MG * len(session.devices_given))
    dosage: dict[str, Any] = {"text": _dosage_text(dose, status)}
    if status not in _UNDER_WAY or session.route != Route.IV:
        # Given, stopped early (what was given before the stop), or the devices so far.
        dosage["dose"] = quantity(given, "mg", "mg")
    route = codes.ROUTES.get(session.route)
    if route is not None:
        dosage["route"] = concept(route)
    if session.route == "iv" and dose.planned_minutes:
        rate = (dose.total_mg / Decimal(dose.planned_minutes)).quantize(Decimal("0.001"))
        dosage["rateQuantity"] = quantity(rate, "mg/min", "mg/min")
    data: dict[str, Any] = {
        "id": str(dose.pk),
        "contained": [_medication(dose)],
        "status": status,
        "medicationReference": {"reference": f"#{_MEDICATION_ID}"},
        "subject": reference("Patient", session.patient_id),
        "context": reference("Encounter", session.pk),
        "performer": [{"actor": staff_reference(dose.administered_by)}],
        "dosage": dosage,
    }
    if dose.ended_at is not None:
        data["effectivePeriod"] = {"start": instant(dose.started_at), "end": instant(dose.ended_at)}
    elif status in _UNDER_WAY:
        data["effectivePeriod"] = {"start": instant(dose.started_at)}
    else:
        data["effectiveDateTime"] = instant(dose.started_at)
    return resource("MedicationAdministration", **data)


_UNDER_WAY = ("in-progress", "on-hold")


def _status(dose: DoseRecord) -> str:
    session = dose.session
    if dose.stopped_early:
        return "stopped"
    if session.ended:
        return "completed"
    if session.route == Route.IV and dose.ended_at is None:
        return "on-hold" if getattr(session, "open_pauses", None) else "in-progress"
    if session.route == Route.INTRANASAL_ESKETAMINE:
        delivered = ESKETAMINE_DEVICE_MG * len(session.devices_given)
        return "in-progress" if delivered < dose.total_mg else "completed"
    return "completed"


def _dosage_text(dose: DoseRecord, status: str) -> str:
    """The order in words, and how far it has gone when it is still being given."""
    session = dose.session
    planned = f"{dose.total_mg.normalize():f} mg"
    if session.route == Route.IV and dose.planned_minutes:
        planned += f" over {dose.planned_minutes} min"
    if session.route == Route.INTRANASAL_ESKETAMINE:
        devices = int(dose.total_mg) // ESKETAMINE_DEVICE_MG
        given = len(session.devices_given)
        if status == "in-progress":
            return f"Ordered {planned} ({devices} devices); {given} given so far"
        return f"Ordered {planned} ({devices} devices)"
    if status == "stopped":
        return f"Ordered {planned}; stopped early"
    if status == "on-hold":
        return f"Ordered {planned}; infusion paused"
    if status == "in-progress":
        return f"Ordered {planned}; infusion running"
    return f"Ordered {planned}"


def _medication(dose: DoseRecord) -> dict[str, Any]:
    return {
        "resourceType": "Medication",
        "id": _MEDICATION_ID,
        "code": concept(codes.DRUGS[dose.drug], text=dose.get_drug_display()),
        "batch": {"lotNumber": dose.lot_number, "expirationDate": dose.lot_expiry.isoformat()},
    }
