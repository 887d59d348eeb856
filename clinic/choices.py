"""Constants and choices of the core domain, in one place."""

from __future__ import annotations

from django.db import models


class AccountType(models.TextChoices):
    STAFF = "staff", "Staff"
    PATIENT = "patient", "Patient"


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    NURSE = "nurse", "Nurse"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist"
    THERAPIST = "therapist", "Therapist"
    ADMIN = "admin", "Administrator"
    CONTROLLED_SUBSTANCE_MANAGER = "controlled_substance_manager", "Controlled-substance manager"


# The pseudo-role a patient login carries in access rules and audit rows.
PATIENT_ROLE = "patient"


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"
    BOTH = "both", "Email and text message"
    NONE = "none", "No reminders"


class JourneyState(models.TextChoices):
    """Where a patient is in the program (spec overview.md, "The journey")."""

    INVITED = "invited", "Invited"
    INTAKE_IN_PROGRESS = "intake_in_progress", "Intake in progress"
    AWAITING_REVIEW = "awaiting_review", "Awaiting review"
    MORE_INFORMATION = "more_information", "More information needed"
    ELIGIBLE = "eligible", "Eligible"
    DECLINED = "declined", "Declined"
    PLAN = "plan", "Treatment plan"
    INDUCTION = "induction", "Induction series"
    MAINTENANCE = "maintenance", "Maintenance"
    PAUSED = "paused", "Paused"
    DISCHARGED = "discharged", "Discharged from program"


# States that need a reason when a patient enters them.
JOURNEY_STATES_WITH_REASON = frozenset({JourneyState.PAUSED, JourneyState.DISCHARGED})


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    SIGN = "sign", "Signed"
    AMEND = "amend", "Amended"
    DOWNLOAD = "download", "Downloaded"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Denied"
    BREAK_GLASS = "break_glass", "Emergency access"
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    MFA_PASSED = "mfa_passed", "Second factor passed"
    MFA_FAILED = "mfa_failed", "Second factor refused"
    MFA_ENROLLED = "mfa_enrolled", "Authenticator set up"
    MFA_REPLACED = "mfa_replaced", "Authenticator replaced"
    MFA_RESET = "mfa_reset", "Authenticator reset"
    MFA_LINK_SENT = "mfa_link_sent", "Authenticator set-up link sent"
    ROLE_REQUESTED = "role_requested", "Role requested"
    ROLE_GRANTED = "role_granted", "Role granted"
    ROLE_REFUSED = "role_refused", "Role request refused"
    ROLE_REVOKED = "role_revoked", "Role removed"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class PaperSize(models.TextChoices):
    A4 = "A4", "A4"
    LETTER = "letter", "US Letter"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "Generating"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
