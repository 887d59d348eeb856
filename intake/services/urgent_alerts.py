"""Urgent alerts: raised by safety answers (PHQ-9 question 9, a positive ASQ, a screening
flag, a check-in answer) and emailed to the on-call psychiatrist; a psychiatrist
acknowledges each with the action taken.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Patient, User
from clinic.policy import require
from intake.measures import ASQ_ACUTE, ASQ_NON_ACUTE
from intake.models import UrgentAlert
from intake.permissions import ACKNOWLEDGE_URGENT_ALERTS

SUICIDAL_IDEATION = "SUICIDAL_IDEATION"


SUICIDE_RISK_ACUTE = "SUICIDE_RISK_ACUTE"


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
    require(
        actor, ACKNOWLEDGE_URGENT_ALERTS, message="Only psychiatrists acknowledge urgent alerts."
    )
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


_UNFINISHED = " (saved to finish later; the step is not finished)"


def phq9_item9_alert(patient: Patient, item9: int, *, unfinished: bool = False) -> UrgentAlert:
    """PHQ-9 question 9 at 1 or more raises the suicidal-ideation alert."""
    return urgent_alert_raise(
        patient=patient,
        code=SUICIDAL_IDEATION,
        reason=(
            "PHQ-9 question 9 (thoughts of being better off dead or of self-harm) "
            f"answered {item9} during the intake" + (_UNFINISHED if unfinished else "") + "."
        ),
        source="intake.phq9",
    )


def suicide_risk_screen_alert(
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
