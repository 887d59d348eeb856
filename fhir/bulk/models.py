"""An export job and its NDJSON files.

One requester (a staff login or an API client) has at most one export queued or running
at a time: the database says so (a partial unique constraint), so two kick-offs at once
cannot both start. A finished export's files live in Django's storage until
`expires_at` (24 hours after it finished); the row stays as the record of what was
exported (types, counts, how many patients), its files are deleted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportLevel(models.TextChoices):
    SYSTEM = "system", "System ($export)"
    PATIENT = "patient", "Patient ($export on Patient)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired (files deleted)"


ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    level = models.CharField(max_length=10, choices=ExportLevel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    client = models.ForeignKey(
        "fhir.ApiClient", on_delete=models.PROTECT, null=True, blank=True, related_name="exports"
    )
    scopes = models.CharField(
        max_length=1000, blank=True, help_text="The client's token scopes at kick-off."
    )
    request_url = models.CharField(max_length=2000)
    types = models.CharField(max_length=1000, help_text="Resource types, space separated.")
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.CharField(max_length=100, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="Resources per type.")
    patient_count = models.PositiveIntegerField(
        default=0, help_text="Patients whose records the files hold."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) ^ Q(client__isnull=True),
                name="fhir_export_one_requester",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=ACTIVE),
                name="fhir_export_one_active_per_user",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=ACTIVE),
                name="fhir_export_one_active_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.get_status_display()})"

    @property
    def type_list(self) -> list[str]:
        return self.types.split()

    @property
    def is_expired(self) -> bool:
        """Past its expiry: its files are deleted, or about to be (the hourly task)."""
        return self.status == ExportStatus.EXPIRED or (
            self.expires_at is not None and self.expires_at <= timezone.now()
        )


# A `_since` export's `deleted` file of a type (transaction Bundles deleting what the API
# stopped serving) is stored as that type with this prefix: `DeletedAdverseEvent`.
DELETED_PREFIX = "Deleted"


class ExportFile(models.Model):
    """One NDJSON file: one resource type, part `part` (a type is split every
    `FHIR_EXPORT_RESOURCES_PER_FILE` resources); or the type's deleted resources
    (`DELETED_PREFIX`)."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=64)
    part = models.PositiveIntegerField()
    file = models.FileField(max_length=300)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["job", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "resource_type", "part"], name="fhir_export_file_unique_part"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}-{self.part}.ndjson"

    @property
    def name(self) -> str:
        return str(self)

    @property
    def deleted(self) -> bool:
        """A file of deleted resources (the manifest's `deleted`), not of `output`."""
        return self.resource_type.startswith(DELETED_PREFIX)

    @property
    def read_type(self) -> str:
        """The resource type reading this file needs."""
        return self.resource_type.removeprefix(DELETED_PREFIX)
