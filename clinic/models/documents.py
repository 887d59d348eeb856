"""Generated PDFs, one version per row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinic.choices import DocumentStatus
from clinic.models.patients import Patient


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
