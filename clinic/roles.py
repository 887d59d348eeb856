"""Who holds which staff role, and how that changes (security.md §1).

A role opens records, so no single admin can open them to anyone: an admin asks, a
second admin decides, and nobody asks for or decides on their own roles (database
constraints back both). On a server, `manage.py grant_role` is the way in for the first
admin or a one-admin clinic. Every grant, refusal and removal is an audit row naming the
role (object type) and the person (object id).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import permissions
from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.models import RoleRequest, RoleRequestStatus, StaffRole, User
from clinic.policy import may


def _audit(action: str, *, actor: User | None, person: User, role: str) -> None:
    audit_record(
        action=action,
        user=actor,
        object_type=f"clinic.staffrole:{role}",
        object_id=f"{person.pk}:{person.get_username()}"[:64],
    )


def _check_admin(actor: User) -> None:
    if not may(actor, permissions.CHANGE_ROLES):
        raise ValidationError("Only the admin role changes staff roles.")


def _check_grantable(user: User, role: str) -> None:
    if user.is_patient_account:
        raise ValidationError({"user": "A patient login can never hold a staff role."})
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})


def role_request_create(*, actor: User, user: User, role: str, reason: str = "") -> RoleRequest:
    """Ask for `user` to be given `role`; another admin decides."""
    _check_admin(actor)
    _check_grantable(user, role)
    if actor.pk == user.pk:
        raise ValidationError({"user": "Nobody asks for a role for themselves."})
    if StaffRole.objects.filter(user=user, role=role).exists():
        raise ValidationError({"role": f"{user} already holds this role."})
    try:
        with transaction.atomic():
            role_request = RoleRequest.objects.create(
                user=user, role=role, requested_by=actor, reason=reason[:300]
            )
            _audit(AuditAction.ROLE_REQUESTED, actor=actor, person=user, role=role)
    except IntegrityError as error:
        raise ValidationError({"role": "This role is already waiting for a decision."}) from error
    return role_request


def role_request_decide(
    *,
    actor: User,
    role_request: RoleRequest,
    approve: bool,
) -> RoleRequest:
    """A second admin approves (the role is granted) or refuses a waiting request."""
    _check_admin(actor)
    with transaction.atomic():
        locked = (
            RoleRequest.objects.select_for_update().select_related("user").get(pk=role_request.pk)
        )
        if locked.status != RoleRequestStatus.PENDING:
            raise ValidationError("This request was already decided.")
        if actor.pk in (locked.requested_by_id, locked.user_id):
            raise ValidationError(
                "A second admin decides: not the one who asked, nor the person it is for."
            )
        locked.status = RoleRequestStatus.APPROVED if approve else RoleRequestStatus.REFUSED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            _grant(locked.user, locked.role)
        _audit(
            AuditAction.ROLE_GRANTED if approve else AuditAction.ROLE_REFUSED,
            actor=actor,
            person=locked.user,
            role=locked.role,
        )
    return locked


def _grant(user: User, role: str) -> StaffRole:
    _check_grantable(user, role)
    staff_role, _ = StaffRole.objects.get_or_create(user=user, role=role)
    if role == Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return staff_role


def role_grant_on_server(*, user: User, role: str) -> StaffRole:
    """`manage.py grant_role`: whoever runs commands on the server already holds the
    data; the grant is audited with no acting user."""
    with transaction.atomic():
        staff_role = _grant(user, role)
        _audit(AuditAction.ROLE_GRANTED, actor=None, person=user, role=role)
    return staff_role


def staff_role_revoke(*, actor: User, staff_role: StaffRole) -> None:
    """Remove a role (one admin is enough to close access)."""
    _check_admin(actor)
    with transaction.atomic():
        user, role = staff_role.user, staff_role.role
        StaffRole.objects.filter(pk=staff_role.pk).delete()
        if role == Role.ADMIN and user.is_staff:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        _audit(AuditAction.ROLE_REVOKED, actor=actor, person=user, role=role)
