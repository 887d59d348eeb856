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
    session = dose.session
    given = dose.given_mg if dose.given_mg is not None else dose.total_mg
    if session.route == Route.INTRANASAL_ESKETAMINE:
        # What the devices delivered (those entered in error left out), not the plan.
        given = Decimal(ESKETAMINE_DEVICE_MG * len(session.devices_given))
    dosage: dict[str, Any] = {"dose": quantity(given, "mg", "mg")}
    route = codes.ROUTES.get(session.route)
    if route is not None:
        dosage["route"] = concept(route)
    if session.route == "iv" and dose.planned_minutes:
        rate = (dose.total_mg / Decimal(dose.planned_minutes)).quantize(Decimal("0.001"))
        dosage["rateQuantity"] = quantity(rate, "mg/min", "mg/min")
    data: dict[str, Any] = {
        "id": str(dose.pk),
        "contained": [_medication(dose)],
        "status": "stopped" if dose.stopped_early else "completed",
        "medicationReference": {"reference": f"#{_MEDICATION_ID}"},
        "subject": reference("Patient", session.patient_id),
        "context": reference("Encounter", session.pk),
        "performer": [{"actor": staff_reference(dose.administered_by)}],
        "dosage": dosage,
    }
    if dose.ended_at is not None:
        data["effectivePeriod"] = {"start": instant(dose.started_at), "end": instant(dose.ended_at)}
    else:
        data["effectiveDateTime"] = instant(dose.started_at)
    return resource("MedicationAdministration", **data)


def _medication(dose: DoseRecord) -> dict[str, Any]:
    return {
        "resourceType": "Medication",
        "id": _MEDICATION_ID,
        "code": concept(codes.DRUGS[dose.drug], text=dose.get_drug_display()),
        "batch": {"lotNumber": dose.lot_number, "expirationDate": dose.lot_expiry.isoformat()},
    }
