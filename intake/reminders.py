"""Reminders about the intake: an unfinished intake (after 3 days, then after 7) and an
intake waiting more than 2 business days for review. This app declares both kinds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse

from clinic.choices import JourneyState, Role
from clinic.models import Reminder, User
from clinic.notifications import kinds, reminders
from clinic.selectors import clinic_settings
from intake.models import Intake, IntakeStatus, UrgentAlert

# The kinds of reminder this app sends (declared in `register`).
INTAKE_INCOMPLETE = "intake_incomplete"
REVIEW_WAITING = "review_waiting"

NUDGE_AFTER_DAYS = (3, 7)
REVIEW_BUSINESS_DAYS = 2


def add_business_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The same clock time `days` weekdays later (Saturday and Sunday skipped)."""
    result = moment
    added = 0
    while added < days:
        result += dt.timedelta(days=1)
        if result.weekday() < 5:
            added += 1
    return result


def plan_intake_nudges(now: dt.datetime) -> int:
    clinic = clinic_settings()
    planned = 0
    oldest = now - dt.timedelta(days=max(NUDGE_AFTER_DAYS) + 2)
    for intake in Intake.objects.filter(
        status=IntakeStatus.IN_PROGRESS, started_at__gte=oldest
    ).select_related("patient"):
        for days in NUDGE_AFTER_DAYS:
            due = intake.started_at + dt.timedelta(days=days)
            if due <= now:
                planned += reminders.plan_for_patient(
                    reminders.Planned(INTAKE_INCOMPLETE, f"intake:{intake.pk}", due),
                    intake.patient,
                    clinic=clinic,
                )
    return planned


def plan_review_waiting(now: dt.datetime) -> int:
    psychiatrists = list(
        User.objects.filter(is_active=True, staff_roles__role=Role.PSYCHIATRIST).distinct()
    )
    planned = 0
    for intake in Intake.objects.filter(
        status=IntakeStatus.SUBMITTED,
        patient__journey_state=JourneyState.AWAITING_REVIEW,
        submitted_at__isnull=False,
    ).select_related("patient__psychiatrist"):
        due = add_business_days(intake.submitted_at, REVIEW_BUSINESS_DAYS)
        if due > now:
            continue
        assigned = intake.patient.psychiatrist
        planned += reminders.plan_for_staff(
            reminders.Planned(
                REVIEW_WAITING,
                f"review:{intake.pk}-{intake.submitted_at:%Y%m%d%H%M}",
                due,
            ),
            [assigned] if assigned else psychiatrists,
            patient=intake.patient,
        )
    return planned


def _intake_of(reminder: Reminder) -> Intake | None:
    ids = reminder.subject_ids
    return Intake.objects.select_related("patient").filter(pk=ids[0]).first() if ids else None


def nudge_context(reminder: Reminder) -> dict[str, Any] | None:
    intake = _intake_of(reminder)
    if intake is None or intake.status != IntakeStatus.IN_PROGRESS:
        return None
    return {
        "first_name": intake.patient.first_name,
        "link": settings.SITE_URL + reverse("intake_home"),
    }


def review_context(reminder: Reminder) -> dict[str, Any] | None:
    intake = _intake_of(reminder)
    if intake is None or intake.patient.journey_state != JourneyState.AWAITING_REVIEW:
        return None
    return {
        "record_number": intake.patient.mrn,
        "submitted_at": intake.submitted_at,
        "link": settings.SITE_URL + reverse("review_queue"),
    }


def urgent_context(reminder: Reminder) -> dict[str, Any] | None:
    alert = (
        UrgentAlert.objects.select_related("patient").filter(pk__in=reminder.subject_ids).first()
    )
    if alert is None:
        return None
    return {
        "what": "URGENT: a safety alert",
        "record_number": alert.patient.mrn,
        "at": alert.raised_at,
        "chair": "",
        "link": settings.SITE_URL + reverse("urgent_alert", args=[alert.pk]),
    }


def register() -> None:
    kinds.define_kind(INTAKE_INCOMPLETE, "Intake not finished", context=nudge_context)
    kinds.define_kind(REVIEW_WAITING, "Intake waiting for review", context=review_context)
    kinds.register_urgent("urgent", urgent_context)
    reminders.FOLLOWUP_PLANNERS.extend([plan_intake_nudges, plan_review_waiting])
