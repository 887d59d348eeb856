"""Encounter: one treatment session in the chair."""

from __future__ import annotations

from typing import Any

from fhir import codes
from fhir.mapping.common import coding, concept, reference, staff_reference
from fhir.resource import Resource, instant, resource
from sessions.models import TreatmentSession


def encounter_resource(session: TreatmentSession) -> Resource:
    ended_at = session.discharged_at or session.ended_without_dose_at
    period: dict[str, str] = {"start": instant(session.opened_at)}
    if ended_at is not None:
        period["end"] = instant(ended_at)
    participants = [_participant(codes.PARTICIPANT, session.opened_by)]
    if session.supervising_psychiatrist is not None:
        participants.insert(
            0, _participant(codes.PRIMARY_PERFORMER, session.supervising_psychiatrist)
        )
    data: dict[str, Any] = {
        "id": str(session.pk),
        "status": "finished" if session.ended else "in-progress",
        "class": coding(codes.AMBULATORY),
        "serviceType": {"text": f"Ketamine treatment: {session.get_route_display()}"},
        "subject": reference("Patient", session.patient_id),
        "participant": participants,
        "period": period,
    }
    location = session.appointment.chair.location
    data["location"] = [{"location": reference("Location", location.pk, location.name)}]
    return resource("Encounter", **data)


def _participant(role: codes.Code, user: Any) -> dict[str, Any]:
    return {"type": [concept(role)], "individual": staff_reference(user)}
