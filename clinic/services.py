"""State changes of the core domain. Each runs in one transaction and writes its audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from clinic import permissions, preferences
from clinic.audit import audit_record
from clinic.choices import (
    JOURNEY_STATES_WITH_REASON,
    AccountType,
    AuditAction,
    DocumentStatus,
    JourneyState,
    ReminderChannel,
    Role,
)
from clinic.limits import hourly_limit_check
from clinic.models import Document, Patient, Reminder, StaffRole, User
from clinic.policy import require
from clinic.selectors import clinic_settings


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
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=patient)
    return patient


def patient_update_details(*, patient: Patient, actor: User, changes: dict[str, Any]) -> Patient:
    """Change demographics or contact details; only fields that changed are written."""
    require(
        actor,
        permissions.EDIT_PATIENT_DETAILS,
        patient=patient,
        message="Only coordinators edit patient details.",
    )
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
        audit_record(action=AuditAction.UPDATE, user=actor, patient=stored, obj=stored)
        if set(changed) & REACHED_BY:
            from clinic.notifications import reminders

            reminders.replan_for_patient(stored, clinic=clinic_settings())
    return stored


# Contact details and choices that decide how a reminder reaches the patient.
REACHED_BY = frozenset({"reminder_channel", "email", "phone", "sms_quiet_start", "sms_quiet_end"})


def patient_set_reminder_preferences(
    *,
    patient: Patient,
    actor: User,
    channel: str,
    sms_quiet_start: dt.time | None,
    sms_quiet_end: dt.time | None,
) -> Patient:
    """The patient (or a coordinator) sets how reminders reach them and their quiet hours
    for text messages; reminders not yet sent follow the new choice at once."""
    from clinic.notifications import reminders

    require(
        actor,
        permissions.SET_REMINDER_PREFERENCES,
        patient=patient,
        message="Only the patient or a coordinator sets reminder preferences.",
    )
    if channel not in ReminderChannel.values:
        raise ValidationError({"reminder_channel": "Choose how reminders should reach you."})
    with transaction.atomic():
        stored = Patient.objects.select_for_update().get(pk=patient.pk)
        errors = preferences.quiet_hours_errors(sms_quiet_start, sms_quiet_end)
        missing = preferences.missing_contacts(channel, email=stored.email, phone=stored.phone)
        if missing:
            errors["reminder_channel"] = " ".join(missing.values())
        if errors:
            raise ValidationError(errors)
        changes = {
            "reminder_channel": channel,
            "sms_quiet_start": sms_quiet_start,
            "sms_quiet_end": sms_quiet_end,
        }
        changed = [field for field, value in changes.items() if getattr(stored, field) != value]
        if not changed:
            return stored
        for field in changed:
            setattr(stored, field, changes[field])
        stored.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=stored,
            object_type="clinic.reminder_preferences",
            object_id=stored.pk,
        )
        reminders.replan_for_patient(stored, clinic=clinic_settings())
    return stored


def patient_set_care_team(
    *,
    patient: Patient,
    actor: User,
    psychiatrist: User | None,
    therapist: User | None,
) -> Patient:
    """Assign the patient's psychiatrist and integration therapist."""
    require(
        actor,
        permissions.CHANGE_CARE_TEAM,
        patient=patient,
        message="Only coordinators and psychiatrists change the care team.",
    )
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
    if unknown:
        raise ValidationError({"roles": f"Unknown roles: {sorted(unknown)}"})
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


def staff_email_set(*, user: User, email: str) -> User:
    """Correct a staff member's e-mail address (`manage.py set_staff_email`, from the
    server: in the admin the address is read-only). Any unused authenticator set-up link
    stops working, since it went to the old address."""
    from clinic.models import AuthenticatorEnrollment

    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        AuthenticatorEnrollment.objects.filter(user=user, used_at__isnull=True).update(
            expires_at=timezone.now()
        )
        audit_record(action=AuditAction.UPDATE, object_type="clinic.user.email", object_id=user.pk)
    return user


def password_link_send(*, user: User, actor: User) -> None:
    """E-mail `user` a one-time link to choose a new password, to their own address.

    The admin's way to help with a password (nobody sets another person's password). A
    worker sends it once this transaction commits (`clinic.send_password_link`).
    """
    from clinic.tasks import send_password_link

    require(
        actor,
        permissions.HELP_WITH_SIGN_IN,
        message="Only the admin role sends password links to others.",
    )
    if not user.email or not user.is_active:
        raise ValidationError("This account has no e-mail address or is switched off.")
    with transaction.atomic():
        if not user.has_usable_password():
            # A fresh account: a random password nobody knows, so the link can replace it.
            user.set_password(secrets.token_urlsafe(32))
            user.save(update_fields=["password"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            object_type="clinic.user.password_link",
            object_id=user.pk,
        )
        transaction.on_commit(partial(send_password_link.delay, user.pk))


def password_link_deliver(user_id: int) -> bool:
    """Send the password link of one account (in a worker); False when the account has
    since lost its address or been switched off."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    _password_link_email(user)
    return True


def _password_link_email(user: User) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from clinic.notifications.email import send_templated_email

    context = {
        "user": user,
        "clinic_name": clinic_settings().name,
        "protocol": "https" if settings.SITE_URL.startswith("https") else "http",
        "domain": settings.SITE_URL.split("://", 1)[-1],
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    send_templated_email("password_reset", context, [user.email])


def _normalized_email(address: str) -> str:
    """One form per address for counting and matching: Unicode-normalised and case-folded
    (so "ſam@…" or "SAM@…" is the same address as "sam@…", never three more e-mails)."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def _email_digest(address: str) -> str:
    return hashlib.sha256(_normalized_email(address).encode()).hexdigest()


def password_reset_request(*, email: str) -> None:
    """The public "forgot password" form: the same work and the same answer whether or
    not an account has this address; at most a few messages per address per hour. The
    lookup and the sending happen in a worker (`clinic.password_reset_send`)."""
    from clinic.models import PasswordResetRequest
    from clinic.tasks import password_reset_send

    digest = _email_digest(email)
    now = timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    with transaction.atomic():
        # One request per address at a time (the count below is then exact).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [digest])
        PasswordResetRequest.objects.filter(requested_at__lt=now - dt.timedelta(days=1)).delete()
        recent = PasswordResetRequest.objects.filter(
            email_digest=digest, requested_at__gt=hour_ago
        ).count()
        row = PasswordResetRequest.objects.create(
            email_digest=digest,
            email=email if recent < settings.CLINIC_PASSWORD_RESETS_PER_HOUR else "",
        )
    if row.email:
        password_reset_send.delay(row.pk)


def password_reset_deliver(request_id: int) -> int:
    """Send the password links of one "forgot password" request (in a worker); the
    address is forgotten afterwards. Returns how many accounts got a link."""
    from clinic.models import PasswordResetRequest

    row = PasswordResetRequest.objects.filter(pk=request_id).exclude(email="").first()
    if row is None:
        return 0
    sent = 0
    wanted = _normalized_email(row.email)
    for user in User.objects.filter(email__iexact=row.email, is_active=True):
        # The database's case-insensitive match may be looser than ours: send only to
        # an account whose address is the same one, never a look-alike.
        if _normalized_email(user.email) == wanted and user.has_usable_password():
            _password_link_email(user)
            sent += 1
    PasswordResetRequest.objects.filter(pk=row.pk).update(email="")
    return sent


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


def reminder_retry(*, reminder: Reminder, actor: User) -> None:
    """Staff send a failed reminder again (the next beat run picks it up)."""
    from clinic.notifications.reminders import retry_failed

    if retry_failed(reminder.pk):
        audit_record(
            action=AuditAction.UPDATE,
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
) -> Document:
    """Ask for a new version of a document; a Celery task renders it after commit."""
    from clinic.documents import DOCUMENT_KINDS
    from clinic.tasks import render_document

    spec = DOCUMENT_KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": "Unknown document."})
    if not spec.readable_by(actor, patient):
        raise PermissionDenied(
            "This document is not available to you."
            if actor.is_patient_account
            else "Your role cannot generate this document."
        )
    reason = spec.why_unavailable(patient)
    if reason:
        raise ValidationError({"kind": reason})
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
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=document)
        render_document.delay_on_commit(document.pk)
    return document


def document_retry(*, document: Document, actor: User) -> Document:
    """Render a failed document again (same version)."""
    from clinic.tasks import render_document

    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.FAILED).update(
            status=DocumentStatus.PENDING, error=""
        )
        if updated:
            audit_record(
                action=AuditAction.UPDATE,
                user=actor,
                patient_id=document.patient_id,
                obj=document,
            )
            render_document.delay_on_commit(document.pk)
    document.refresh_from_db()
    return document
