"""State changes of integration therapy: notes (draft → signed → addenda), group sessions,
and measures patients complete before a session."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.limits import hourly_limit_check
from clinic.models import Patient, User
from clinic.policy import patients_visible_to, require
from intake.measures import score
from intake.models import MeasureContext, MeasureResult
from intake.services import SUICIDAL_IDEATION, urgent_alert_raise
from integration import selectors
from integration.models import (
    INTERVENTIONS,
    GroupSession,
    IntegrationNote,
    Modality,
    NoteAddendum,
    NoteStatus,
    NoteType,
    OutcomesSnapshot,
)
from integration.permissions import ADD_ADDENDUM, WRITE_NOTES
from sessions.models import TreatmentSession

TEXT_FIELDS = (
    "experience",
    "themes",
    "emotional_state",
    "protective_factors",
    "intentions",
    "practices",
    "plan",
    "free_text",
)
MAX_TEXT = 20_000


@dataclass
class NoteInput:
    date: dt.date
    modality: str
    minutes: int | None
    session_ids: list[int] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    risk_suicidal_thoughts: bool | None = None
    risk_plan: bool | None = None
    share_intentions: bool = False
    share_practices: bool = False
    texts: dict[str, str] = field(default_factory=dict)


def _require_therapist(actor: User) -> None:
    require(actor, WRITE_NOTES, message="Only therapists write integration notes.")


def _raise_risk_alert(note: IntegrationNote) -> None:
    if note.risk_suicidal_thoughts or note.risk_plan:
        urgent_alert_raise(
            patient=note.patient,
            code=SUICIDAL_IDEATION,
            reason=(
                "Risk check in an integration note: "
                + ("suicidal thoughts" if note.risk_suicidal_thoughts else "")
                + (" and " if note.risk_suicidal_thoughts and note.risk_plan else "")
                + ("a plan or intent" if note.risk_plan else "")
                + f" (note {note.pk})."
            ),
            source="integration note",
        )


def note_start(
    *,
    patient: Patient,
    note_type: str,
    actor: User,
) -> IntegrationNote:
    """Open a draft note (visible only to its author until signed)."""
    _require_therapist(actor)
    if note_type not in (NoteType.PREPARATION, NoteType.INTEGRATION):
        raise ValidationError({"note_type": "Choose preparation or integration."})
    require(actor, WRITE_NOTES, patient=patient, message="This patient is not on your caseload.")
    with transaction.atomic():
        note = IntegrationNote.objects.create(
            patient=patient,
            note_type=note_type,
            author=actor,
            date=timezone.localdate(),
            modality=Modality.IN_PERSON,
        )
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=note)
    return note


def _check(note: IntegrationNote, data: NoteInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if data.date > today:
        errors["date"] = "The session date can't be in the future."
    elif data.date < today - dt.timedelta(days=365):
        errors["date"] = "The date is more than a year ago."
    if data.modality not in Modality.values:
        errors["modality"] = "Choose in person or telehealth."
    if data.minutes is not None and not 5 <= data.minutes <= 600:
        errors["minutes"] = "Minutes must be between 5 and 600."
    known = {code for code, _label in INTERVENTIONS}
    if any(code not in known for code in data.interventions):
        errors["interventions"] = "Choose interventions from the list."
    for name, text in data.texts.items():
        if len(text) > MAX_TEXT:
            errors[name] = f"Keep this under {MAX_TEXT:,} characters."
    if data.session_ids:
        owned = set(
            TreatmentSession.objects.filter(
                pk__in=data.session_ids, patient_id=note.patient_id
            ).values_list("pk", flat=True)
        )
        if owned != set(data.session_ids):
            errors["sessions"] = "Link only this patient's treatment sessions."
    return errors


def note_save_draft(
    *,
    note: IntegrationNote,
    data: NoteInput,
    actor: User,
) -> IntegrationNote:
    """Save the author's draft (the editor autosaves). A "yes" in the risk check raises the
    urgent alert at once, signed or not."""
    with transaction.atomic():
        note = IntegrationNote.objects.select_for_update().get(pk=note.pk)
        if note.author_id != actor.pk:
            raise PermissionDenied("Only the author edits a draft.")
        if note.status != NoteStatus.DRAFT:
            raise ValidationError("This note is signed; write an addendum instead.")
        errors = _check(note, data)
        if errors:
            raise ValidationError(errors)
        note.date = data.date
        note.modality = data.modality
        note.minutes = data.minutes
        note.interventions = list(dict.fromkeys(data.interventions))
        note.risk_suicidal_thoughts = data.risk_suicidal_thoughts
        note.risk_plan = data.risk_plan
        note.share_intentions = data.share_intentions
        note.share_practices = data.share_practices
        for name in TEXT_FIELDS:
            setattr(note, name, data.texts.get(name, "").strip())
        note.updated_at = timezone.now()
        note.save()
        note.sessions.set(data.session_ids)
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=note.patient_id,
            obj=note,
        )
        _raise_risk_alert(note)
    return note


def note_sign(*, note: IntegrationNote, actor: User) -> IntegrationNote:
    """Sign the draft: author and time stored, the content serialised and hashed, locked."""
    with transaction.atomic():
        note = IntegrationNote.objects.select_for_update().get(pk=note.pk)
        if note.author_id != actor.pk:
            raise PermissionDenied("Only the author signs a note.")
        if note.status != NoteStatus.DRAFT:
            return note
        errors: dict[str, str] = {}
        if not note.minutes:
            errors["minutes"] = "Enter how many minutes the session took."
        if note.risk_suicidal_thoughts is None:
            errors["risk_suicidal_thoughts"] = "Answer the risk check before signing."
        if note.risk_suicidal_thoughts and note.risk_plan is None:
            errors["risk_plan"] = "Say whether there is a plan or intent."
        if not any(getattr(note, name).strip() for name in ("experience", "themes", "plan")):
            errors["experience"] = "Write the patient's account, the themes or the plan."
        if errors:
            raise ValidationError(errors)
        content = IntegrationNote.serialise(note.content())
        note.status = NoteStatus.SIGNED
        note.signed_at = timezone.now()
        note.signed_content = content
        note.content_hash = IntegrationNote.hash_of(content)
        note.save()
        audit_record(
            action=AuditAction.SIGN,
            user=actor,
            patient_id=note.patient_id,
            obj=note,
        )
        _raise_risk_alert(note)
    return note


def note_void(*, note: IntegrationNote, reason: str, actor: User) -> IntegrationNote:
    """The author sets an unsigned draft aside: clinical records are never deleted, so the
    draft is voided with a reason, who and when (security.md §4) and leaves every list."""
    text = reason.strip()
    if len(text) < 5:
        raise ValidationError({"reason": "Say why the draft is voided (at least 5 characters)."})
    with transaction.atomic():
        note = IntegrationNote.objects.select_for_update().get(pk=note.pk)
        if note.author_id != actor.pk or note.status != NoteStatus.DRAFT:
            raise PermissionDenied("Only the author voids their own draft.")
        note.status = NoteStatus.VOIDED
        note.voided_at = timezone.now()
        note.void_reason = text[:300]
        note.save(update_fields=["status", "voided_at", "void_reason"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            patient_id=note.patient_id,
            obj=note,
        )
    return note


def note_addendum_write(
    *,
    note: IntegrationNote,
    reason: str,
    text: str,
    actor: User,
) -> NoteAddendum:
    """A correction or later addition under a signed note; the note itself is untouched."""
    require(actor, ADD_ADDENDUM, message="Only therapists and psychiatrists add to notes.")
    if errors := NoteAddendum.input_errors(reason, text):
        raise ValidationError(errors)
    if not note.is_signed:
        raise ValidationError("Edit the draft instead; addenda are for signed notes.")
    with transaction.atomic():
        addendum = NoteAddendum.objects.create(
            note=note, author=actor, reason=reason.strip()[:300], text=text.strip()[:MAX_TEXT]
        )
        audit_record(
            action=AuditAction.AMEND,
            user=actor,
            patient_id=note.patient_id,
            obj=addendum,
        )
    return addendum


def group_session_create(
    *,
    date: dt.date,
    modality: str,
    minutes: int,
    topic: str,
    patients: list[Patient],
    actor: User,
) -> GroupSession:
    """One group meeting and a draft note per participant for the facilitator."""
    _require_therapist(actor)
    errors = {}
    if len(patients) < 2:
        errors["patients"] = "A group has at least two participants."
    visible = set(
        patients_visible_to(actor)
        .filter(pk__in=[p.pk for p in patients])
        .values_list("pk", flat=True)
    )
    if any(p.pk not in visible for p in patients):
        errors["patients"] = "Add only patients on your caseload."
    if date > timezone.localdate():
        errors["date"] = "The group date can't be in the future."
    if not 15 <= minutes <= 600:
        errors["minutes"] = "Minutes must be between 15 and 600."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        group = GroupSession.objects.create(
            date=date,
            modality=modality,
            minutes=minutes,
            topic=topic.strip()[:120],
            facilitator=actor,
        )
        for patient in patients:
            note = IntegrationNote.objects.create(
                patient=patient,
                note_type=NoteType.GROUP_INTEGRATION,
                group=group,
                author=actor,
                date=date,
                modality=modality,
                minutes=minutes,
            )
            audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=note)
    return group


# How often a patient may send the pre-session questionnaires from the portal per hour
# (one sending stores each questionnaire answered, all at one time).
PORTAL_QUESTIONNAIRES_PER_HOUR = 5
PORTAL_CONTEXTS = (MeasureContext.PRE_SESSION, MeasureContext.BOOSTER)


def measures_submit(
    *,
    patient: Patient,
    answers: dict[str, dict[str, int]],
    context: str,
    actor: User,
) -> list[MeasureResult]:
    """Store the questionnaires a patient completed before a session or booster; PHQ-9
    question 9 ≥ 1 raises the urgent alert."""
    if context not in (MeasureContext.PRE_SESSION, MeasureContext.BOOSTER):
        raise ValueError(f"Unknown measure context {context!r}")
    results = []
    now = timezone.now()
    with transaction.atomic():
        if actor.is_patient_account:
            hourly_limit_check(
                patient=patient,
                recent=MeasureResult.objects.filter(
                    patient=patient, entered_by=actor, context__in=PORTAL_CONTEXTS
                ),
                at_field="taken_at",
                limit=PORTAL_QUESTIONNAIRES_PER_HOUR,
                message=(
                    f"You have sent your questionnaires {PORTAL_QUESTIONNAIRES_PER_HOUR} times "
                    "in the past hour. Your answers were not saved this time; please wait a "
                    "little and send them again, or call the clinic."
                ),
            )
        for instrument, items in answers.items():
            try:
                result = score(instrument, items)
            except (ValueError, TypeError) as error:
                raise ValidationError({instrument: f"Answer every question ({error})."}) from None
            measure = MeasureResult.objects.create(
                patient=patient,
                instrument=instrument,
                items=items,
                total=result.total,
                band=result.band,
                flags=list(result.flags),
                context=context,
                taken_at=now,
                entered_by=actor,
            )
            audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=measure)
            results.append(measure)
            if SUICIDAL_IDEATION in result.flags:
                urgent_alert_raise(
                    patient=patient,
                    code=SUICIDAL_IDEATION,
                    reason=(
                        f"PHQ-9 question 9 answered {items['q9']} on the pre-session "
                        "questionnaire in the portal."
                    ),
                    source="portal",
                )
    return results


# --- Clinic outcomes ---------------------------------------------------------------------


def clinic_outcomes_refresh() -> OutcomesSnapshot:
    """Calculate the clinic outcomes report and keep it as the one snapshot (beat task
    every 5 minutes; counts per protocol, no patient data, so no audit row)."""
    rows = [dataclasses.asdict(row) for row in selectors.clinic_outcomes()]
    snapshot, _ = OutcomesSnapshot.objects.update_or_create(
        pk=1, defaults={"calculated_at": timezone.now(), "rows": rows}
    )
    return snapshot


def clinic_outcomes_refresh_soon() -> None:
    """Queue a calculation now (first visit, or the beat task has stopped) — once a
    minute at most, however many people open the page meanwhile."""
    from integration.tasks import refresh_clinic_outcomes

    if cache.add("integration:outcomes-refresh-asked", True, 60):
        transaction.on_commit(refresh_clinic_outcomes.delay)
