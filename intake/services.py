"""State changes of the intake: invitations, intake steps, submission, urgent alerts.

Each service runs in one transaction, checks what its actor may do, writes the audit row
and queues its email only after commit (tasks receive ids, never personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic import services as clinic_services
from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState, Role
from clinic.context import current as current_work
from clinic.models import Patient, User
from clinic.selectors import clinic_settings
from intake.measures import (
    ASQ,
    ASQ_ACUTE,
    ASQ_ACUTE_ITEM,
    ASQ_NON_ACUTE,
    ASQ_SCREEN_ITEMS,
    PHQ9,
    score,
)
from intake.models import (
    Decision,
    EligibilityDecision,
    EvaluationBloodPressure,
    Intake,
    IntakeStatus,
    Invitation,
    InvitationStatus,
    MeasureContext,
    MeasureResult,
    ScreeningResult,
    ScreeningTrigger,
    UrgentAlert,
    new_nonce,
)
from intake.questionnaire import (
    CONSENT_VERSION,
    STEP_BY_SLUG,
    Step,
    screening_answers,
    steps_for,
    tidy_answers,
)
from intake.screening import MEDICATION_KEYS, screen
from intake.selectors import PATIENT_LETTER

_INVITATION_SALT = "intake.invitation"
SUICIDAL_IDEATION = "SUICIDAL_IDEATION"
SUICIDE_RISK_ACUTE = "SUICIDE_RISK_ACUTE"


# --- Invitations ---------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation's current link."""
    return signing.dumps([invitation.pk, invitation.nonce], salt=_INVITATION_SALT)


@dataclass(frozen=True)
class InvitationLookup:
    invitation: Invitation | None
    problem: str  # "" | "invalid" | "expired" | "used" | "replaced"


def invitation_from_token(token: str) -> InvitationLookup:
    """Find the invitation behind a link, or say why the link does not work."""
    try:
        invitation_id, nonce = signing.loads(token, salt=_INVITATION_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return InvitationLookup(None, "invalid")
    invitation = Invitation.objects.select_related("patient").filter(pk=invitation_id).first()
    if invitation is None:
        return InvitationLookup(None, "invalid")
    if invitation.status == InvitationStatus.ACCEPTED:
        return InvitationLookup(invitation, "used")
    if invitation.nonce != nonce or invitation.status == InvitationStatus.REVOKED:
        return InvitationLookup(invitation, "replaced")
    if invitation.is_expired:
        return InvitationLookup(invitation, "expired")
    return InvitationLookup(invitation, "")


def _require_coordinator(actor: User) -> None:
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only coordinators invite patients.")


def _queue_invitation_email(invitation: Invitation) -> None:
    from intake.tasks import send_invitation

    send_invitation.delay_on_commit(invitation.pk)


def invitation_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    mobile: str,
    date_of_birth: dt.date | None = None,
) -> Invitation:
    """Create the patient record (journey: invited) and send them a single-use link."""
    _require_coordinator(actor)
    if not email and not mobile:
        raise ValidationError({"email": "Give an email address or a mobile number."})
    days = clinic_settings().invitation_valid_days
    with transaction.atomic():
        patient = clinic_services.patient_create(
            legal_first_name=first_name,
            legal_last_name=last_name,
            date_of_birth=date_of_birth,
            email=email,
            phone=mobile,
            reminder_channel="email" if email else "sms",
            journey_state=JourneyState.INVITED,
            actor=actor,
        )
        invitation = Invitation.objects.create(
            patient=patient,
            email=email,
            mobile=mobile,
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=invitation)
        _queue_invitation_email(invitation)
    return invitation


def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """A fresh link with a fresh expiry; every earlier link stops working."""
    _require_coordinator(actor)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError("This invitation was already accepted.")
    days = clinic_settings().invitation_valid_days
    with transaction.atomic():
        invitation.nonce = new_nonce()
        invitation.status = InvitationStatus.PENDING
        invitation.expires_at = timezone.now() + dt.timedelta(days=days)
        invitation.save(update_fields=["nonce", "status", "expires_at"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=invitation.patient_id,
            obj=invitation,
        )
        _queue_invitation_email(invitation)
    return invitation


def invitation_mark_sent(*, invitation_id: int) -> None:
    Invitation.objects.filter(pk=invitation_id).update(
        last_sent_at=timezone.now(), send_count=F("send_count") + 1
    )


def invitation_username(invitation: Invitation) -> str:
    """The username an invited patient signs in with, assigned by the clinic: the email
    address the invitation went to, or (no email, or that address already names another
    login) the patient's record number.

    The patient never types a username, so the welcome page cannot be used to ask whether
    someone else's username exists; the only name it ever checks is the patient's own
    address, which the clinic put on the invitation."""
    patient = invitation.patient
    candidates = [invitation.email, patient.mrn.lower(), f"{patient.mrn.lower()}-{invitation.pk}"]
    for candidate in filter(None, candidates):
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise ValidationError("This invitation cannot create a login; please call the clinic.")


def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Create the patient's login from the invitation (username: `invitation_username`) and
    open their intake. The view signs the new login in."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update().select_related("patient").get(pk=invitation.pk)
        )
        if locked.status != InvitationStatus.PENDING or locked.is_expired:
            raise ValidationError("This invitation link no longer works.")
        patient = locked.patient
        user = clinic_services.patient_login_create(
            patient=patient, username=invitation_username(locked), password=password
        )
        locked.status = InvitationStatus.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["status", "accepted_at"])
        Intake.objects.get_or_create(patient=patient)
        clinic_services.patient_move_journey(
            patient=patient,
            to_state=JourneyState.INTAKE_IN_PROGRESS,
            actor=user,
        )
        audit_record(action=AuditAction.UPDATE, user=user, patient=patient, obj=locked)
    return user


# --- The intake -------------------------------------------------------------------------------


def intake_open(*, patient: Patient, actor: User) -> Intake:
    """The patient's intake, started now if it does not exist yet (by the patient, or by
    clinical staff entering it with them; pages call this on a POST only)."""
    _require_intake_author(actor, Intake(patient=patient))
    with transaction.atomic():
        intake, created = Intake.objects.get_or_create(patient=patient)
        if created and patient.journey_state == JourneyState.INVITED:
            clinic_services.patient_move_journey(
                patient=patient,
                to_state=JourneyState.INTAKE_IN_PROGRESS,
                actor=actor,
            )
    return intake


def _lock_editable(
    intake: Intake,
    *,
    submitted: str = "This intake was submitted and can no longer be changed.",
) -> Intake:
    """The intake row, locked for this transaction and read afresh, if it may still be
    changed. The lock comes first: a state checked on an earlier read could change before
    the write (a step saved while another request submits)."""
    locked = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
    if not locked.is_editable_by_patient:
        raise PermissionDenied(submitted)
    return locked


def step_is_open(intake: Intake, slug: str) -> bool:
    """Whether a step may be changed now: any step while the intake is in progress; once
    reopened, the reopened steps, the consent, and any step never answered (one added to
    the questionnaire after the first submission, such as the ASQ)."""
    if intake.status == IntakeStatus.IN_PROGRESS:
        return True
    if intake.status == IntakeStatus.REOPENED:
        return (
            slug in intake.reopened_steps or slug == "consent" or slug not in intake.completed_steps
        )
    return False


def _lock_step(intake: Intake, step: Step, actor: User) -> Intake:
    """The intake locked for a write to one step; a patient only writes the open steps."""
    intake = _lock_editable(intake)
    if actor.is_patient_account and not step_is_open(intake, step.slug):
        raise PermissionDenied("Only the reopened steps can be changed.")
    return intake


def _save_by(intake: Intake, actor: User, fields: list[str]) -> None:
    """Save the changed fields; staff entering for the patient are named on the intake."""
    if not actor.is_patient_account:
        intake.entered_by_staff = actor
        fields = [*fields, "entered_by_staff"]
    intake.save(update_fields=fields)


def intake_save_step(
    *,
    intake: Intake,
    step: Step,
    answers: Mapping[str, Any],
    actor: User,
) -> Intake:
    """Store one step's answers (the step is saved even if later steps are unanswered).

    `answers` are the step form's cleaned answers (None: not answered). Unanswered keys and
    follow-up questions that no longer apply are left out of the stored answers. Saving
    the ASQ scores it, stores its band as `suicide_risk_screen` and, when positive, raises
    the urgent alert; PHQ-9 question 9 at 1 or more raises it too."""
    with transaction.atomic():
        intake = _lock_step(intake, step, actor)
        stored = tidy_answers({**intake.answers, **answers})
        if step.slug == ASQ:
            stored["suicide_risk_screen"] = score(ASQ, stored["measures"][ASQ]).band
        intake.answers = stored
        if step.slug not in intake.completed_steps:
            intake.completed_steps = [*intake.completed_steps, step.slug]
        # The step is now answered in full: its draft ("Save and finish later") is replaced.
        intake.drafts = {slug: draft for slug, draft in intake.drafts.items() if slug != step.slug}
        _save_by(intake, actor, ["answers", "completed_steps", "drafts", "updated_at"])
        if step.slug == "about-you":
            _copy_about_you_to_patient(intake.patient, stored)
        if step.slug == PHQ9 and stored.get("phq9_item9", 0) >= 1:
            _phq9_item9_alert(intake.patient, stored["phq9_item9"])
        if step.slug == ASQ:
            _suicide_risk_screen_alert(intake.patient, stored["suicide_risk_screen"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=intake.patient,
            object_type="intake.step",
            object_id=step.slug,
        )
    return intake


def intake_save_draft(
    *,
    intake: Intake,
    step: Step,
    values: Mapping[str, Any],
    actor: User,
) -> Intake:
    """ "Save and finish later" on a step not fully answered: keep the answers given so far.

    `values` are the page's answers that are valid on their own, by field name, as the page
    shows them (`StepForm.draft`). They replace the step's earlier draft and are kept apart
    from the answers: the step stays unfinished (`missing_steps`), and screening, scores,
    the review page and the decision letter never read them. Safety answers act at once,
    exactly as on a finished step: PHQ-9 question 9 at 1 or more, or any yes on the ASQ
    (`draft_asq_band`), raises the urgent alert."""
    _require_intake_author(actor, intake)
    if step.slug == "consent":
        raise ValidationError("The consent is recorded only when it is signed.")
    allowed = {*step.form_class.base_fields, *(["allergies"] if step.slug == "medicines" else [])}
    if set(values) - allowed:
        raise ValidationError("These answers do not belong to this step.")
    with transaction.atomic():
        intake = _lock_step(intake, step, actor)
        intake.drafts = {**intake.drafts, step.slug: dict(values)}
        _save_by(intake, actor, ["drafts", "updated_at"])
        item9 = draft_phq9_item9(step.slug, values)
        if item9:
            _phq9_item9_alert(intake.patient, item9, unfinished=True)
        band = draft_asq_band(step.slug, values)
        if band:
            _suicide_risk_screen_alert(intake.patient, band, unfinished=True)
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient=intake.patient,
            object_type="intake.draft",
            object_id=step.slug,
        )
    return intake


def draft_phq9_item9(slug: str, values: Mapping[str, Any]) -> int | None:
    """PHQ-9 question 9 as answered on an unfinished PHQ-9 page (None: not answered)."""
    if slug != PHQ9 or values.get("q9") in (None, ""):
        return None
    return int(values["q9"])


def draft_asq_band(slug: str, values: Mapping[str, Any]) -> str | None:
    """The band an unfinished ASQ already shows; None when no question has a yes yet.

    Any yes among questions 1–4 is a positive screen, as on the finished step. Question 5
    ("thoughts of killing yourself right now?") decides acute or not; when it is still
    unanswered after a yes, the screen is taken as ACUTE, the clinically safer reading:
    imminent risk has not been ruled out, so the patient sees the crisis numbers at once
    and the on-call psychiatrist is alerted under the acute code until a clinician has
    asked."""
    if slug != ASQ or not any(str(values.get(item)) == "1" for item in ASQ_SCREEN_ITEMS):
        return None
    return ASQ_NON_ACUTE if str(values.get(ASQ_ACUTE_ITEM)) == "0" else ASQ_ACUTE


_UNFINISHED = " (saved to finish later; the step is not finished)"


def _phq9_item9_alert(patient: Patient, item9: int, *, unfinished: bool = False) -> UrgentAlert:
    return urgent_alert_raise(
        patient=patient,
        code=SUICIDAL_IDEATION,
        reason=(
            "PHQ-9 question 9 (thoughts of being better off dead or of self-harm) "
            f"answered {item9} during the intake" + (_UNFINISHED if unfinished else "") + "."
        ),
        source="intake.phq9",
    )


def _suicide_risk_screen_alert(
    patient: Patient, band: str, *, unfinished: bool = False
) -> UrgentAlert | None:
    """A positive ASQ raises the urgent alert (the same path as PHQ-9 question 9).

    An acute positive is raised under its own code: a suicidal-ideation alert is often
    already open from PHQ-9 question 9 two steps earlier, and an open alert is not raised
    twice, so under the same code the escalation would reach nobody."""
    if band == ASQ_ACUTE:
        return urgent_alert_raise(
            patient=patient,
            code=SUICIDE_RISK_ACUTE,
            reason=(
                "ASQ suicide risk screen ACUTE POSITIVE during the intake: "
                + (
                    "a yes to questions 1-4 and question 5 (thoughts of killing themself "
                    "right now) not answered yet; saved to finish later. "
                    if unfinished
                    else "thoughts of killing themself right now. "
                )
                + "Follow the clinic's emergency procedure now."
            ),
            source="intake.asq",
        )
    if band == ASQ_NON_ACUTE:
        return urgent_alert_raise(
            patient=patient,
            code=SUICIDAL_IDEATION,
            reason=(
                "ASQ suicide risk screen positive (not acute) during the intake"
                + (_UNFINISHED if unfinished else "")
                + ": a brief suicide safety assessment is needed before treatment."
            ),
            source="intake.asq",
        )
    return None


_ABOUT_YOU_PATIENT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "sex_at_birth",
    "pronouns",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "reminder_channel",
)


def _copy_about_you_to_patient(patient: Patient, answers: dict[str, Any]) -> None:
    changed = []
    for field in _ABOUT_YOU_PATIENT_FIELDS:
        value = answers.get(field) or ""
        if getattr(patient, field) != value:
            setattr(patient, field, value)
            changed.append(field)
    born = dt.date.fromisoformat(answers["date_of_birth"])
    if patient.date_of_birth != born:
        patient.date_of_birth = born
        changed.append("date_of_birth")
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])


def missing_steps(intake: Intake) -> list[Step]:
    """Steps that apply to this patient and are not answered yet (consent included), or
    whose answers were being changed and saved unfinished (a draft)."""
    return [
        step
        for step in steps_for(intake.answers)
        if step.slug not in intake.completed_steps
        or step.slug in intake.drafts
        or (step.slug == "consent" and not intake.consent_signed_at)
    ]


def _require_intake_author(actor: User, intake: Intake) -> None:
    """The patient themself, or clinical staff entering on their behalf."""
    if actor.is_patient_account:
        if intake.patient.user_id != actor.pk:
            raise PermissionDenied("This is not your intake.")
    elif not actor.has_role(Role.NURSE, Role.PSYCHIATRIST):
        raise PermissionDenied("Only nurses and psychiatrists enter an intake for a patient.")


def intake_sign_consent(*, intake: Intake, signature: str, actor: User) -> Intake:
    """Record the typed-name e-signature with time and address (staff: consent taken in
    person or by phone, recorded as entered by them)."""
    _require_intake_author(actor, intake)
    with transaction.atomic():
        intake = _lock_editable(intake)
        intake.consent_name = signature
        intake.consent_signed_at = timezone.now()
        intake.consent_ip = current_work().ip_address
        intake.consent_version = CONSENT_VERSION
        if "consent" not in intake.completed_steps:
            intake.completed_steps = [*intake.completed_steps, "consent"]
        if not actor.is_patient_account:
            intake.entered_by_staff = actor
        intake.save(
            update_fields=[
                "entered_by_staff",
                "consent_name",
                "consent_signed_at",
                "consent_ip",
                "consent_version",
                "completed_steps",
                "updated_at",
            ]
        )
        audit_record(
            action=AuditAction.SIGN,
            user=actor,
            patient=intake.patient,
            object_type="intake.consent",
            object_id=intake.pk,
        )
    return intake


def intake_submit(*, intake: Intake, actor: User) -> ScreeningResult:
    """Submit the intake: store the baseline measures, screen, queue for review.

    The intake row is locked before anything is read, so a second submit, or a step saved
    at the same moment, waits and then sees the submission: the screening runs on exactly
    the answers stored at submission, and a database constraint keeps one screening and
    one baseline score per instrument per submission."""
    _require_intake_author(actor, intake)
    with transaction.atomic():
        intake = _lock_editable(intake, submitted="This intake was already submitted.")
        missing = missing_steps(intake)
        if missing:
            raise ValidationError(
                "Please complete these steps first: " + ", ".join(step.title for step in missing)
            )
        patient = intake.patient
        now = timezone.now()
        submission = intake.submission_count + 1
        for code, items in intake.answers.get("measures", {}).items():
            if code == "pcl5" and STEP_BY_SLUG["pcl5"] not in steps_for(intake.answers):
                continue
            result = score(code, items)
            MeasureResult.objects.create(
                patient=patient,
                instrument=code,
                items=items,
                total=result.total,
                band=result.band,
                flags=list(result.flags),
                context=MeasureContext.INTAKE,
                taken_at=now,
                entered_by=actor,
                intake_submission=submission,
            )
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = now
        intake.submitted_by = actor
        intake.reopened_steps = []
        intake.submission_count = submission
        intake.drafts = {}  # only drafts of steps that no longer apply can be left
        intake.save(
            update_fields=[
                "status",
                "submitted_at",
                "submitted_by",
                "reopened_steps",
                "submission_count",
                "drafts",
                "updated_at",
            ]
        )
        screening = _screen_and_store(
            intake, actor, ScreeningTrigger.SUBMISSION, submission=submission
        )
        clinic_services.patient_move_journey(
            patient=patient, to_state=JourneyState.AWAITING_REVIEW, actor=actor
        )
        audit_record(
            action=AuditAction.SIGN,
            user=actor,
            patient=patient,
            object_type="intake.submission",
            object_id=intake.pk,
        )
    return screening


def _screen_and_store(
    intake: Intake, actor: User, trigger: str, *, submission: int | None = None
) -> ScreeningResult:
    screening = _store_screening(
        intake, screening_answers(intake.answers), actor, trigger, submission=submission
    )
    for flag in screening.flags:
        if flag["code"] == SUICIDAL_IDEATION:
            urgent_alert_raise(
                patient=intake.patient, code=flag["code"], reason=flag["reason"], source="screening"
            )
    return screening


def _store_screening(
    intake: Intake,
    answers: dict[str, Any],
    actor: User,
    trigger: str,
    *,
    submission: int | None = None,
) -> ScreeningResult:
    result = screen(answers, today=timezone.localdate())
    return ScreeningResult.objects.create(
        intake=intake,
        answers=answers,
        level=result.level,
        flags=[
            {"code": flag.code, "severity": flag.severity, "reason": flag.reason}
            for flag in result.flags
        ],
        ruleset_version=result.ruleset_version,
        trigger=trigger,
        urgent=any(flag.severity == "urgent" for flag in result.flags),
        created_by=actor,
        submission=submission,
    )


def screening_rescreen(
    *, patient: Patient, answers: Mapping[str, Any], actor: User
) -> ScreeningResult:
    """The short re-screen before a booster after a gap of more than 3 months (scheduling
    §4): the medical questions answered again, over the latest answers, screened with the
    ruleset in force and stored as a new result (a new absolute flag stops the session)."""
    own = actor.is_patient_account and getattr(patient, "user_id", None) == actor.pk
    if not own and not actor.has_role(Role.NURSE, Role.PSYCHIATRIST):
        raise PermissionDenied("Only the patient or clinical staff answer the re-screen.")
    intake = Intake.objects.filter(patient=patient).first()
    latest = intake.screenings.first() if intake else None
    if latest is None:
        raise ValidationError("There is no earlier screening to update.")
    given = {key: value for key, value in answers.items() if value is not None}
    dropped = {key for key, value in answers.items() if value is None}
    merged = {key: value for key, value in latest.answers.items() if key not in dropped}
    with transaction.atomic():
        screening = _store_screening(intake, {**merged, **given}, actor, ScreeningTrigger.RESCREEN)
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=screening)
    return screening


def screening_medications_update(
    *, patient: Patient, medications: Mapping[str, bool], actor: User
) -> ScreeningResult | None:
    """A medication change reported at check-in re-runs the screening's medication rules:
    a new stored result on the latest answers with today's medicines (the ruleset in
    force), so the psychiatrist sees a new flag and the REMS form today's co-medications.
    None when nothing the rules read changed (or the patient has no screening yet)."""
    if not actor.has_role(Role.NURSE, Role.PSYCHIATRIST):
        raise PermissionDenied("Only clinical staff record medication changes.")
    unknown = set(medications) - set(MEDICATION_KEYS)
    if unknown or any(not isinstance(value, bool) for value in medications.values()):
        raise ValidationError({"medications": "Unknown medicine class."})
    intake = Intake.objects.filter(patient=patient).first()
    latest = intake.screenings.first() if intake else None
    if latest is None:
        return None
    if all(latest.answers.get(key) is value for key, value in medications.items()):
        return None
    answers = {**latest.answers, **medications}
    return _store_screening(intake, answers, actor, ScreeningTrigger.MEDICATIONS)


# --- Eligibility review --------------------------------------------------------------------

MIN_OVERRIDE_LENGTH = 20
DECLINE_MESSAGE = (
    "Thank you for the time you took to complete your intake. After careful review, our "
    "psychiatrist has decided that ketamine treatment is not the right choice for you at "
    "this time. We will write to you with the reasons and suggestions for other care, and "
    "you are welcome to call us to talk it through."
)


def _require_submitted(intake: Intake) -> None:
    if intake.status != IntakeStatus.SUBMITTED:
        raise ValidationError("The patient has not submitted this intake (again) yet.")


def evaluation_bp_record(
    *, intake: Intake, systolic: int, diastolic: int, actor: User
) -> ScreeningResult:
    """Record the evaluation blood pressure and screen again (a new stored result)."""
    if not actor.has_role(Role.PSYCHIATRIST, Role.NURSE):
        raise PermissionDenied("Only nurses and psychiatrists record the evaluation BP.")
    if diastolic >= systolic:
        raise ValidationError({"diastolic": "The diastolic value must be below the systolic."})
    with transaction.atomic():
        intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        EvaluationBloodPressure.objects.create(
            intake=intake, systolic=systolic, diastolic=diastolic, recorded_by=actor
        )
        intake.answers = {
            **intake.answers,
            "screening_bp_systolic": systolic,
            "screening_bp_diastolic": diastolic,
        }
        intake.save(update_fields=["answers", "updated_at"])
        screening = _screen_and_store(intake, actor, ScreeningTrigger.EVALUATION_BP)
        audit_record(
            action=AuditAction.CREATE,
            user=actor,
            patient=intake.patient,
            object_type="intake.evaluationbloodpressure",
            object_id=intake.pk,
        )
    return screening


# Called in the transaction that records a decision, by apps above intake that must act on
# it (sessions cancels future bookings after `declined` or `more_information`).
DecisionHook = Callable[..., None]
DECISION_RECORDED: list[DecisionHook] = []


def eligibility_decide(
    *,
    intake: Intake,
    actor: User,
    decision: str,
    routes: list[str] | None = None,
    overrides: dict[str, str] | None = None,
    staff_reason: str = "",
    patient_message: str = "",
    reopen_steps: list[str] | None = None,
) -> EligibilityDecision:
    """Sign an eligibility decision (spec §4); it supersedes any earlier one."""
    if not actor.has_role(Role.PSYCHIATRIST):
        raise PermissionDenied("Only psychiatrists decide eligibility.")
    _require_submitted(intake)
    routes, overrides, reopen_steps = routes or [], overrides or {}, reopen_steps or []
    with transaction.atomic():
        intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        screening = intake.screenings.latest()
        errors: dict[str, str] = {}
        kept_overrides: dict[str, str] = {}
        if decision == Decision.APPROVED:
            if not routes:
                errors["routes"] = "Choose at least one route the patient may receive."
            if {"screening_bp_systolic", "screening_bp_diastolic"} - set(screening.answers):
                errors["__all__"] = "Record the evaluation blood pressure before approving."
            for flag in screening.flags:
                if flag["severity"] != "absolute":
                    continue
                text = overrides.get(flag["code"], "").strip()
                if len(text) < MIN_OVERRIDE_LENGTH:
                    errors[f"override_{flag['code']}"] = (
                        f"Approving over {flag['code']} needs a written justification of at "
                        f"least {MIN_OVERRIDE_LENGTH} characters."
                    )
                kept_overrides[flag["code"]] = text
        elif decision == Decision.DECLINED:
            if not staff_reason.strip():
                errors["staff_reason"] = "Give the reason for declining (staff see it)."
            patient_message = patient_message.strip() or DECLINE_MESSAGE
        elif decision == Decision.MORE_INFORMATION:
            applicable = {step.slug for step in steps_for(intake.answers)} - {"consent"}
            if not reopen_steps or set(reopen_steps) - applicable:
                errors["reopen_steps"] = "Choose the steps the patient should update."
            if not patient_message.strip():
                errors["patient_message"] = "Tell the patient what to add or correct."
        else:
            errors["decision"] = "Choose a decision."
        if errors:
            raise ValidationError(errors)

        previous = intake.decisions.order_by("-signed_at", "-pk").first()
        signed = EligibilityDecision.objects.create(
            patient=intake.patient,
            intake=intake,
            screening=screening,
            decision=decision,
            allowed_routes=routes if decision == Decision.APPROVED else [],
            overrides=kept_overrides,
            staff_reason=staff_reason.strip(),
            patient_message=patient_message.strip(),
            reopened_steps=reopen_steps if decision == Decision.MORE_INFORMATION else [],
            signed_by=actor,
            supersedes=previous,
        )
        next_state = {
            Decision.APPROVED: JourneyState.ELIGIBLE,
            Decision.DECLINED: JourneyState.DECLINED,
            Decision.MORE_INFORMATION: JourneyState.MORE_INFORMATION,
        }[decision]
        if decision == Decision.MORE_INFORMATION:
            intake.status = IntakeStatus.REOPENED
            intake.reopened_steps = reopen_steps
            intake.save(update_fields=["status", "reopened_steps", "updated_at"])
        clinic_services.patient_move_journey(
            patient=intake.patient, to_state=next_state, actor=actor
        )
        audit_record(action=AuditAction.SIGN, user=actor, patient=intake.patient, obj=signed)
        for hook in DECISION_RECORDED:
            hook(decision=signed, actor=actor)
        if decision == Decision.DECLINED:
            # The letter the psychiatrist just signed, in the patient's own documents.
            clinic_services.document_request(
                patient=intake.patient,
                kind=PATIENT_LETTER,
                subject_id=None,
                actor=actor,
            )
        from intake.tasks import notify_patient_of_decision

        notify_patient_of_decision.delay_on_commit(signed.pk)
    return signed


# --- Urgent alerts ----------------------------------------------------------------------------


def urgent_alert_raise(*, patient: Patient, code: str, reason: str, source: str) -> UrgentAlert:
    """Raise an urgent alert unless the same one is already open; email after commit. An
    open one takes the newest reason (a draft's PHQ-9 answer then the finished step's), its
    earlier text kept in the alert's history."""
    with transaction.atomic():
        open_alert = (
            UrgentAlert.objects.select_for_update()
            .filter(patient=patient, code=code, acknowledged_at__isnull=True)
            .first()
        )
        if open_alert is not None:
            if open_alert.reason != reason[:300]:
                open_alert.reason = reason[:300]
                open_alert.save(update_fields=["reason"])
                audit_record(action=AuditAction.UPDATE, patient=patient, obj=open_alert)
            return open_alert
        alert = UrgentAlert.objects.create(
            patient=patient, code=code, reason=reason[:300], source=source
        )
        audit_record(action=AuditAction.CREATE, patient=patient, obj=alert)
        from clinic.notifications.reminders import on_call_psychiatrists, send_now

        send_now(
            f"urgent:{alert.pk}",
            on_call_psychiatrists(patient.psychiatrist),
            patient=patient,
        )
    return alert


def urgent_alert_acknowledge(*, alert: UrgentAlert, actor: User, action_note: str) -> UrgentAlert:
    """A psychiatrist records what was done; the banner then goes away for everyone."""
    if not actor.has_role(Role.PSYCHIATRIST):
        raise PermissionDenied("Only psychiatrists acknowledge urgent alerts.")
    note = action_note.strip()
    if len(note) < 10:
        raise ValidationError(
            {"action_note": "Describe the action taken (at least 10 characters)."}
        )
    with transaction.atomic():
        alert = UrgentAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            raise ValidationError("This alert was already acknowledged.")
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.action_note = note
        alert.save(update_fields=["acknowledged_by", "acknowledged_at", "action_note"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=alert.patient_id,
            obj=alert,
        )
    return alert
