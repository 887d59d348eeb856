"""Appointment: a booked session, its status mapped to FHIR's, with the patient, the
chair's location and the nurse assigned as participants."""

from __future__ import annotations

from typing import Any

from fhir.mapping.common import reference, staff_reference
from fhir.resource import Resource, instant, resource
from sessions.models import Appointment, AppointmentStatus

# The clinic's appointment status → FHIR's (a session under way has arrived).
STATUS = {
    AppointmentStatus.SCHEDULED: "booked",
    AppointmentStatus.CHECKED_IN: "checked-in",
    AppointmentStatus.IN_SESSION: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}


def appointment_resource(appointment: Appointment) -> Resource:
    location = appointment.chair.location
    participants: list[dict[str, Any]] = [
        {"actor": reference("Patient", appointment.patient_id), "status": "accepted"},
        {
            "actor": reference(
                "Location", location.pk, f"{location.name}, {appointment.chair.name}"
            ),
            "status": "accepted",
        },
    ]
    if appointment.nurse is not None:
        participants.append({"actor": staff_reference(appointment.nurse), "status": "accepted"})
    number = f" {appointment.series_number}" if appointment.series_number else ""
    data: dict[str, Any] = {
        "id": str(appointment.pk),
        "status": STATUS[appointment.status],
        "serviceType": [{"text": f"Ketamine treatment: {appointment.plan.get_route_display()}"}],
        "description": f"{appointment.get_kind_display()}{number}",
        "start": instant(appointment.start),
        "end": instant(appointment.end),
        "created": instant(appointment.booked_at),
        "participant": participants,
    }
    if appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason:
        data["cancelationReason"] = {"text": appointment.cancel_reason}
    return resource("Appointment", **data)
