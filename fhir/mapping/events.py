"""AdverseEvent (an event at the chair), Consent (the intake's signed consent) and
DocumentReference (a generated PDF, served by the download page under its own rule)."""

from __future__ import annotations

import base64
from typing import Any

from django.urls import reverse

from clinic.models import Document
from fhir import codes
from fhir.mapping.common import coding, concept, reference, staff_reference
from fhir.resource import Resource, instant, resource
from intake.models import Intake
from intake.questionnaire import CONSENT_TEXT, CONSENT_VERSION
from sessions.models import AdverseEvent


def adverse_event_resource(event: AdverseEvent) -> Resource:
    own = {
        "system": codes.ADVERSE_EVENT_TYPE_SYSTEM,
        "code": event.kind,
        "display": event.get_kind_display(),
    }
    snomed = codes.ADVERSE_EVENT_SNOMED.get(event.kind)
    serious = event.severity == "serious"
    data: dict[str, Any] = {
        "id": str(event.pk),
        "actuality": "actual",
        "event": {
            "coding": [coding(snomed), own] if snomed else [own],
            "text": event.description or event.get_kind_display(),
        },
        "subject": reference("Patient", event.session.patient_id),
        "encounter": reference("Encounter", event.session_id),
        "date": instant(event.onset_at),
        "recordedDate": instant(event.recorded_at),
        "recorder": staff_reference(event.recorded_by),
        "seriousness": {
            "coding": [
                {
                    "system": codes.AE_SERIOUSNESS,
                    "code": "serious" if serious else "non-serious",
                    "display": "Serious" if serious else "Non-serious",
                }
            ]
        },
        "severity": {
            "coding": [
                {
                    "system": codes.AE_SEVERITY,
                    "code": "severe" if serious else event.severity,
                    "display": "Severe" if serious else event.get_severity_display(),
                }
            ]
        },
    }
    if event.outcome:
        data["outcome"] = {
            "coding": [{"system": codes.AE_OUTCOME, "code": "unknown", "display": "Unknown"}],
            "text": event.outcome,
        }
    dose = getattr(event.session, "dose", None)
    if dose is not None:
        data["suspectEntity"] = [{"instance": reference("MedicationAdministration", dose.pk)}]
    return resource("AdverseEvent", **data)


def consent_resource(intake: Intake) -> Resource:
    """The consent signed at intake, with the statement of its version as an attachment
    (the statement is versioned: an older version's text is not kept, so only the
    current version carries it)."""
    attachment: dict[str, Any] = {
        "contentType": "text/plain; charset=utf-8",
        "title": f"Treatment consent, version {intake.consent_version}",
        "creation": instant(intake.consent_signed_at),
    }
    if intake.consent_version == CONSENT_VERSION:
        attachment["data"] = base64.b64encode(CONSENT_TEXT.encode()).decode()
    return resource(
        "Consent",
        id=str(intake.pk),
        status="active",
        scope={"coding": [{"system": codes.CONSENT_SCOPE, "code": "treatment"}]},
        category=[concept(codes.PATIENT_CONSENT)],
        patient=reference("Patient", intake.patient_id),
        dateTime=instant(intake.consent_signed_at),
        policyRule={"text": f"Clinic treatment consent, version {intake.consent_version}"},
        sourceAttachment=attachment,
    )


def document_resource(document: Document, label: str) -> Resource:
    kind = codes.DOCUMENT_TYPES.get(document.kind, codes.ADMINISTRATIVE_NOTE)
    attachment: dict[str, Any] = {
        "contentType": "application/pdf",
        "url": reverse("document_download", args=[document.pk]),
        "title": f"{label}, version {document.version}",
    }
    if document.size is not None:
        attachment["size"] = document.size
    if document.generated_at is not None:
        attachment["creation"] = instant(document.generated_at)
    return resource(
        "DocumentReference",
        id=str(document.pk),
        status="current",
        type=concept(kind, text=label),
        subject=reference("Patient", document.patient_id),
        date=instant(document.generated_at or document.requested_at),
        content=[{"attachment": attachment}],
    )
