"""The demo's history: every past appointment charted, then the benefit reviews, the
boosters, the REMS submissions and the reminders, and today's live floor."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic import clock
from clinic.choices import ReminderStatus, Role
from clinic.models import Reminder, User
from clinic.notifications import reminders
from clinic.selectors import clinic_settings
from sessions import monitoring
from sessions.demo import maintenance_patients, seed_booster_history, waits_for_benefit_review
from sessions.demo_records.record import build_record
from sessions.demo_records.timeline import timeline
from sessions.models import Appointment, AppointmentStatus, TreatmentSession
from sessions.reminders import BOOKING_CONFIRMATION, plan_session_reminders
from sessions.services.rems import rems_submission_record
from sessions.services.scheduling import benefit_review_record


def _closing(appointment: Appointment) -> dt.datetime:
    """When the last step of an appointment's record happens (its co-signature)."""
    return appointment.start + dt.timedelta(minutes=timeline(appointment).discharge + 180)


def seed_records_demo() -> None:
    from sessions.demo_live_day import close_open_record, live_day  # it builds on this module

    nurses = list(User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk"))
    psychiatrist = User.objects.filter(staff_roles__role=Role.PSYCHIATRIST).order_by("pk").first()
    if not nurses:
        return
    now = clock.now()
    zone = clinic_settings().zone
    midnight = dt.datetime.combine(timezone.localdate(now, zone), dt.time.min, tzinfo=zone)
    live_day_seeded = TreatmentSession.objects.filter(opened_at__gte=midnight).exists()
    stale = TreatmentSession.objects.filter(discharged_at__isnull=True).select_related(
        "appointment__plan__protocol", "patient"
    )
    for session in stale:
        if session.opened_at < midnight:
            close_open_record(session, psychiatrist)
    # Today's bookings stay for the live day to take first (a patient booked this morning
    # is the one on the floor now); the ones it leaves are charted after it.
    _history(now if live_day_seeded else midnight, now, nurses, psychiatrist)
    _benefit_reviews(psychiatrist, now)
    seed_booster_history(
        record=lambda appointment: _chart_history(appointment, nurses, psychiatrist, now)
    )
    _rems_submitted(now, nurses[0])
    _past_confirmations_cancelled(now)
    for appointment in Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, start__gt=now
    ).select_related("patient"):
        plan_session_reminders(appointment)
    if not live_day_seeded:
        live_day(now, nurses, psychiatrist)
        _history(now, now, nurses, psychiatrist)


def _history(
    until: dt.datetime, now: dt.datetime, nurses: list[User], psychiatrist: User | None
) -> None:
    """Every booked appointment over by `until` gets its record, oldest first, as it
    happened: a record reads what earlier ones stored (the weight, the first dose)."""
    history = (
        Appointment.objects.filter(
            status=AppointmentStatus.SCHEDULED, treatment_session__isnull=True, end__lt=until
        )
        .select_related("plan__protocol", "patient__psychiatrist", "nurse")
        .order_by("start", "pk")
    )
    for appointment in history:
        _chart_history(appointment, nurses, psychiatrist, now)


def _chart_history(
    appointment: Appointment, nurses: list[User], psychiatrist: User | None, now: dt.datetime
) -> None:
    build_record(
        appointment,
        nurse=appointment.nurse or nurses[0],
        psychiatrist=appointment.patient.psychiatrist or psychiatrist,
        now=now,
    )


def _benefit_reviews(psychiatrist: User | None, now: dt.datetime) -> None:
    """Maintenance patients had their end-of-induction benefit review, the day after their
    last induction session (the one left without it shows what Boosters due asks for: it
    is the patient longest without a session, as no booster can be booked before it)."""
    if psychiatrist is None:
        return
    for index, patient in enumerate(maintenance_patients()):
        if waits_for_benefit_review(index) or patient.benefit_reviews.exists():
            continue
        last = (
            Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED)
            .order_by("-start")
            .first()
        )
        if last is None:
            continue
        with clock.at(min(now, _closing(last) + dt.timedelta(days=1))):
            benefit_review_record(
                patient=patient,
                decision="continue",
                note="PHQ-9 improved over the series and the patient wants to continue; "
                "boosters at the plan's interval.",
                actor=patient.psychiatrist or psychiatrist,
            )


def _past_confirmations_cancelled(now: dt.datetime) -> None:
    """The booking service queues a confirmation at the real time; one for bookings the
    demo made weeks ago, whose sessions are all over, is cancelled, not sent."""
    targets = Reminder.objects.filter(
        kind=BOOKING_CONFIRMATION,
        status=ReminderStatus.PENDING,
        target__startswith="booked:",
    ).values_list("target", flat=True)
    for subject in {target.split("/")[0] for target in targets}:
        ids = [int(pk) for pk in subject.removeprefix("booked:").split("-") if pk.isdigit()]
        if ids and not Appointment.objects.filter(pk__in=ids, end__gte=now).exists():
            reminders.cancel_pending(subject, kinds=[BOOKING_CONFIRMATION])


def _rems_submitted(now: dt.datetime, nurse: User) -> None:
    """Older esketamine sessions had their REMS form submitted two days later; the last
    few days' forms are still due, so the list shows days left."""
    zone = clinic_settings().zone
    for session in TreatmentSession.objects.filter(
        route=monitoring.ESKETAMINE,
        discharged_at__lt=now - dt.timedelta(days=4),
        rems_submission__isnull=True,
    ).order_by("discharged_at"):
        submitted = timezone.localdate(session.discharged_at, zone) + dt.timedelta(days=2)
        with clock.at(dt.datetime.combine(submitted, dt.time(11), tzinfo=zone)):
            rems_submission_record(
                session=session,
                submitted_on=submitted,
                confirmation=f"RMS-{700000 + session.pk}",
                missing_note="Not charted in the record; reported as unknown.",
                actor=nurse,
            )
