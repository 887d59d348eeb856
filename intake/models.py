"""Invitations, the intake questionnaire, measures, screening results and decisions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic import clock
from clinic.models import Patient
from intake.choices import Route
from intake.instruments import ASQ_BAND_LABELS, INSTRUMENT_LABELS


def new_nonce() -> str:
    return secrets.token_hex(16)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Sent, not yet opened"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Replaced by a newer link"


class Invitation(models.Model):
    """A single-use link that lets an invited patient create their login.

    The link carries a signed (invitation id, nonce) pair; the nonce changes when the
    invitation is resent, so only the newest link works. Nothing secret is stored.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=20, blank=True)
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(mobile=""), name="invitation_has_a_contact"
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for patient {self.patient_id}"

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()

    @property
    def status_label(self) -> str:
        if self.is_expired:
            return "Expired"
        return self.get_status_display()


class IntakeStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    REOPENED = "reopened", "Reopened for more information"


class Intake(models.Model):
    """One patient's intake questionnaire: answers by the keys of spec §2, saved per step."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="intake")
    status = models.CharField(
        max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.IN_PROGRESS
    )
    answers = models.JSONField(default=dict, blank=True)
    completed_steps = models.JSONField(default=list, blank=True)
    # "Save and finish later" on a step not fully answered: {step slug: {field name: value
    # as the page shows it}}. Kept apart from `answers` so that screening, scores, the
    # review page and the decision letter never read a half-answered step; a step with a
    # draft counts as not finished. Saving the step complete ("Next") replaces its draft.
    drafts = models.JSONField(default=dict, blank=True)
    reopened_steps = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Staff who entered answers on the patient's behalf (empty: the patient did).
    entered_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consent_name = models.CharField(max_length=160, blank=True)
    consent_signed_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)
    # How many times the intake was submitted (a reopened intake is submitted again): the
    # number the submission's screening and baseline scores carry, unique per intake.
    submission_count = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    def __str__(self) -> str:
        return f"Intake of patient {self.patient_id}"

    @property
    def is_editable_by_patient(self) -> bool:
        return self.status in (IntakeStatus.IN_PROGRESS, IntakeStatus.REOPENED)


class MeasureContext(models.TextChoices):
    INTAKE = "intake", "Intake (baseline)"
    PRE_SESSION = "pre_session", "Before a session"
    BOOSTER = "booster", "Before a booster"


class MeasureResult(models.Model):
    """One completed PHQ-9, GAD-7, PCL-5 or ASQ, item by item with total and band."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measures")
    instrument = models.CharField(max_length=8)
    items = models.JSONField()
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=24)
    flags = models.JSONField(default=list, blank=True)
    context = models.CharField(max_length=12, choices=MeasureContext.choices)
    taken_at = models.DateTimeField(default=clock.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A baseline score (context "intake"): which submission of the patient's intake it
    # was stored by. One score per instrument per submission, however many submits race.
    intake_submission = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["patient", "instrument", "taken_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument", "intake_submission"],
                condition=Q(context="intake"),
                name="measure_one_baseline_per_instrument_per_submission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_label} {self.total} ({self.band_label})"

    @property
    def instrument_label(self) -> str:
        return INSTRUMENT_LABELS.get(self.instrument, "")

    @property
    def band_label(self) -> str:
        if self.instrument == "asq":
            return ASQ_BAND_LABELS.get(self.band, self.band)
        return self.band.replace("_", " ")


class ScreeningTrigger(models.TextChoices):
    SUBMISSION = "submission", "Intake submitted"
    EVALUATION_BP = "evaluation_bp", "Evaluation blood pressure recorded"
    MEDICATIONS = "medications", "Medication change reported at check-in"
    RESCREEN = "rescreen", "Health questions asked again before a booster"


class ScreeningResult(models.Model):
    """One run of the screening engine, with the answers it ran on. Never recomputed."""

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="screenings")
    answers = models.JSONField()
    level = models.CharField(max_length=16)
    flags = models.JSONField()  # [{"code", "severity", "reason"}, …] in rule-table order
    ruleset_version = models.CharField(max_length=20)
    trigger = models.CharField(max_length=16, choices=ScreeningTrigger.choices)
    # Denormalised from `flags` so the review queue can sort urgent intakes first.
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The intake's submission this result screened (trigger "submission" only).
    submission = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "submission"],
                condition=Q(trigger="submission"),
                name="screening_once_per_submission",
            )
        ]

    def __str__(self) -> str:
        return f"Screening {self.pk}: {self.level}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Screening results are never changed after they are stored.")
        super().save(*args, **kwargs)

    @property
    def flag_codes(self) -> list[str]:
        return [flag["code"] for flag in self.flags]

    @property
    def has_urgent_flag(self) -> bool:
        return any(flag["severity"] == "urgent" for flag in self.flags)


class UrgentAlert(models.Model):
    """A safety alert (suicidality) for the psychiatrists: shown until acknowledged."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="urgent_alerts")
    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=40)  # e.g. "intake.phq9", "screening"
    raised_at = models.DateTimeField(default=clock.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action_note = models.TextField(blank=True, max_length=2000)
    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at", "pk"]
        indexes = [models.Index(fields=["acknowledged_at", "raised_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(action_note=""),
                name="urgent_alert_ack_needs_action_note",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} for patient {self.patient_id}"

    @property
    def risk_label(self) -> str:
        """What the banner says: an acute positive screen is named as acute."""
        return "acute suicide risk" if self.code == "SUICIDE_RISK_ACUTE" else "suicide risk"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class EvaluationBloodPressure(models.Model):
    """Blood pressure measured by staff at the evaluation visit (re-runs the screening)."""

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="evaluation_bps")
    systolic = models.PositiveSmallIntegerField()
    diastolic = models.PositiveSmallIntegerField()
    measured_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-measured_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(systolic__gte=50, systolic__lte=300)
                & Q(diastolic__gte=20, diastolic__lte=200)
                & Q(systolic__gt=models.F("diastolic")),
                name="evaluation_bp_plausible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic}"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    MORE_INFORMATION = "more_information", "More information needed"


class EligibilityDecision(models.Model):
    """A psychiatrist's signed eligibility decision. Immutable; a later one supersedes it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="decisions")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="decisions")
    screening = models.ForeignKey(ScreeningResult, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    allowed_routes = models.JSONField(default=list, blank=True)
    overrides = models.JSONField(default=dict, blank=True)  # absolute flag code → justification
    staff_reason = models.TextField(blank=True, max_length=4000)
    patient_message = models.TextField(blank=True, max_length=4000)
    reopened_steps = models.JSONField(default=list, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=clock.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-signed_at", "-pk"]
        get_latest_by = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.signed_by} on {self.signed_at:%Y-%m-%d}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("A signed decision is never changed; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Signed decisions are never deleted.")

    @property
    def allowed_route_labels(self) -> list[str]:
        labels = dict(Route.choices)
        return [labels.get(route, route) for route in self.allowed_routes]
