"""Adverse events during a session and what was done about them
(session-monitoring.md §5)."""

from __future__ import annotations

from django.db import models

from sessions.models.session import EnteredInError, SessionPart, TreatmentSession


class AdverseEventType(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    HEADACHE = "headache", "Headache"
    DIZZINESS = "dizziness", "Dizziness"
    ANXIETY = "anxiety_agitation", "Anxiety / agitation"
    HYPERTENSION = "hypertension", "Hypertension"
    TACHYCARDIA = "tachycardia", "Tachycardia"
    SEDATION = "excessive_sedation", "Excessive sedation"
    RESPIRATORY = "respiratory_depression", "Respiratory depression"
    EMERGENCE = "emergence_reaction", "Emergence reaction"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    SERIOUS = "serious", "Serious"


class InfusionAction(models.TextChoices):
    NONE = "", "No change to the infusion"
    PAUSED = "paused", "Infusion paused"
    STOPPED = "stopped", "Infusion stopped"


class AdverseEvent(EnteredInError, SessionPart):
    """An adverse event and what was done about it (spec §5)."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    kind = models.CharField("Type", max_length=24, choices=AdverseEventType.choices)
    description = models.CharField(max_length=300, blank=True)
    onset_at = models.DateTimeField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    medication = models.CharField(max_length=80, blank=True)
    medication_dose = models.CharField(max_length=40, blank=True)
    medication_at = models.DateTimeField(null=True, blank=True)
    infusion_action = models.CharField(
        max_length=8, choices=InfusionAction.choices, blank=True, default=""
    )
    outcome = models.CharField(max_length=300, blank=True)
    rems_reportable = models.BooleanField(default=False)

    class Meta:
        ordering = ["onset_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) in session {self.session_id}"
