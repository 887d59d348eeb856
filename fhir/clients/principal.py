"""Who is reading when a request carries a bearer token: the API client, standing in for
`request.user`. The policy (`clinic.policy`) asks a principal that is not a staff login
which actions it holds (`holds_action`) and which patients it sees (`patient_scope`,
`sees_patient`), so every scoped selector narrows a client's reads exactly as it narrows
a nurse's, and the audit trail names it (`get_username`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clinic.models import Patient
from fhir.clients.scopes import reads_type
from fhir.models import ApiClient


class ClientPrincipal:
    """An API client acting through one token (its granted scopes)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_patient_account = False
    role_codes: frozenset[str] = frozenset()
    pk = None
    id = None

    def __init__(self, client: ApiClient, scopes: list[str]) -> None:
        self.client = client
        self.scopes = scopes

    @property
    def restricted_location_id(self) -> int | None:
        """The location the client reads only (`fhir.selectors.places`), or None."""
        return self.client.location_id

    @property
    def reads_notes(self) -> bool:
        """Integration-therapy notes only when the admin turned them on for this client."""
        return self.client.notes

    def get_username(self) -> str:
        return f"api-client:{self.client.name}"

    def __str__(self) -> str:
        return self.get_username()

    def reads_type(self, resource_type: str) -> bool:
        return reads_type(self.scopes, resource_type)

    def holds_action(self, action: str) -> bool:
        """The policy's actions this token's scopes reach: those of the resource types
        it may read (the view checks the type itself, as one action covers several)."""
        from fhir.registry import RESOURCES

        return any(served.action == action and self.reads_type(served.type) for served in RESOURCES)

    def patient_scope(self) -> QuerySet[Patient]:
        """Every patient, or the client's one patient, or its location's patients: those
        whose home location it is, or who were ever booked at one of its chairs."""
        patients = Patient.objects.all()
        if self.client.patient_id is not None:
            patients = patients.filter(pk=self.client.patient_id)
        if self.client.location_id is not None:
            location = self.client.location_id
            booked = Patient.objects.filter(appointments__chair__location_id=location)
            patients = patients.filter(Q(home_location_id=location) | Q(pk__in=booked.values("pk")))
        return patients

    def sees_patient(self, patient: Patient) -> bool:
        return self.patient_scope().filter(pk=patient.pk).exists()


def may_read(user: object, resource_type: str) -> bool:
    """A staff reader's role decides alone; a client's token must also name the type."""
    check = getattr(user, "reads_type", None)
    return check is None or check(resource_type)
