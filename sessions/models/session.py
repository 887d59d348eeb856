"""The session record: one session in the chair for a booked appointment, the parts it
is made of, and the addenda under it (spec: session-monitoring.md).

Once the psychiatrist co-signs, the record is locked: every model of the record refuses a
change in `save()`/`delete()` and in queryset `update()`/`delete()`, and on PostgreSQL a
trigger (migration 0006) refuses the same at the database. Corrections are
`SessionAddendum` rows. Discharge and the two signatures are fields of the session.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from clinic import clock
from clinic.models import Addendum, Patient
from intake.choices import Route
from sessions.models.scheduling import Appointment, TreatmentPlan


class RecordLocked(PermissionError):
    """Raised on any attempt to change a co-signed session record."""

    def __init__(self) -> None:
        super().__init__("This session record is signed and locked; add an addendum instead.")


class LockedAwareQuerySet(models.QuerySet):
    """Bulk `update()`/`delete()` refuse rows of a locked record (the model layer's half of
    the lock; the database trigger is the other half)."""

    lock_filter = "session__cosigned_at__isnull"

    def _touches_locked(self) -> bool:
        return self.filter(**{self.lock_filter: False}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_locked():
            raise RecordLocked
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_locked():
            raise RecordLocked
        return super().delete()


class SessionQuerySet(LockedAwareQuerySet):
    lock_filter = "cosigned_at__isnull"


class TreatmentSession(models.Model):
    """One session in the chair, opened at check-in for a booked appointment."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="treatment_session"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=24, choices=Route.choices)
    supervising_psychiatrist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_sessions",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=clock.now)
    # A psychiatrist may raise the dose ceiling for this session above the plan's order.
    amended_mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    amended_mg = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    amended_devices = models.PositiveSmallIntegerField(null=True, blank=True)
    amendment_reason = models.TextField(blank=True, max_length=2000)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amended_at = models.DateTimeField(null=True, blank=True)
    # Discharge assessment (spec §6), each confirmed by a tap.
    oriented = models.BooleanField(default=False)
    steady_gait = models.BooleanField(default=False)
    nausea_controlled = models.BooleanField(default=False)
    escort_present = models.BooleanField(default=False)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    ready_to_leave_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    discharge_override_reason = models.TextField(blank=True, max_length=2000)
    discharge_unmet = models.JSONField(default=list, blank=True)
    # REMS form (esketamine): when the patient would have been clinically ready to leave
    # had there been no 2-hour rule, in minutes after the first device (nurse's judgement).
    rems_ready_minutes = models.PositiveSmallIntegerField(
        "Clinically ready to leave (minutes after the first device, without the 2-hour rule)",
        null=True,
        blank=True,
    )
    # A session that ended at the chair without a dose (the gate held, the patient
    # declined or felt unwell): when, who and why; it stands for the discharge.
    ended_without_dose_at = models.DateTimeField(null=True, blank=True)
    ended_without_dose_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_without_dose_reason = models.TextField(blank=True, max_length=2000)
    nurse_signed_at = models.DateTimeField(null=True, blank=True)
    nurse_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["patient", "opened_at"]),
            models.Index(
                fields=["discharged_at"],
                name="session_in_progress",
                condition=Q(discharged_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cosigned_at__isnull=True) | Q(nurse_signed_at__isnull=False),
                name="session_cosign_after_nurse_sign",
            ),
            models.CheckConstraint(
                condition=Q(nurse_signed_at__isnull=True)
                | Q(discharged_at__isnull=False)
                | Q(ended_without_dose_at__isnull=False),
                name="session_sign_after_discharge",
            ),
            # A session ends one way: discharged after a dose, or ended without one.
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(ended_without_dose_at__isnull=True),
                name="session_discharged_or_ended_without_dose",
            ),
            # Two people sign a record: the co-signer is never the one who signed.
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True) | ~Q(cosigned_by=F("nurse_signed_by")),
                name="session_cosigned_by_another_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} for patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and TreatmentSession.objects.filter(pk=self.pk, cosigned_at__isnull=False).exists()
        ):
            raise RecordLocked
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if TreatmentSession.objects.filter(pk=self.pk, cosigned_at__isnull=False).exists():
            raise RecordLocked
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.cosigned_at is not None

    @property
    def ended(self) -> bool:
        """Discharged after the dose, or ended at the chair without one."""
        return self.discharged_at is not None or self.ended_without_dose_at is not None


class SessionPart(models.Model):
    """A piece of the record: who entered it and when; refuses changes once locked."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    objects = LockedAwareQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._locked():
            raise RecordLocked
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._locked():
            raise RecordLocked
        return super().delete(*args, **kwargs)

    def _locked(self) -> bool:
        return TreatmentSession.objects.filter(
            pk=self.session_id, cosigned_at__isnull=False
        ).exists()


class EnteredInError(models.Model):
    """An entry marked "entered in error" before the record is signed (never deleted): it
    stays on the record struck through, with who, when and why, and no rule, chart or
    form counts it (session-monitoring.md §7)."""

    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def in_error(self) -> bool:
        return self.entered_in_error_at is not None


class SessionAddendum(Addendum):
    """A correction or late entry added under a (usually locked) record."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    # The entry this addendum declares entered in error after signing ("reading:12",
    # "device:3", "event:5"; blank for any other addendum).
    corrects = models.CharField(max_length=40, blank=True)

    class Meta(Addendum.Meta):
        verbose_name_plural = "session addenda"

    def __str__(self) -> str:
        return f"Addendum {self.pk} to session {self.session_id}"
