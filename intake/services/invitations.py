"""Invitations: the coordinator invites a patient with a single-use link; the patient
accepts it, which creates their login and opens their intake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic import services as clinic_services
from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.models import User
from clinic.policy import require
from clinic.selectors import clinic_settings
from intake.models import Intake, Invitation, InvitationStatus, new_nonce
from intake.permissions import INVITE_PATIENTS

_INVITATION_SALT = "intake.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation's current link."""
    return signing.dumps([invitation.pk, invitation.nonce], salt=_INVITATION_SALT)


@dataclass(frozen=True)
class InvitationLookup:
    invitation: Invitation | None
    problem: str  # "" | "invalid" | "expired" | "used" | "replaced"


def invitation_from_token(token: str) -> InvitationLookup:
    """Find the invitation behind a link, or say why the link does not work."""
    try:
        invitation_id, nonce = signing.loads(token, salt=_INVITATION_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return InvitationLookup(None, "invalid")
    invitation = Invitation.objects.select_related("patient").filter(pk=invitation_id).first()
    if invitation is None:
        return InvitationLookup(None, "invalid")
    if invitation.status == InvitationStatus.ACCEPTED:
        return InvitationLookup(invitation, "used")
    if invitation.nonce != nonce or invitation.status == InvitationStatus.REVOKED:
        return InvitationLookup(invitation, "replaced")
    if invitation.is_expired:
        return InvitationLookup(invitation, "expired")
    return InvitationLookup(invitation, "")


def _queue_invitation_email(invitation: Invitation) -> None:
    from intake.tasks import send_invitation

    send_invitation.delay_on_commit(invitation.pk)


def invitation_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    mobile: str,
    date_of_birth: dt.date | None = None,
) -> Invitation:
    """Create the patient record (journey: invited) and send them a single-use link."""
    require(actor, INVITE_PATIENTS, message="Only coordinators invite patients.")
    if not email and not mobile:
        raise ValidationError({"email": "Give an email address or a mobile number."})
    days = clinic_settings().invitation_valid_days
    with transaction.atomic():
        patient = clinic_services.patient_create(
            legal_first_name=first_name,
            legal_last_name=last_name,
            date_of_birth=date_of_birth,
            email=email,
            phone=mobile,
            reminder_channel="email" if email else "sms",
            journey_state=JourneyState.INVITED,
            actor=actor,
        )
        invitation = Invitation.objects.create(
            patient=patient,
            email=email,
            mobile=mobile,
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=invitation)
        _queue_invitation_email(invitation)
    return invitation


def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """A fresh link with a fresh expiry; every earlier link stops working."""
    require(actor, INVITE_PATIENTS, message="Only coordinators invite patients.")
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError("This invitation was already accepted.")
    days = clinic_settings().invitation_valid_days
    with transaction.atomic():
        invitation.nonce = new_nonce()
        invitation.status = InvitationStatus.PENDING
        invitation.expires_at = timezone.now() + dt.timedelta(days=days)
        invitation.save(update_fields=["nonce", "status", "expires_at"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=invitation.patient_id,
            obj=invitation,
        )
        _queue_invitation_email(invitation)
    return invitation


def invitation_mark_sent(*, invitation_id: int) -> None:
    """Count a sent invitation message (the email task calls this once it went out)."""
    Invitation.objects.filter(pk=invitation_id).update(
        last_sent_at=timezone.now(), send_count=F("send_count") + 1
    )


def invitation_username(invitation: Invitation) -> str:
    """The username an invited patient signs in with, assigned by the clinic: the email
    address the invitation went to, or (no email, or that address already names another
    login) the patient's record number.

    The patient never types a username, so the welcome page cannot be used to ask whether
    someone else's username exists; the only name it ever checks is the patient's own
    address, which the clinic put on the invitation."""
    patient = invitation.patient
    candidates = [invitation.email, patient.mrn.lower(), f"{patient.mrn.lower()}-{invitation.pk}"]
    for candidate in filter(None, candidates):
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise ValidationError("This invitation cannot create a login; please call the clinic.")


def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Create the patient's login from the invitation (username: `invitation_username`) and
    open their intake. The view signs the new login in."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update().select_related("patient").get(pk=invitation.pk)
        )
        if locked.status != InvitationStatus.PENDING or locked.is_expired:
            raise ValidationError("This invitation link no longer works.")
        patient = locked.patient
        user = clinic_services.patient_login_create(
            patient=patient, username=invitation_username(locked), password=password
        )
        locked.status = InvitationStatus.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["status", "accepted_at"])
        Intake.objects.get_or_create(patient=patient)
        clinic_services.patient_move_journey(
            patient=patient,
            to_state=JourneyState.INTAKE_IN_PROGRESS,
            actor=user,
        )
        audit_record(action=AuditAction.UPDATE, user=user, patient=patient, obj=locked)
    return user
