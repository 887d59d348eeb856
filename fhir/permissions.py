"""The FHIR API's actions in the one access policy (`clinic.policy`).

A signed-in reader gets through the API exactly what their role's pages show: the scope
(`patients_visible_to`) narrows every patient resource, and the role decides which kinds
of resource they read at all. Coordinators book and keep demographics, so they read
patients but nothing clinical; the admin reads only the clinic's directory (staff and
locations); a patient login reads nothing through the API: their own record comes as a
download from the portal (`download_own_record`, `fhir.portal`).
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role
from clinic.policy import define

READ_DIRECTORY = define(
    "fhir.read_directory",
    set(Role.values),
    "Read the clinic's directory through the FHIR API: practitioners, locations, the clinic",
)
READ_DEMOGRAPHICS = define(
    "fhir.read_demographics",
    {Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "Read patients' demographics through the FHIR API (within the reader's scope)",
)
READ_SCHEDULE = define(
    "fhir.read_schedule",
    {Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "Read patients' appointments through the FHIR API (within the reader's scope)",
)
READ_CLINICAL = define(
    "fhir.read_clinical",
    {Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "Read clinical resources through the FHIR API: observations, encounters, "
    "medication administrations (within the reader's scope)",
)
READ_INTAKE = define(
    "fhir.read_intake",
    {Role.NURSE, Role.PSYCHIATRIST},
    "Read patients' intake consent through the FHIR API (within the reader's scope)",
)
READ_DOCUMENTS = define(
    "fhir.read_documents",
    {Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST},
    "List generated documents through the FHIR API (each kind only to those who may open it)",
)
DOWNLOAD_OWN_RECORD = define(
    "fhir.download_own_record",
    {PATIENT_ROLE},
    "A patient downloads their own record from the portal as a FHIR file (themselves only)",
)
