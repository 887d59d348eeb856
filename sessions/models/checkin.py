"""Before the dose: the check-in checklist and the patient's pregnancy tests
(session-monitoring.md §1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from clinic import clock
from clinic.models import Patient
from sessions.models.session import SessionPart, TreatmentSession


class CheckInItem(models.TextChoices):
    IDENTITY = "identity", "Identity confirmed"
    WEIGHT = "weight_kg", "Weight today (kg)"
    FASTING = "fasting", "Fasting as instructed"
    ESCORT = "escort", "Escort present or confirmed for pick-up"
    NO_DRIVING = "no_driving", "Agrees not to drive until tomorrow"
    PREGNANCY = "pregnancy", "Pregnancy status re-confirmed"
    MEDICATION_CHANGES = "medication_changes", "Medication changes since last visit"
    PHQ9 = "phq9", "Pre-session PHQ-9"
    ASQ = "asq", "Pre-session ASQ suicide risk screen"


class CheckInEntry(SessionPart):
    """One answer on the check-in checklist. Entries are appended; the latest per item
    counts, so a corrected weight keeps the first entry visible. A weight is stored as
    {"kg": "82.4", "confirmed": bool} (older entries: the kg as a string)."""

    item = models.CharField(max_length=20, choices=CheckInItem.choices)
    value = models.JSONField()
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="checkin_entries"
    )

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name_plural = "check-in entries"

    def __str__(self) -> str:
        return f"{self.item} for session {self.session_id}"


class PregnancyTestKind(models.TextChoices):
    URINE = "urine", "Urine"
    SERUM = "serum", "Serum"


class PregnancyTestResult(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"


class PregnancyTest(models.Model):
    """A pregnancy test result (session-monitoring.md §1). Kept with the patient: a test
    counts for any session within 7 days of it. Never changed."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="pregnancy_tests")
    session = models.ForeignKey(
        TreatmentSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pregnancy_tests",
    )
    tested_on = models.DateField()
    kind = models.CharField(max_length=8, choices=PregnancyTestKind.choices)
    result = models.CharField(max_length=10, choices=PregnancyTestResult.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-tested_on", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["patient", "tested_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} pregnancy test {self.result} on {self.tested_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("A test result is never changed; record a new one.")
        super().save(*args, **kwargs)


class PregnancyNotApplicable(models.Model):
    """A clinician's record that pregnancy is not possible for this patient (e.g.
    hysterectomy, menopause), with the reason. The latest one counts."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="pregnancy_not_applicable"
    )
    reason = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Pregnancy not applicable for patient {self.patient_id}"
