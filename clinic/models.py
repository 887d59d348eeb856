"""The core domain every feature app builds on."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import date
from functools import cached_property

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic.choices import (
    PATIENT_ROLE,
    AccountType,
    AuditAction,
    Channel,
    DocumentStatus,
    JourneyState,
    PaperSize,
    ReminderChannel,
    ReminderStatus,
    Role,
    SexAtBirth,
    Weekday,
)
from clinic.notifications.kinds import kind_choices


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. America/New_York).")


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
    role = models.CharField(max_length=20, choices=Role.choices)
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
    role = models.CharField(max_length=20, choices=Role.choices)
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


class ClinicSettings(models.Model):
    """The clinic's stored configuration. One row (pk 1), edited by the admin role."""

    name = models.CharField(max_length=120, default="Ketamine Clinic")
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True, max_length=500)

    nurse_capacity = models.PositiveSmallIntegerField(
        default=3, help_text="Most sessions one nurse may be assigned at the same time."
    )
    invitation_valid_days = models.PositiveSmallIntegerField(default=7)
    rems_certification_id = models.CharField(
        "REMS certification id",
        max_length=64,
        blank=True,
        help_text="The clinic's Spravato REMS healthcare-setting certification.",
    )
    rems_certified_on = models.DateField("REMS certified on", null=True, blank=True)
    sms_quiet_start = models.TimeField(default="21:00")
    sms_quiet_end = models.TimeField(default="08:00")
    paper_size = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.A4)

    # Vital-sign limits (session-monitoring.md, engine-api.md VitalLimits defaults).
    bp_high_warning_systolic = models.PositiveSmallIntegerField(default=160)
    bp_high_warning_diastolic = models.PositiveSmallIntegerField(default=100)
    bp_high_critical_systolic = models.PositiveSmallIntegerField(default=180)
    bp_high_critical_diastolic = models.PositiveSmallIntegerField(default=110)
    bp_low_warning = models.PositiveSmallIntegerField("BP low warning (systolic)", default=90)
    bp_low_critical = models.PositiveSmallIntegerField("BP low critical (systolic)", default=80)
    hr_high_warning = models.PositiveSmallIntegerField(default=120)
    hr_high_critical = models.PositiveSmallIntegerField(default=140)
    hr_low_warning = models.PositiveSmallIntegerField(default=50)
    hr_low_critical = models.PositiveSmallIntegerField(default=40)
    spo2_low_warning = models.PositiveSmallIntegerField(default=94)
    spo2_low_critical = models.PositiveSmallIntegerField(default=90)
    rr_low_warning = models.PositiveSmallIntegerField(default=10)
    rr_low_critical = models.PositiveSmallIntegerField(default=8)
    rr_high_warning = models.PositiveSmallIntegerField(default=30)
    rr_high_critical = models.PositiveSmallIntegerField(default=40)
    bp_rise_warning = models.PositiveSmallIntegerField(default=40)
    predose_bp_esketamine_systolic = models.PositiveSmallIntegerField(default=140)
    predose_bp_esketamine_diastolic = models.PositiveSmallIntegerField(default=90)
    predose_bp_esketamine_65_systolic = models.PositiveSmallIntegerField(default=150)
    predose_bp_esketamine_65_diastolic = models.PositiveSmallIntegerField(default=90)
    predose_bp_other_systolic = models.PositiveSmallIntegerField(default=160)
    predose_bp_other_diastolic = models.PositiveSmallIntegerField(default=100)
    predose_hr_low = models.PositiveSmallIntegerField(default=45)
    predose_hr_high = models.PositiveSmallIntegerField(default=120)
    predose_spo2 = models.PositiveSmallIntegerField(default=94)

    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_settings_single_row")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.bp_high_critical_systolic <= self.bp_high_warning_systolic:
            errors["bp_high_critical_systolic"] = "Must be above the warning level."
        if self.bp_low_critical >= self.bp_low_warning:
            errors["bp_low_critical"] = "Must be below the warning level."
        if self.hr_high_critical <= self.hr_high_warning:
            errors["hr_high_critical"] = "Must be above the warning level."
        if self.hr_low_critical >= self.hr_low_warning:
            errors["hr_low_critical"] = "Must be below the warning level."
        if self.spo2_low_critical >= self.spo2_low_warning:
            errors["spo2_low_critical"] = "Must be below the warning level."
        if self.predose_hr_low >= self.predose_hr_high:
            errors["predose_hr_low"] = "Must be below the upper heart-rate limit."
        if self.spo2_low_warning > 100 or self.predose_spo2 > 100:
            errors["spo2_low_warning"] = "SpO2 limits are percentages (at most 100)."
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def vital_limit_values(self) -> dict[str, int | tuple[int, int]]:
        """The stored limits as keyword arguments for `sessions.monitoring.VitalLimits`."""
        return {
            "bp_high_warning": (self.bp_high_warning_systolic, self.bp_high_warning_diastolic),
            "bp_high_critical": (self.bp_high_critical_systolic, self.bp_high_critical_diastolic),
            "bp_low_warning": self.bp_low_warning,
            "bp_low_critical": self.bp_low_critical,
            "hr_high_warning": self.hr_high_warning,
            "hr_high_critical": self.hr_high_critical,
            "hr_low_warning": self.hr_low_warning,
            "hr_low_critical": self.hr_low_critical,
            "spo2_low_warning": self.spo2_low_warning,
            "spo2_low_critical": self.spo2_low_critical,
            "rr_low_warning": self.rr_low_warning,
            "rr_low_critical": self.rr_low_critical,
            "rr_high_warning": self.rr_high_warning,
            "rr_high_critical": self.rr_high_critical,
            "bp_rise_warning": self.bp_rise_warning,
            "predose_bp_esketamine": (
                self.predose_bp_esketamine_systolic,
                self.predose_bp_esketamine_diastolic,
            ),
            "predose_bp_esketamine_65": (
                self.predose_bp_esketamine_65_systolic,
                self.predose_bp_esketamine_65_diastolic,
            ),
            "predose_bp_other": (self.predose_bp_other_systolic, self.predose_bp_other_diastolic),
            "predose_hr": (self.predose_hr_low, self.predose_hr_high),
            "predose_spo2": self.predose_spo2,
        }


class OpeningHours(models.Model):
    """The clinic's hours on one weekday; a weekday without a row is closed."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="opening_hours_close_after_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "Closing time must be after opening time."})


class Closure(models.Model):
    """A whole day the clinic is closed (holiday, training day)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class Chair(models.Model):
    """A treatment chair or room where a session takes place."""

    name = models.CharField(max_length=60, unique=True)
    room = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class Patient(models.Model):
    """A person in (or invited to) the program: demographics, contact, journey, care team.

    Never deleted: a patient leaves the program by the `discharged` journey state.
    """

    mrn = models.CharField("record number", max_length=20, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patient",
        limit_choices_to={"account_type": AccountType.PATIENT},
    )
    legal_first_name = models.CharField(max_length=80)
    legal_last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    # Unknown until the patient's intake when the invitation did not carry it.
    date_of_birth = models.DateField(null=True, blank=True)
    sex_at_birth = models.CharField(max_length=20, choices=SexAtBirth.choices, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)

    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="International format.")
    address_line1 = models.CharField("address", max_length=120, blank=True)
    address_line2 = models.CharField("address line 2", max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField("state / region", max_length=80, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")

    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)

    reminder_channel = models.CharField(
        max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL
    )
    # The patient's own quiet hours for text messages; empty: the clinic's (ClinicSettings).
    sms_quiet_start = models.TimeField("quiet hours for texts from", null=True, blank=True)
    sms_quiet_end = models.TimeField("quiet hours for texts until", null=True, blank=True)

    journey_state = models.CharField(
        max_length=24, choices=JourneyState.choices, default=JourneyState.INVITED
    )
    journey_state_since = models.DateTimeField(default=timezone.now)
    journey_reason = models.CharField(max_length=300, blank=True)

    psychiatrist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="psychiatry_patients",
        limit_choices_to={"staff_roles__role": Role.PSYCHIATRIST},
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="therapy_patients",
        limit_choices_to={"staff_roles__role": Role.THERAPIST},
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "pk"]
        indexes = [
            models.Index(fields=["legal_last_name", "legal_first_name"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["journey_state", "journey_state_since"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sms_quiet_start__isnull=True, sms_quiet_end__isnull=True)
                | (
                    Q(sms_quiet_start__isnull=False, sms_quiet_end__isnull=False)
                    & ~Q(sms_quiet_start=models.F("sms_quiet_end"))
                ),
                name="patient_quiet_hours_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def first_name(self) -> str:
        return self.preferred_name or self.legal_first_name

    @property
    def full_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    def sms_quiet_hours(self, clinic: ClinicSettings) -> tuple[dt.time, dt.time]:
        """(start, end) of the hours no text message is sent: the patient's own or the
        clinic's."""
        if self.sms_quiet_start is not None and self.sms_quiet_end is not None:
            return self.sms_quiet_start, self.sms_quiet_end
        return clinic.sms_quiet_start, clinic.sms_quiet_end

    @property
    def name_for_list(self) -> str:
        preferred = (
            f" ({self.preferred_name})"
            if self.preferred_name and self.preferred_name != self.legal_first_name
            else ""
        )
        return f"{self.legal_last_name}, {self.legal_first_name}{preferred}"

    @property
    def initials(self) -> str:
        return f"{self.legal_first_name[:1]}{self.legal_last_name[:1]}".upper()

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class AddendumQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("An addendum is never changed; write another.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("An addendum is never deleted; write another.")


class Addendum(models.Model):
    """A correction or late entry under a record that no longer changes (a signed note, a
    locked session record): append-only, with who, when and why."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300)
    text = models.TextField(max_length=5000)

    objects = AddendumQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["written_at", "pk"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("An addendum is never changed; write another.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("An addendum is never deleted; write another.")

    @staticmethod
    def input_errors(reason: str, text: str) -> dict[str, str]:
        """What is missing from an addendum, by field."""
        errors = {}
        if not reason.strip():
            errors["reason"] = "Say why you are adding this (e.g. “late entry”, “correction”)."
        if not text.strip():
            errors["text"] = "Write the addendum."
        return errors


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("Audit rows are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit rows are append-only.")


class AuditEvent(models.Model):
    """One row per view or change of patient data (security.md §3).

    Append-only: refused by the model layer here and by a trigger on PostgreSQL. Each
    row stores the hash of the row before it, so a changed or removed row breaks the
    chain that `manage.py verify_audit` checks.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=80, blank=True)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["patient", "-occurred_at"]),
            models.Index(fields=["user", "-occurred_at"]),
            models.Index(fields=["action", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Audit rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit rows are append-only.")


class Reminder(models.Model):
    """One message to send once: a row per (kind, target, due time).

    `target` names what it is about and who receives it on which channel, e.g.
    ``appointment:42/patient:7/sms``; the uniqueness rule makes planning idempotent and
    the send task's atomic claim makes delivery happen once.
    """

    kind = models.CharField(max_length=24, choices=kind_choices)  # each app declares its own
    target = models.CharField(max_length=120)
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        help_text="A staff recipient; empty when the patient receives it.",
    )
    address = models.CharField(max_length=254, help_text="Email address or E.164 number.")
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target", "due_at"], name="reminder_once_per_kind_target_time"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_due"),
            models.Index(fields=["patient", "-due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def subject(self) -> str:
        """What the reminder is about: the part of `target` before the recipient."""
        return self.target.split("/", 1)[0]

    @property
    def subject_ids(self) -> list[int]:
        """The ids in the subject, e.g. [12, 13] for "booked:12-13", [5] for "intake:5-…"."""
        tail = self.subject.split(":", 1)[-1]
        return [int(part) for part in tail.split("-") if part.isdigit()]

    @property
    def idempotency_key(self) -> str:
        """Stable per reminder: a sink or provider that sees it twice keeps one message."""
        return f"reminder-{self.pk}"


class Document(models.Model):
    """A generated PDF: one version of one kind of document about a patient. Regenerating
    makes a new version; old versions stay downloadable."""

    kind = models.CharField(max_length=40)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    subject_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The session or decision it is about, if any."
    )
    version = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    record_version = models.CharField(
        max_length=120, blank=True, help_text="Which state of the record it reflects."
    )
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "patient", "subject_id", "version"], name="document_version_once"
            )
        ]
        indexes = [models.Index(fields=["patient", "kind", "-version"])]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} for patient {self.patient_id}"
