"""API clients (OAuth 2.0 client credentials) and the short-lived bearer tokens they get.

Neither the client's secret nor a token is ever stored: the secret is kept as a Django
password hash (so it cannot be read back, only checked), a token as its SHA-256 (a
token is random and long, so a fast hash cannot be reversed, and the lookup stays one
indexed query per request)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

DEFAULT_RATE_PER_MINUTE = 120


class ApiClient(models.Model):
    """A system the admin lets read the API: what it may read (SMART v1 system scopes),
    optionally narrowed to one patient or one location, until when, how fast."""

    name = models.CharField(max_length=100, unique=True)
    client_id = models.CharField(max_length=40, unique=True, editable=False)
    secret_hash = models.CharField(max_length=256, editable=False)
    scopes = models.CharField(
        max_length=1000,
        help_text=(
            "SMART system scopes separated by spaces, e.g. "
            "“system/Patient.read system/Observation.read”, or “system/*.read”."
        ),
    )
    notes = models.BooleanField(
        "may read integration-therapy notes",
        default=False,
        help_text="Off by default: therapy notes are the most sensitive part of the record.",
    )
    patient = models.ForeignKey(
        "clinic.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Only this patient's record (leave empty for every patient).",
    )
    location = models.ForeignKey(
        "clinic.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=("Only patients whose home location this is, or who were booked at its chairs."),
    )
    rate_per_minute = models.PositiveIntegerField(
        "requests per minute", default=DEFAULT_RATE_PER_MINUTE
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "API client"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AccessToken(models.Model):
    """A bearer token issued to a client: valid until `expires_at`, unless revoked (it is
    revoked with its client, and when the client gets a new secret)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=1000)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} of {self.client}"


# The bulk export's rows live with their code (fhir/bulk/), in this app.
from fhir.bulk.models import ExportFile, ExportJob  # noqa: E402, F401
