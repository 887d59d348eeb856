"""Protocols, treatment plans and appointments (spec: scheduling.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic import clock
from clinic.models import Chair, Patient
from intake.choices import Route
from sessions.constraints import PostgresExclusionConstraint


class Protocol(models.Model):
    """A treatment protocol (spec §2): seeded with the five defaults, editable by admin."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    route = models.CharField(max_length=24, choices=Route.choices)
    default_sessions = models.PositiveSmallIntegerField()
    per_week = models.PositiveSmallIntegerField(help_text="At most this many sessions a week.")
    weeks = models.PositiveSmallIntegerField()
    min_days_between = models.PositiveSmallIntegerField(default=2)
    chair_block_minutes = models.PositiveSmallIntegerField()
    observation_minutes = models.PositiveSmallIntegerField(
        help_text="Minimum observation before discharge."
    )
    observation_from = models.CharField(
        max_length=80, help_text="What the observation time counts from, e.g. “the infusion ends”."
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["route", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_sessions__gte=6, default_sessions__lte=8),
                name="protocol_series_6_to_8",
            ),
            models.CheckConstraint(condition=Q(per_week__gte=1), name="protocol_per_week_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class DoseMode(models.TextChoices):
    MG_PER_KG = "mg_per_kg", "mg per kg of body weight"
    FIXED_MG = "fixed_mg", "Fixed dose in mg"


class TreatmentPlan(models.Model):
    """One version of a patient's treatment plan. A change is a new version; appointments
    keep the version they were booked under."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField()
    route = models.CharField(max_length=24, choices=Route.choices)
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="plans")
    dose_mode = models.CharField(max_length=10, choices=DoseMode.choices)
    dose_mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    dose_mg = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    infusion_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    esketamine_devices = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="28 mg per device; 2 = 56 mg, 3 = 84 mg."
    )
    series_length = models.PositiveSmallIntegerField()
    maintenance_interval_weeks = models.PositiveSmallIntegerField(default=4)
    rems_patient_id = models.CharField("REMS patient enrollment id", max_length=40, blank=True)
    rems_enrolled_on = models.DateField("REMS enrollment date", null=True, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    extra_measures = models.JSONField(
        default=list,
        blank=True,
        help_text="Questionnaires before each session besides PHQ-9: gad7, pcl5.",
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="plan_version_once"),
            models.CheckConstraint(
                condition=Q(series_length__gte=6, series_length__lte=8),
                name="plan_series_6_to_8",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan v{self.version} for patient {self.patient_id} ({self.route})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("A plan version is never changed; write a new version.")
        super().save(*args, **kwargs)

    @property
    def dose_order_text(self) -> str:
        """The dose order as a clinician writes it, e.g. "0.5 mg/kg over 40 minutes"."""
        if self.esketamine_devices:
            text = f"{self.esketamine_devices} devices ({28 * self.esketamine_devices} mg)"
        elif self.dose_mode == DoseMode.MG_PER_KG and self.dose_mg_per_kg is not None:
            text = f"{self.dose_mg_per_kg.normalize():f} mg/kg"
        elif self.dose_mg is not None:
            text = f"{self.dose_mg.normalize():f} mg"
        else:
            text = "no dose order"
        if self.infusion_minutes:
            text += f" over {self.infusion_minutes} minutes"
        return text


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    IN_SESSION = "in_session", "In session"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# The cancel reason of sessions cancelled by a `declined` / `more_information` decision.
ELIGIBILITY_CANCEL_PREFIX = "Eligibility changed"


class AppointmentKind(models.TextChoices):
    INDUCTION = "induction", "Induction series"
    BOOSTER = "booster", "Maintenance booster"


class Appointment(models.Model):
    """One booked session (never one row for a recurring series).

    On PostgreSQL, exclusion constraints keep a chair and a patient from holding two
    active (not cancelled) overlapping appointments; ranges are half-open, so back-to-back
    blocks are fine.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=10, choices=AppointmentKind.choices)
    series_number = models.PositiveSmallIntegerField(null=True, blank=True)
    chair = models.ForeignKey(Chair, on_delete=models.PROTECT, related_name="appointments")
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nursing_appointments",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_to"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(default=clock.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "pk"]
        indexes = [
            models.Index(fields=["start"]),
            models.Index(fields=["patient", "start"]),
            models.Index(fields=["chair", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="appointment_cancel_needs_reason",
            ),
            # One induction series per patient: two active sessions never hold the same
            # place in it (a second series would start again at 1 of N).
            models.UniqueConstraint(
                fields=["patient", "series_number"],
                condition=Q(kind="induction") & ~Q(status=AppointmentStatus.CANCELLED),
                name="appointment_one_induction_series",
            ),
            PostgresExclusionConstraint(
                name="appointment_chair_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("chair", RangeOperators.EQUAL),
                ],
                condition=~Q(status=AppointmentStatus.CANCELLED),
            ),
            PostgresExclusionConstraint(
                name="appointment_patient_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=~Q(status=AppointmentStatus.CANCELLED),
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} for patient {self.patient_id} at {self.start:%Y-%m-%d %H:%M}"

    def set_status(self, status: str, *, actor: object, reason: str = "") -> None:
        """Move to `status`, stamping who and when (and the reason of a cancellation)."""
        self.status = status
        self.status_changed_at = clock.now()
        self.status_changed_by = actor
        fields = ["status", "status_changed_at", "status_changed_by"]
        if status == AppointmentStatus.CANCELLED:
            self.cancel_reason = reason.strip()[:300]
            fields.append("cancel_reason")
        self.save(update_fields=fields)


class BoosterRequestSource(models.TextChoices):
    PATIENT = "patient", "Requested by the patient"
    PSYCHIATRIST = "psychiatrist", "Ordered by the psychiatrist"


class BoosterRequest(models.Model):
    """An "as needed" booster asked for by the patient or ordered by a psychiatrist."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="booster_requests")
    source = models.CharField(max_length=12, choices=BoosterRequestSource.choices)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="booster_request"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # At most one request waits per patient; booking it answers it (one to one).
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(appointment__isnull=True),
                name="booster_request_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"Booster request {self.pk} for patient {self.patient_id}"


class CalendarFeed(models.Model):
    """A staff member's private calendar subscription. Only the token's hash is stored;
    revoking it (or making a new one) stops the old address at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed {self.pk} of user {self.user_id}"


class BenefitDecision(models.TextChoices):
    CONTINUE = "continue", "Continue to maintenance boosters"
    CHANGE_ROUTE = "change_route", "Change route (write a new plan)"
    STOP = "stop", "Stop treatment"


class BenefitReview(models.Model):
    """The psychiatrist's end-of-induction benefit review (scheduling.md §4): the PHQ-9
    change and the decision, needed before the first maintenance booster. Never changed;
    a later review supersedes it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="benefit_reviews")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="+")
    phq9_baseline = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_latest = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_change = models.CharField(max_length=12, blank=True)
    decision = models.CharField(max_length=12, choices=BenefitDecision.choices)
    note = models.TextField(max_length=2000)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-signed_at", "-pk"]

    def __str__(self) -> str:
        return f"Benefit review of patient {self.patient_id}: {self.decision}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("A signed review is never changed; record a new one.")
        super().save(*args, **kwargs)

    @property
    def phq9_change_label(self) -> str:
        return self.phq9_change.replace("_", " ") if self.phq9_change else "not measured"
