"""State changes of the core domain. Each runs in one transaction and writes its audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import (
    JOURNEY_STATES_WITH_REASON,
    AccountType,
    AuditAction,
    DocumentStatus,
    JourneyState,
    Role,
)
from clinic.limits import hourly_limit_check
from clinic.models import Document, Patient, Reminder, StaffRole, User


def _next_mrn() -> str:
    last = Patient.objects.order_by("-id").values_list("id", flat=True).first() or 0
    candidate = last + 1
    while Patient.objects.filter(mrn=f"KC-{candidate:06d}").exists():
        candidate += 1
    return f"KC-{candidate:06d}"


def patient_create(
    *,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date | None,
    actor: User | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> Patient:
    """Create a patient record (invitations and the demo seeder use this)."""
    with transaction.atomic():
        patient = Patient(
            legal_first_name=legal_first_name,
            legal_last_name=legal_last_name,
            date_of_birth=date_of_birth,
            mrn=_next_mrn(),
            **details,
        )
        patient.full_clean(exclude=["mrn", "user"])
        patient.save()
        audit_record(
            action=AuditAction.CREATE, request=request, user=actor, patient=patient, obj=patient
        )
    return patient


def patient_update_details(
    *, patient: Patient, actor: User, request: HttpRequest | None, changes: dict[str, Any]
) -> Patient:
    """Change demographics or contact details; only fields that changed are written."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only coordinators edit patient details.")
    with transaction.atomic():
        # Compare with the stored row (a bound ModelForm has already copied the new
        # values onto the instance it was given), locked against a concurrent edit.
        stored = Patient.objects.select_for_update().get(pk=patient.pk)
        changed = [field for field, value in changes.items() if getattr(stored, field) != value]
        if not changed:
            return stored
        for field in changed:
            setattr(stored, field, changes[field])
        stored.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, request=request, user=actor, patient=stored, obj=stored
        )
    return stored


def patient_set_care_team(
    *,
    patient: Patient,
    actor: User,
    request: HttpRequest | None,
    psychiatrist: User | None,
    therapist: User | None,
) -> Patient:
    """Assign the patient's psychiatrist and integration therapist."""
    if not actor.has_role(Role.COORDINATOR, Role.PSYCHIATRIST):
        raise PermissionDenied("Only coordinators and psychiatrists change the care team.")
    if psychiatrist is not None and not psychiatrist.has_role(Role.PSYCHIATRIST):
        raise ValidationError({"psychiatrist": "This person is not a psychiatrist."})
    if therapist is not None and not therapist.has_role(Role.THERAPIST):
        raise ValidationError({"therapist": "This person is not a therapist."})
    with transaction.atomic():
        patient.psychiatrist = psychiatrist
        patient.therapist = therapist
        patient.save(update_fields=["psychiatrist", "therapist", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            request=request,
            user=actor,
            patient=patient,
            object_type="clinic.careteam",
            object_id=patient.pk,
        )
    return patient


def patient_move_journey(
    *,
    patient: Patient,
    to_state: str,
    actor: User | None,
    request: HttpRequest | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Patient:
    """Move a patient to another journey state (feature services call this)."""
    if to_state not in JourneyState.values:
        raise ValueError(f"Unknown journey state {to_state!r}")
    if to_state in JOURNEY_STATES_WITH_REASON and not reason.strip():
        raise ValidationError({"reason": "Give a reason for pausing or discharging."})
    with transaction.atomic():
        patient.journey_state = to_state
        patient.journey_state_since = at or timezone.now()
        patient.journey_reason = reason.strip()
        patient.save(
            update_fields=["journey_state", "journey_state_since", "journey_reason", "updated_at"]
        )
        audit_record(
            action=AuditAction.UPDATE,
            request=request,
            user=actor,
            patient=patient,
            object_type="clinic.journey",
            object_id=patient.pk,
        )
    return patient


def staff_create(
    *,
    username: str,
    password: str | None,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[str],
    display_title: str = "",
    credentials: str = "",
) -> User:
    """Create a staff login holding `roles`."""
    unknown = set(roles) - set(Role.values)
    if unknown or not roles:
        raise ValidationError({"roles": f"Unknown or missing roles: {sorted(unknown)}"})
    with transaction.atomic():
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            display_title=display_title,
            credentials=credentials,
            account_type=AccountType.STAFF,
            is_staff=Role.ADMIN in roles,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        StaffRole.objects.bulk_create([StaffRole(user=user, role=role) for role in roles])
    return user


def staff_role_assign(*, user: User, role: str) -> StaffRole:
    """Give a staff member one more role. A patient login never holds a staff role."""
    if user.is_patient_account:
        raise ValidationError("A patient login cannot hold a staff role.")
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}"})
    staff_role, _ = StaffRole.objects.get_or_create(user=user, role=role)
    if role == Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return staff_role


def patient_login_create(*, patient: Patient, username: str, password: str | None) -> User:
    """Create the patient's own login (distinct from any staff account)."""
    with transaction.atomic():
        user = User(
            username=username,
            email=patient.email,
            first_name=patient.first_name,
            last_name=patient.legal_last_name,
            account_type=AccountType.PATIENT,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
    return user


def staff_reset_authenticator(*, user: User, actor: User, request: HttpRequest | None) -> int:
    """Remove a staff member's TOTP devices (lost phone); they enroll again at sign-in.

    Their open sessions end too, so a stolen phone plus an open session gets nothing.
    Returns 1 when something was reset, 0 when the account had no device.
    """
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only the admin role resets authenticators.")
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
        audit_record(
            action=AuditAction.UPDATE,
            request=request,
            user=actor,
            object_type="otp.device",
            object_id=user.pk,
        )
    return 1 if deleted else 0


def reminder_retry(*, reminder: Reminder, actor: User, request: HttpRequest | None = None) -> None:
    """Staff send a failed reminder again (the next beat run picks it up)."""
    from clinic.notifications.reminders import retry_failed

    if retry_failed(reminder.pk):
        audit_record(
            action=AuditAction.UPDATE,
            request=request,
            user=actor,
            patient_id=reminder.patient_id,
            obj=reminder,
        )


# Documents a patient may ask for from the portal per hour (each is a PDF to render).
PORTAL_DOCUMENTS_PER_HOUR = 10


def document_request(
    *,
    patient: Patient,
    kind: str,
    subject_id: int | None,
    actor: User,
    request: HttpRequest | None = None,
) -> Document:
    """Ask for a new version of a document; a Celery task renders it after commit."""
    from clinic.documents import DOCUMENT_KINDS
    from clinic.tasks import render_document

    spec = DOCUMENT_KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": "Unknown document."})
    if actor.is_patient_account:
        if not spec.for_patient or patient.user_id != actor.pk:
            raise PermissionDenied("This document is not available to you.")
    elif not spec.allowed(actor):
        raise PermissionDenied("Your role cannot generate this document.")
    if spec.subjects is not None:
        if subject_id not in {pk for pk, _label in spec.subjects(patient)}:
            raise ValidationError({"subject_id": "Choose one of this patient's records."})
    else:
        subject_id = None
    with transaction.atomic():
        if actor.is_patient_account:
            hourly_limit_check(
                patient=patient,
                recent=Document.objects.filter(patient=patient, requested_by=actor),
                at_field="requested_at",
                limit=PORTAL_DOCUMENTS_PER_HOUR,
                message=(
                    f"You have asked for {PORTAL_DOCUMENTS_PER_HOUR} documents in the past "
                    "hour. Please wait a little before asking for another one."
                ),
            )
        last = (
            Document.objects.select_for_update()
            .filter(kind=kind, patient=patient, subject_id=subject_id)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        document = Document.objects.create(
            kind=kind,
            patient=patient,
            subject_id=subject_id,
            version=(last or 0) + 1,
            requested_by=actor,
        )
        audit_record(
            action=AuditAction.CREATE, request=request, user=actor, patient=patient, obj=document
        )
        render_document.delay_on_commit(document.pk)
    return document


def document_retry(
    *, document: Document, actor: User, request: HttpRequest | None = None
) -> Document:
    """Render a failed document again (same version)."""
    from clinic.tasks import render_document

    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.FAILED).update(
            status=DocumentStatus.PENDING, error=""
        )
        if updated:
            audit_record(
                action=AuditAction.UPDATE,
                request=request,
                user=actor,
                patient_id=document.patient_id,
                obj=document,
            )
            render_document.delay_on_commit(document.pk)
    document.refresh_from_db()
    return document
