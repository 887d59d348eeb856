"""The core domain every feature app builds on, one module per concept:

- `accounts`: logins, staff roles and role requests, authenticator set-up links,
  password-reset requests;
- `clinic_setup`: the clinic's settings row, locations, opening hours, closures, chairs;
- `patients`: patients and the append-only addendum;
- `audit`: the append-only audit trail;
- `reminders`: reminder rows;
- `documents`: generated PDFs.

Every name is re-exported here: `from clinic.models import Patient` is the way to import
(and the migrations refer to `clinic.models.validate_time_zone`).
"""

from clinic.models.accounts import (
    AuthenticatorEnrollment,
    PasswordResetRequest,
    RoleRequest,
    RoleRequestStatus,
    StaffRole,
    User,
)
from clinic.models.audit import AuditEvent, AuditEventQuerySet
from clinic.models.clinic_setup import (
    Chair,
    ClinicSettings,
    Closure,
    Location,
    OpeningHours,
    validate_dea_number,
    validate_dea_schedules,
    validate_time_zone,
)
from clinic.models.documents import Document
from clinic.models.patients import Addendum, AddendumQuerySet, Patient
from clinic.models.reminders import Reminder

__all__ = [
    "Addendum",
    "AddendumQuerySet",
    "AuditEvent",
    "AuditEventQuerySet",
    "AuthenticatorEnrollment",
    "Chair",
    "ClinicSettings",
    "Closure",
    "Document",
    "Location",
    "OpeningHours",
    "PasswordResetRequest",
    "Patient",
    "Reminder",
    "RoleRequest",
    "RoleRequestStatus",
    "StaffRole",
    "User",
    "validate_dea_number",
    "validate_dea_schedules",
    "validate_time_zone",
]
