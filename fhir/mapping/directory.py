"""The clinic's directory: Practitioner (staff in clinical roles), Location, Organization.

A location's DEA registration, schedules and REMS certification are never emitted: they
are the clinic's controlled-substance credentials, not something another system reads.
"""

from __future__ import annotations

from typing import Any

from clinic.models import ClinicSettings, Location, User
from fhir import codes
from fhir.mapping.common import reference
from fhir.resource import Resource, resource

# The clinic is one Organization (the single ClinicSettings row).
ORGANIZATION_ID = "1"


def practitioner_resource(user: User) -> Resource:
    name: dict[str, Any] = {"use": "official", "text": user.display_name}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    if user.display_title:
        name["prefix"] = [user.display_title]
    if user.credentials:
        name["suffix"] = [user.credentials]
    return resource(
        "Practitioner",
        id=str(user.pk),
        identifier=[{"system": codes.STAFF_SYSTEM, "value": str(user.pk)}],
        active=user.is_active,
        name=[name],
    )


def location_resource(location: Location) -> Resource:
    data: dict[str, Any] = {
        "id": str(location.pk),
        "identifier": [{"system": codes.LOCATION_SYSTEM, "value": str(location.pk)}],
        "status": "active" if location.is_active else "inactive",
        "name": location.name,
        "mode": "instance",
        "managingOrganization": reference("Organization", ORGANIZATION_ID),
    }
    if location.address:
        data["address"] = {"text": location.address}
    if location.phone:
        data["telecom"] = [{"system": "phone", "value": location.phone, "use": "work"}]
    return resource("Location", **data)


def organization_resource(clinic: ClinicSettings) -> Resource:
    data: dict[str, Any] = {"id": ORGANIZATION_ID, "active": True, "name": clinic.name}
    telecom = [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", clinic.phone), ("email", clinic.email))
        if value
    ]
    if telecom:
        data["telecom"] = telecom
    if clinic.address:
        data["address"] = [{"text": clinic.address}]
    return resource("Organization", **data)
