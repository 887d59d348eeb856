"""What was given: the dose, esketamine's nasal devices, and pauses of an IV infusion
(session-monitoring.md §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from sessions.models.session import EnteredInError, SessionPart, TreatmentSession


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Ketamine (racemic)"
    ESKETAMINE = "esketamine", "Esketamine (Spravato)"


class DoseRecord(SessionPart):
    """What was given (spec §3). Total mg is computed from weight × mg/kg, never typed."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="dose")
    drug = models.CharField(max_length=12, choices=Drug.choices)
    order_text = models.CharField(max_length=120)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    total_mg = models.DecimalField(max_digits=6, decimal_places=1)
    planned_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(help_text="Infusion start, injection, first device, or dose.")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Infusion end (IV).")
    lot_number = models.CharField(max_length=40)
    lot_expiry = models.DateField()
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    waste_mg = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    waste_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Racemic ketamine: what was drawn up, and (an infusion stopped early) what was given.
    concentration_mg_per_ml = models.DecimalField(
        "Concentration (mg/mL)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    volume_drawn_ml = models.DecimalField(
        "Volume drawn up (mL)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    volume_given_ml = models.DecimalField(
        "Volume given (mL)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    given_mg = models.DecimalField(
        "mg actually given", max_digits=6, decimal_places=1, null=True, blank=True
    )
    stopped_early = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            # Waste needs a witness (the dose service refuses it without one) unless the
            # location turned the witness off where state law allows (controlled ledger
            # settings): no constraint here.
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="dose_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total_mg} mg in session {self.session_id}"


class DeviceDose(EnteredInError, SessionPart):
    """One esketamine nasal device (28 mg) and when it was used."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="devices")
    number = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        constraints = [
            # A device entered in error keeps its number; the one recorded after it takes
            # the same number.
            models.UniqueConstraint(
                fields=["session", "number"],
                condition=Q(entered_in_error_at__isnull=True),
                name="device_number_once",
            )
        ]

    def __str__(self) -> str:
        return f"Device {self.number} in session {self.session_id}"


class InfusionPause(SessionPart):
    """An IV infusion paused (and later resumed) during the session."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="pauses")
    paused_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    # Changed after it is written (acknowledged / resumed): keep the field history.
    history = HistoricalRecords()

    class Meta:
        ordering = ["paused_at", "pk"]

    def __str__(self) -> str:
        return f"Pause at {self.paused_at:%H:%M} in session {self.session_id}"
