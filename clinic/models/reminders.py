"""Reminder rows: one message to send once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinic.choices import Channel, ReminderStatus
from clinic.models.patients import Patient
from clinic.notifications.kinds import kind_choices


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
