"""Re-screening and the benefit review: whether a patient needs re-screening before a
booster, their latest benefit review, their PHQ-9 change, their latest screening answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinic import clock
from clinic.models import Location, Patient
from clinic.selectors import clinic_settings
from intake.measures import PHQ9, change
from intake.models import MeasureContext, MeasureResult, ScreeningResult, ScreeningTrigger
from sessions.models import (
    Appointment,
    AppointmentStatus,
    BenefitReview,
)
from sessions.scheduling import (
    rescreen_needed,
)


def rescreen_needed_on_either_clock(
    *,
    last_done: dt.datetime | None,
    last_zone: str | None,
    rescreened_at: dt.datetime | None,
    at: dt.datetime,
    zone: dt.tzinfo,
) -> bool:
    """`rescreen_needed` with each day read on the clock of the booster's location and
    on that of the last session's: needed when it is on either (a zone shift never lets
    a booster through after a gap of more than 3 months without a re-screen)."""
    zones = [zone, *([ZoneInfo(last_zone)] if last_zone else [])]
    return any(
        rescreen_needed(
            last_completed=timezone.localdate(last_done, here) if last_done else None,
            today=timezone.localdate(at, here),
            rescreened_on=timezone.localdate(rescreened_at, here) if rescreened_at else None,
        )
        for here in zones
    )


def patient_needs_rescreen(
    patient: Patient, *, at: dt.datetime | None = None, location: Location | None = None
) -> bool:
    """Whether a booster at `at` (default now) at `location` (default: on the clinic's
    clock) comes after a gap of more than 3 months without a recent re-screen. Two
    queries: the last completed session (with its location's time zone) and the last
    re-screen."""
    last = (
        Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED)
        .order_by("-start")
        .values_list("start", "chair__location__time_zone")
        .first()
    )
    rescreened_at = (
        ScreeningResult.objects.filter(intake__patient=patient, trigger=ScreeningTrigger.RESCREEN)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return rescreen_needed_on_either_clock(
        last_done=last[0] if last else None,
        last_zone=last[1] if last else None,
        rescreened_at=rescreened_at,
        at=at or clock.now(),
        zone=location.zone if location else clinic_settings().zone,
    )


def latest_benefit_review(patient: Patient) -> BenefitReview | None:
    return (
        BenefitReview.objects.filter(patient=patient)
        .select_related("signed_by")
        .order_by("-signed_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Phq9Change:
    baseline: int | None
    latest: int | None
    category: str  # intake.measures.change, or "" when either score is missing


def phq9_change_for(patient: Patient) -> Phq9Change:
    """Baseline (the intake's PHQ-9, else the first) against the latest PHQ-9."""
    scores = list(
        MeasureResult.objects.filter(patient=patient, instrument=PHQ9)
        .order_by("taken_at", "pk")
        .values_list("total", "context")
    )
    if not scores:
        return Phq9Change(None, None, "")
    intake = [total for total, context in scores if context == MeasureContext.INTAKE]
    baseline = intake[-1] if intake else scores[0][0]
    latest = scores[-1][0]
    return Phq9Change(baseline, latest, change(PHQ9, baseline, latest))


def latest_screening_answers(patient: Patient) -> dict[str, object]:
    answers = (
        ScreeningResult.objects.filter(intake__patient=patient)
        .order_by("-created_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    )
    return answers or {}
