"""Integration-therapy notes (spec: integration-and-outcomes.md §1).

A note is a draft visible only to its author until it is signed; signing stores the
author, the time and a SHA-256 hash of the content and locks it. Corrections are addenda;
the signed content never changes (the model refuses, and the hash proves it).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic.models import Addendum, Patient


class NoteType(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    INTEGRATION = "integration", "Integration"
    GROUP_INTEGRATION = "group_integration", "Group integration"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    TELEHEALTH = "telehealth", "Telehealth"


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    VOIDED = "voided", "Voided draft"


# Each free-text section of a note: long enough for any session, bounded for the page and PDF.
NOTE_SECTION_MAX = 10_000

INTERVENTIONS = (
    ("act", "ACT"),
    ("cbt", "CBT"),
    ("ifs", "IFS (parts work)"),
    ("mindfulness", "Mindfulness"),
    ("somatic", "Somatic"),
    ("motivational", "Motivational interviewing"),
    ("psychoeducation", "Psychoeducation"),
    ("meaning_making", "Meaning-making / narrative"),
)

# The content a signature covers, in a fixed order (the hash is computed over these).
CONTENT_FIELDS = (
    "note_type",
    "patient_id",
    "date",
    "modality",
    "minutes",
    "session_ids",
    "experience",
    "themes",
    "emotional_state",
    "risk_suicidal_thoughts",
    "risk_plan",
    "protective_factors",
    "interventions",
    "intentions",
    "practices",
    "share_intentions",
    "share_practices",
    "plan",
    "free_text",
)


class NoteQuerySet(models.QuerySet):
    """Bulk `update()`/`delete()` refuse signed notes (a database trigger does the same)."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=NoteStatus.SIGNED).exists():
            raise PermissionError("A signed note never changes; write an addendum.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Notes are never deleted; a draft is voided with a reason.")


class GroupSession(models.Model):
    """One group integration meeting; each participant gets their own note."""

    date = models.DateField()
    modality = models.CharField(max_length=12, choices=Modality.choices)
    minutes = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=120, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Group integration {self.date} ({self.pk})"


class IntegrationNote(models.Model):
    """A preparation, integration or group-integration note about one patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="notes")
    note_type = models.CharField(max_length=20, choices=NoteType.choices)
    group = models.ForeignKey(
        GroupSession, on_delete=models.PROTECT, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    date = models.DateField()
    modality = models.CharField(max_length=12, choices=Modality.choices)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions = models.ManyToManyField(
        "treatment_sessions.TreatmentSession", blank=True, related_name="integration_notes"
    )
    experience = models.TextField(
        "Patient's account of the experience", blank=True, max_length=NOTE_SECTION_MAX
    )
    themes = models.TextField("Themes and insights", blank=True, max_length=NOTE_SECTION_MAX)
    emotional_state = models.TextField("Emotional state", blank=True, max_length=NOTE_SECTION_MAX)
    risk_suicidal_thoughts = models.BooleanField("Suicidal thoughts", null=True)
    risk_plan = models.BooleanField("A plan or intent", null=True)
    protective_factors = models.TextField(
        "Protective factors", blank=True, max_length=NOTE_SECTION_MAX
    )
    interventions = models.JSONField(default=list, blank=True)
    intentions = models.TextField("Intentions and goals", blank=True, max_length=NOTE_SECTION_MAX)
    practices = models.TextField("Practices / homework", blank=True, max_length=NOTE_SECTION_MAX)
    share_intentions = models.BooleanField("Share intentions with the patient", default=False)
    share_practices = models.BooleanField("Share practices with the patient", default=False)
    plan = models.TextField("Plan and next steps", blank=True, max_length=NOTE_SECTION_MAX)
    free_text = models.TextField("Other notes", blank=True, max_length=NOTE_SECTION_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_content = models.TextField(blank=True, max_length=200_000)
    content_hash = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords()

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["patient", "date"]),
            models.Index(fields=["author", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=NoteStatus.DRAFT)
                | Q(status=NoteStatus.VOIDED, voided_at__isnull=False)
                & ~Q(void_reason="")
                & Q(signed_at__isnull=True)
                | (Q(status=NoteStatus.SIGNED, signed_at__isnull=False) & ~Q(content_hash="")),
                name="note_signed_has_hash",
            ),
            models.CheckConstraint(
                condition=~Q(note_type=NoteType.GROUP_INTEGRATION) | Q(group__isnull=False),
                name="note_group_type_has_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_note_type_display()} note {self.pk} for patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and IntegrationNote.objects.filter(pk=self.pk, status=NoteStatus.SIGNED).exists()
        ):
            raise PermissionError("A signed note never changes; write an addendum.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Notes are never deleted; a draft is voided with a reason.")

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED

    @property
    def intervention_labels(self) -> list[str]:
        labels = dict(INTERVENTIONS)
        return [labels.get(code, code) for code in self.interventions]

    def content(self, session_ids: list[int] | None = None) -> dict[str, Any]:
        """The signed content as plain JSON values, in CONTENT_FIELDS order."""
        values: dict[str, Any] = {}
        for name in CONTENT_FIELDS:
            if name == "session_ids":
                ids = (
                    session_ids if session_ids is not None else [s.pk for s in self.sessions.all()]
                )
                values[name] = sorted(ids)
            elif name == "date":
                values[name] = self.date.isoformat()
            else:
                values[name] = getattr(self, name)
        return values

    @staticmethod
    def serialise(content: dict[str, Any]) -> str:
        return json.dumps(content, sort_keys=False, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def hash_of(serialised: str) -> str:
        return hashlib.sha256(serialised.encode()).hexdigest()

    def verify(self) -> bool:
        """True when the stored content still matches its hash and the note's fields."""
        if not self.is_signed:
            return False
        current = self.serialise(self.content())
        return (
            self.hash_of(self.signed_content) == self.content_hash
            and current == self.signed_content
        )


class NoteAddendum(Addendum):
    """A correction or later addition under a signed note."""

    note = models.ForeignKey(IntegrationNote, on_delete=models.PROTECT, related_name="addenda")

    class Meta(Addendum.Meta):
        verbose_name_plural = "note addenda"

    def __str__(self) -> str:
        return f"Addendum {self.pk} to note {self.note_id}"


class OutcomesSnapshot(models.Model):
    """The clinic outcomes report as last calculated in the background (one row; the
    beat task `integration.refresh_clinic_outcomes` replaces it every 5 minutes). Counts
    per protocol only, no patient."""

    calculated_at = models.DateTimeField()
    # [{"protocol", "finished", "measured", "response", "remission"}, …] by protocol name
    rows = models.JSONField()

    def __str__(self) -> str:
        return f"Clinic outcomes as of {self.calculated_at:%Y-%m-%d %H:%M}"
