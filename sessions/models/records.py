"""The session record: what happens in the chair for one appointment
(spec: session-monitoring.md).

Once the psychiatrist co-signs, the record is locked: every model here refuses a change
in `save()`/`delete()` and in queryset `update()`/`delete()`, and on PostgreSQL a trigger
(migration 0006) refuses the same at the database. Corrections are `SessionAddendum` rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
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
                condition=Q(nurse_signed_at__isnull=True) | Q(discharged_at__isnull=False),
                name="session_sign_after_discharge",
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
            models.CheckConstraint(
                condition=Q(waste_mg__isnull=True) | Q(waste_witness__isnull=False),
                name="dose_waste_needs_witness",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="dose_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total_mg} mg in session {self.session_id}"


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


class PregnancyTestPolicy(models.TextChoices):
    FIRST_DOSE = "first_dose", "Before the first dose (and whenever pregnancy is unsure)"
    EVERY_DOSE = "every_dose", "Before every dose"


class SessionSafetySettings(models.Model):
    """The clinic's dose limits and pregnancy-test policy (one row, pk 1, edited by the
    admin). The limits are `sessions.dosing.DoseLimits`; the engine holds the defaults."""

    iv_usual_mg_per_kg = models.DecimalField(
        "IV usual (mg/kg, warn above)", max_digits=4, decimal_places=2, default=Decimal("0.75")
    )
    iv_max_mg_per_kg = models.DecimalField(
        "IV maximum (mg/kg, refuse above)", max_digits=4, decimal_places=2, default=Decimal("1.0")
    )
    im_usual_mg_per_kg = models.DecimalField(
        "IM usual (mg/kg, warn above)", max_digits=4, decimal_places=2, default=Decimal("0.75")
    )
    im_max_mg_per_kg = models.DecimalField(
        "IM maximum (mg/kg, refuse above)", max_digits=4, decimal_places=2, default=Decimal("1.0")
    )
    max_total_mg = models.DecimalField(
        "IV/IM maximum total (mg)", max_digits=6, decimal_places=1, default=Decimal("150")
    )
    oral_usual_mg = models.DecimalField(
        "Oral usual (mg, warn above)", max_digits=6, decimal_places=1, default=Decimal("200")
    )
    oral_max_mg = models.DecimalField(
        "Oral maximum (mg, refuse above)", max_digits=6, decimal_places=1, default=Decimal("300")
    )
    iv_min_infusion_minutes = models.PositiveSmallIntegerField(
        "Shortest IV infusion that may be ordered (minutes)", default=40
    )
    infusion_tolerance_percent = models.PositiveSmallIntegerField(
        "An infusion may run this much shorter than ordered (%)", default=10
    )
    weight_change_percent = models.PositiveSmallIntegerField(
        "Weight change that must be confirmed (%)", default=10
    )
    pregnancy_test_policy = models.CharField(
        max_length=12,
        choices=PregnancyTestPolicy.choices,
        default=PregnancyTestPolicy.FIRST_DOSE,
    )
    rems_form_version = models.ForeignKey(
        "RemsFormVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The REMS monitoring form version the clinic files (blank: the newest).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "dose limits and pregnancy tests"
        verbose_name_plural = "dose limits and pregnancy tests"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="session_safety_single_row"),
            models.CheckConstraint(
                condition=Q(iv_usual_mg_per_kg__lte=models.F("iv_max_mg_per_kg"))
                & Q(im_usual_mg_per_kg__lte=models.F("im_max_mg_per_kg"))
                & Q(oral_usual_mg__lte=models.F("oral_max_mg")),
                name="session_safety_usual_below_max",
            ),
        ]

    def __str__(self) -> str:
        return "Dose limits and pregnancy tests"

    def clean(self) -> None:
        errors = {}
        for usual, maximum in (
            ("iv_usual_mg_per_kg", "iv_max_mg_per_kg"),
            ("im_usual_mg_per_kg", "im_max_mg_per_kg"),
            ("oral_usual_mg", "oral_max_mg"),
        ):
            low, high = getattr(self, usual), getattr(self, maximum)
            if low is not None and high is not None and low > high:
                errors[usual] = "The usual dose must not be above the maximum."
        if self.infusion_tolerance_percent > 50:
            errors["infusion_tolerance_percent"] = "At most 50 %."
        if not 1 <= self.weight_change_percent <= 50:
            errors["weight_change_percent"] = "Between 1 and 50 %."
        if errors:
            raise ValidationError(errors)

    def dose_limit_values(self) -> dict[str, Any]:
        """The stored limits as keyword arguments for `sessions.dosing.DoseLimits`."""
        return {
            "iv_usual_mg_per_kg": self.iv_usual_mg_per_kg,
            "iv_max_mg_per_kg": self.iv_max_mg_per_kg,
            "im_usual_mg_per_kg": self.im_usual_mg_per_kg,
            "im_max_mg_per_kg": self.im_max_mg_per_kg,
            "max_total_mg": self.max_total_mg,
            "oral_usual_mg": self.oral_usual_mg,
            "oral_max_mg": self.oral_max_mg,
            "iv_min_infusion_minutes": self.iv_min_infusion_minutes,
            "infusion_tolerance": Decimal(self.infusion_tolerance_percent) / 100,
            "weight_change_fraction": Decimal(self.weight_change_percent) / 100,
        }


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


class RemsFormVersion(models.Model):
    """A version of the Spravato REMS Patient Monitoring Form: its sections and fields in
    order, each a key the product fills from the session record (`sessions.selectors.rems`)
    with the label the form uses. The REMS has changed the form before; a new version is a
    new row (admin), not a code change. The clinic picks the one it must file."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=120)
    effective_from = models.DateField()
    layout = models.JSONField(
        help_text='[{"section": "Patient", "fields": [["patient_name", "Patient name"], …]}, …]'
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def clean(self) -> None:
        from sessions.selectors.rems import FIELD_KEYS

        problems = []
        if not isinstance(self.layout, list) or not self.layout:
            raise ValidationError({"layout": "List the form's sections with their fields."})
        for section in self.layout:
            fields = section.get("fields") if isinstance(section, dict) else None
            if not isinstance(fields, list) or not section.get("section"):
                problems.append("Each section needs a name and a list of fields.")
                continue
            for field in fields:
                if (
                    not isinstance(field, list)
                    or len(field) != 2
                    or field[0] not in FIELD_KEYS
                    or not str(field[1]).strip()
                ):
                    problems.append(f"Unknown or unlabelled field {field!r}.")
        if problems:
            raise ValidationError({"layout": problems})

    @property
    def field_keys(self) -> list[str]:
        return [key for section in self.layout for key, _label in section["fields"]]


class RemsSubmission(models.Model):
    """The clinic's record that the REMS monitoring form of a session was submitted
    (kept outside the locked record: it happens after co-signing)."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="rems_submission"
    )
    submitted_on = models.DateField()
    confirmation = models.CharField(max_length=60, blank=True)
    # Fields the record did not hold when it was submitted, and why it went without them.
    missing_fields = models.JSONField(default=list, blank=True)
    missing_note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"REMS form for session {self.session_id}"
