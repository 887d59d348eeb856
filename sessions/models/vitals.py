"""Vital signs, the alerts they raise, and a psychiatrist's override of the pre-dose gate
on a reading (session-monitoring.md §2, §4)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from sessions.models.session import EnteredInError, SessionPart, TreatmentSession


class ReadingPhase(models.TextChoices):
    PREDOSE = "predose", "Pre-dose"
    MONITORING = "monitoring", "During monitoring"


class VitalReading(EnteredInError, SessionPart):
    """One set of vitals at a time; alerts found at save are stored with it."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="readings")
    phase = models.CharField(max_length=12, choices=ReadingPhase.choices)
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    resp_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature_c = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    moaas = models.PositiveSmallIntegerField("MOAA/S", null=True, blank=True)
    dissociation = models.PositiveSmallIntegerField(
        "Dissociation (clinician rating 0–4)", null=True, blank=True
    )
    cadss6 = models.PositiveSmallIntegerField("CADSS-6 total (0–24)", null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["session", "taken_at"])]

    def __str__(self) -> str:
        return f"Vitals at {self.taken_at:%H:%M} for session {self.session_id}"

    def as_reading(self) -> dict[str, Any]:
        """The mapping `sessions.monitoring` judges."""
        return {
            "taken_at": self.taken_at,
            "systolic": self.systolic,
            "diastolic": self.diastolic,
            "heart_rate": self.heart_rate,
            "spo2": self.spo2,
            "resp_rate": self.resp_rate,
            "temperature_c": self.temperature_c,
            "moaas": self.moaas,
        }

    @property
    def bp(self) -> str:
        if self.systolic is None and self.diastolic is None:
            return ""
        return f"{self.systolic or '–'}/{self.diastolic or '–'}"


class AlertLevel(models.TextChoices):
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


# How an alert closed by marking its reading entered in error begins its action text.
ALERT_CLOSED_IN_ERROR = "Closed: the reading was entered in error"


class VitalAlert(SessionPart):
    """An alert raised by a reading; acknowledged with the action taken."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="alerts")
    reading = models.ForeignKey(VitalReading, on_delete=models.PROTECT, related_name="alerts")
    code = models.CharField(max_length=12)
    level = models.CharField(max_length=8, choices=AlertLevel.choices)
    message = models.CharField(max_length=200)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.CharField(max_length=500, blank=True)
    # Changed after it is written (acknowledged / resumed): keep the field history.
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [
            models.Index(
                fields=["level"],
                name="alert_open",
                condition=Q(acknowledged_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.code} in session {self.session_id}"

    @property
    def closed_as_in_error(self) -> bool:
        """Closed by marking its reading entered in error (not acknowledged before)."""
        return self.action_taken.startswith(ALERT_CLOSED_IN_ERROR)


class GateOverride(SessionPart):
    """A psychiatrist's written decision to dose despite a pre-dose hold on one reading."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="gate_overrides"
    )
    reading = models.OneToOneField(
        VitalReading, on_delete=models.PROTECT, related_name="gate_override"
    )
    reasons = models.JSONField()
    reason = models.TextField(max_length=2000)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"Gate override in session {self.session_id}"
