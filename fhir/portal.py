"""The patient's own record as a file, from the portal (spec fhir.md §3): their
`Patient/$everything` Bundle, read through the same scoped selectors as the API.

The reader is `OwnRecordReader`: the patient login, seeing only their own record, holding
the API's read actions for it and nothing else (never integration-therapy notes: HIPAA
leaves psychotherapy notes out of a patient's right of access; the parts their therapist
shares are on the portal already). The download is one `download` audit row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.choices import AuditAction
from clinic.models import Patient, User
from clinic.policy import permission
from clinic.selectors import own_patient
from fhir import permissions
from fhir.bundle import everything
from fhir.resource import to_json
from fhir.responses import FHIR_JSON
from fhir.selectors.everything import patient_everything

# What the patient's own file holds: every kind of their record the API serves.
_OWN_RECORD_ACTIONS = frozenset(
    {
        permissions.READ_DEMOGRAPHICS,
        permissions.READ_SCHEDULE,
        permissions.READ_CLINICAL,
        permissions.READ_INTAKE,
        permissions.READ_DOCUMENTS,
    }
)


class OwnRecordReader:
    """A patient reading their own record for the download: the policy asks it, as it
    asks an API client, which actions it holds and which patients it sees."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_patient_account = True
    reads_notes = False
    restricted_location_id = None

    def __init__(self, user: User, patient: Patient) -> None:
        self.user = user
        self.patient = patient
        self.pk = self.id = user.pk
        self.role_codes = user.role_codes

    def get_username(self) -> str:
        return self.user.get_username()

    def holds_action(self, action: str) -> bool:
        return action in _OWN_RECORD_ACTIONS or permission(action).held_by(self.user)

    def patient_scope(self) -> QuerySet[Patient]:
        return Patient.objects.filter(pk=self.patient.pk)

    def sees_patient(self, patient: Patient) -> bool:
        return patient.pk == self.patient.pk

    def reads_type(self, resource_type: str) -> bool:
        return True


@permits(permissions.DOWNLOAD_OWN_RECORD, audit_action=AuditAction.DOWNLOAD)
@require_http_methods(["GET"])
def my_record_download(request: HttpRequest) -> HttpResponse:
    """The signed-in patient's whole record as one FHIR R4 Bundle (JSON), as a file."""
    patient = own_patient(request.user, object_type="fhir.Patient.everything")
    resources = patient_everything(OwnRecordReader(request.user, patient), str(patient.pk))
    bundle = everything(request, resources)
    response = HttpResponse(to_json(bundle, indent=2), content_type=FHIR_JSON)
    name = f"my-health-record-{timezone.localdate():%Y-%m-%d}.fhir.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def record_panel(user: User, patient: Patient) -> dict[str, Any] | None:
    """The portal home's panel offering the download (every patient has a record)."""
    return {}
