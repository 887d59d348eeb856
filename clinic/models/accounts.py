"""Logins and what they may hold: staff roles (granted by a second admin), the link that
sets up an authenticator app, and password-reset requests."""

from __future__ import annotations

from functools import cached_property

import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.choices import PATIENT_ROLE, AccountType, Role


class User(AbstractUser):
    """A login. Staff hold one or more roles; a patient login belongs to one patient.

    A patient never holds a staff role (enforced in `clinic.roles`).
    """

    account_type = models.CharField(
        max_length=10, choices=AccountType.choices, default=AccountType.STAFF
    )
    display_title = models.CharField(
        "title", max_length=20, blank=True, help_text="Shown before the name, e.g. “Dr.”."
    )
    credentials = models.CharField(
        max_length=40, blank=True, help_text="Shown after the name, e.g. “RN”, “MD”, “LMFT”."
    )
    locations = models.ManyToManyField(
        "clinic.Location",
        blank=True,
        related_name="staff",
        help_text="The clinic locations this member of staff works at.",
    )
    # The location whose schedule, board and lists the staff member last chose to see
    # (the location picker); read through `clinic.selectors.location_choice`, which falls
    # back to a location they may pick when this one is unset or no longer allowed.
    current_location = models.ForeignKey(
        "clinic.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The location the staff member's schedule, board and lists show.",
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        triggers = [
            # A patient login never becomes staff (or the reverse): security.md §1.
            pgtrigger.ReadOnly(name="account_type_never_changes", fields=["account_type"]),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values)
        instance._stored_account_type = instance.__dict__.get("account_type")
        return instance

    def save(self, *args: object, **kwargs: object) -> None:
        stored = getattr(self, "_stored_account_type", None)
        if stored is not None and self.account_type != stored:
            raise ValidationError(
                {"account_type": "An account's type (staff or patient) never changes."}
            )
        super().save(*args, **kwargs)
        self._stored_account_type = self.account_type

    @property
    def is_patient_account(self) -> bool:
        return self.account_type == AccountType.PATIENT

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """Role codes of this login; patients carry the pseudo-role "patient"."""
        if self.is_patient_account:
            return frozenset({PATIENT_ROLE})
        return frozenset(self.staff_roles.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes & set(roles))

    @property
    def display_name(self) -> str:
        name = f"{self.display_title} {self.get_full_name() or self.username}".strip()
        return f"{name}, {self.credentials}" if self.credentials else name

    def __str__(self) -> str:
        return self.display_name


class StaffRole(models.Model):
    """One role held by one staff member."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="staff_role_once_per_user")
        ]
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class RoleRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second admin"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class RoleRequest(models.Model):
    """A request to give a staff member a role, which a second admin decides.

    Nobody gives a role to themselves, and nobody approves their own request: one admin
    alone can never open clinical records to anyone (security.md §1).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_requests")
    role = models.CharField(max_length=32, choices=Role.choices)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=RoleRequestStatus.choices, default=RoleRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("user")), name="role_request_not_for_self"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | (~Q(decided_by=models.F("requested_by")) & ~Q(decided_by=models.F("user"))),
                name="role_request_decided_by_another_admin",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(status="pending"),
                name="one_pending_role_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for {self.user}"


class AuthenticatorEnrollment(models.Model):
    """A one-time link to set up an authenticator app, sent to the staff member's own
    email address: a password alone never enrolls a second factor (security.md §2)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="authenticator_enrollments"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Authenticator set-up link for {self.user}"


class PasswordResetRequest(models.Model):
    """One request of the password-reset form, by the address's digest (never the
    address): the hourly limit per address is counted here, known account or not."""

    email_digest = models.CharField(max_length=64)
    # Held only until the worker has sent the message (tasks carry ids, never addresses).
    email = models.EmailField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["email_digest", "requested_at"])]

    def __str__(self) -> str:
        return f"Password reset request at {self.requested_at:%Y-%m-%d %H:%M}"
