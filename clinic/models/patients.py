"""Patients, and the append-only addendum every record that stops changing carries."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic.choices import AccountType, JourneyState, ReminderChannel, Role, SexAtBirth

if TYPE_CHECKING:
    from clinic.models.clinic_setup import ClinicSettings


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

    home_location = models.ForeignKey(
        "clinic.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_patients",
        help_text="Where the patient is usually seen; they may be seen at any location.",
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
