"""Reminders: planning rules (preferences, quiet hours, cancellations), sending once,
retries and final failures, and messages without clinical details."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from clinic.choices import ReminderStatus
from clinic.models import ClinicSettings, Reminder
from clinic.notifications import reminders
from clinic.tasks import queue_due_reminders, send_reminder, sweep_reminders
from sessions.services.scheduling import appointment_cancel
from tests.factories import ChairFactory, open_clinic, open_day
from tests.sessions.conftest import make_plan

NY = zoneinfo.ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0, day: int = 23) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=NY)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (at(20, 59), at(20, 59)),
        (at(21, 0), at(8, 0, day=24)),
        (at(23, 30), at(8, 0, day=24)),
        (at(3, 0), at(8, 0)),
        (at(7, 59), at(8, 0)),
        (at(8, 0), at(8, 0)),
    ],
)
def test_an_sms_due_in_quiet_hours_waits_until_8(due: dt.datetime, expected: dt.datetime) -> None:
    moved = reminders.quiet_hours_adjust(
        due, channel="sms", zone=NY, start=dt.time(21), end=dt.time(8)
    )
    assert moved == expected


def test_email_is_not_held_by_quiet_hours() -> None:
    due = at(23, 30)
    assert (
        reminders.quiet_hours_adjust(
            due, channel="email", zone=NY, start=dt.time(21), end=dt.time(8)
        )
        == due
    )


def test_backoff_grows_with_jitter_and_stays_under_the_visibility_timeout() -> None:
    import random

    rng = random.Random(1)
    waits = [reminders.backoff_seconds(n, visibility_timeout=3600, rng=rng) for n in range(1, 12)]
    assert waits[0] <= 30 and waits[3] >= 120
    assert max(waits) <= 3540
    assert reminders.backoff_seconds(9, visibility_timeout=300, rng=rng) <= 240


@pytest.fixture
def booked(personas):
    from sessions.services.scheduling import BookingRow, series_book

    # Equal start and end switch quiet hours off, so these tests do not depend on the hour.
    ClinicSettings.objects.filter(pk=1).update(
        time_zone="America/New_York", sms_quiet_start=dt.time(8), sms_quiet_end=dt.time(8)
    )
    patient = personas.patient_a
    patient.email = "alice@patients.example"
    patient.phone = "+16175550111"
    patient.reminder_channel = "both"
    patient.journey_state = "plan"
    patient.save()
    plan = make_plan(patient, personas.psychiatrist)
    chair = ChairFactory(name="Chair R")
    open_clinic()
    monday = open_day(3) + dt.timedelta(days=7)
    monday -= dt.timedelta(days=monday.weekday())
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=NY)
    # Monday and Thursday for three weeks, 10:00–12:00.
    rows = [
        BookingRow(
            start=start + dt.timedelta(days=7 * (n // 2) + 3 * (n % 2)),
            end=start + dt.timedelta(days=7 * (n // 2) + 3 * (n % 2), hours=2),
            chair_id=chair.pk,
        )
        for n in range(6)
    ]
    return series_book(plan=plan, rows=rows, actor=personas.coordinator)


def test_booking_plans_a_confirmation_and_the_24h_and_2h_reminders(booked) -> None:
    kinds = sorted(Reminder.objects.values_list("kind", "channel"))
    assert kinds.count(("booking_confirmation", "email")) == 1  # one for the whole series
    assert kinds.count(("booking_confirmation", "sms")) == 1
    assert kinds.count(("session_24h", "email")) == 6 and kinds.count(("session_24h", "sms")) == 6
    assert kinds.count(("session_2h", "sms")) == 6 and ("session_2h", "email") not in kinds
    first = booked[0]
    reminder = Reminder.objects.get(
        kind="session_24h", channel="email", target__startswith=f"appointment:{first.pk}/"
    )
    assert reminder.due_at == first.start - dt.timedelta(hours=24)


def test_planning_a_session_again_adds_no_second_reminder(booked) -> None:
    from sessions.reminders import plan_booking

    plan_booking([booked[1]])
    plan_booking([booked[1]])
    assert Reminder.objects.filter(kind="session_24h").count() == 12
    assert Reminder.objects.filter(kind="session_2h").count() == 6


def test_cancelling_a_session_cancels_its_reminders_and_sends_a_notice(booked, personas) -> None:
    target = booked[2]
    appointment_cancel(appointment=target, reason="Patient unwell", actor=personas.coordinator)
    pending = Reminder.objects.filter(target__startswith=f"appointment:{target.pk}/")
    assert set(pending.values_list("status", flat=True)) == {"cancelled"}
    assert (
        Reminder.objects.filter(
            kind="booking_confirmation", target__startswith=f"cancelled:{target.pk}/"
        ).count()
        == 2
    )


def test_a_patient_who_chose_no_reminders_gets_none(personas) -> None:
    patient = personas.patient_b
    patient.reminder_channel = "none"
    patient.email = "bruno@patients.example"
    assert reminders.patient_channels(patient) == []


def test_due_reminders_are_sent_once_even_when_queued_twice(booked, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    sent = queue_due_reminders()
    assert sent == 2  # the confirmation by email and by SMS
    confirmation = Reminder.objects.get(kind="booking_confirmation", channel="email")
    assert confirmation.status == "sent" and confirmation.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.extra_headers["Message-ID"].startswith(f"<reminder-{confirmation.pk}@")
    assert message.from_email.startswith("Test Clinic <")  # the clinic's name, not a default
    assert send_reminder(confirmation.pk) == "skipped"  # a duplicate task changes nothing
    assert queue_due_reminders() == 0
    assert len(mail.outbox) == 1


def test_messages_carry_no_clinical_details(booked, settings) -> None:
    queue_due_reminders()
    for reminder in Reminder.objects.filter(kind="session_24h", channel="email")[:1]:
        Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    queue_due_reminders()
    bodies = " ".join(m.subject + m.body + m.alternatives[0][0] for m in mail.outbox)
    assert "Alice" in bodies
    for forbidden in (
        "ketamine",
        "Ketamine",
        "esketamine",
        "mg",
        "PHQ",
        "depress",
        "IV",
        "infusion",
        "Quillfeather",
    ):
        assert forbidden not in bodies, forbidden
    assert "ride home" in bodies or "drive" in bodies


def test_a_failing_send_retries_then_shows_as_failed(booked, settings, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(reminders, "deliver", broken)
    queue_due_reminders()
    failed = Reminder.objects.get(kind="booking_confirmation", channel="email")
    assert failed.status == "failed" and failed.attempts == reminders.MAX_ATTEMPTS
    assert "unreachable" in failed.last_error
    monkeypatch.undo()
    assert reminders.retry_failed(failed.pk)
    queue_due_reminders()
    assert Reminder.objects.get(pk=failed.pk).status == "sent"


def test_a_reminder_that_no_longer_applies_is_cancelled_not_sent(booked, personas) -> None:
    target = booked[0]
    Reminder.objects.filter(
        kind="session_24h", target__startswith=f"appointment:{target.pk}/"
    ).update(due_at=timezone.now())
    from sessions.models import Appointment

    Appointment.objects.filter(pk=target.pk).update(status="no_show")
    queue_due_reminders()
    statuses = set(
        Reminder.objects.filter(
            kind="session_24h", target__startswith=f"appointment:{target.pk}/"
        ).values_list("status", flat=True)
    )
    assert statuses == {"cancelled"}


def test_a_reminder_is_claimed_once_and_a_stuck_claim_can_be_taken_again(
    booked, django_assert_num_queries
) -> None:
    reminder = Reminder.objects.filter(kind="session_24h").first()
    with django_assert_num_queries(2):  # the conditional update, then the row and patient
        row = reminders.claim(reminder.pk)
        assert row.patient.first_name  # came with the row
    assert (row.status, row.attempts) == (ReminderStatus.SENDING, 1)
    assert reminders.claim(reminder.pk) is None  # another task has it
    later = timezone.now() + reminders.stale_after() + dt.timedelta(seconds=1)
    again = reminders.claim(reminder.pk, now=later)  # that task died: taken again
    assert again is not None and again.attempts == 2
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SENT)
    assert reminders.claim(reminder.pk, now=later + dt.timedelta(hours=1)) is None


def test_the_sweeper_returns_stuck_reminders(booked) -> None:
    reminder = Reminder.objects.filter(kind="session_24h").first()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Reminder.objects.filter(pk=reminder.pk).update(
        status="sending", claimed_at=long_ago, due_at=long_ago
    )
    assert sweep_reminders() == 1
    assert Reminder.objects.get(pk=reminder.pk).status == ReminderStatus.PENDING


def test_staff_see_the_history_and_send_a_failed_reminder_again(
    booked, personas, login, monkeypatch
) -> None:
    from django.urls import reverse

    monkeypatch.setattr(
        reminders,
        "deliver",
        lambda *a, **k: (_ for _ in ()).throw(OSError("550 mailbox unavailable")),
    )
    queue_due_reminders()
    monkeypatch.undo()
    coordinator = login(personas.coordinator)
    html = coordinator.get(
        reverse("patient_reminders", args=[personas.patient_a.pk])
    ).content.decode()
    assert "Session in 24 hours" in html and "550 mailbox unavailable" in html
    html = coordinator.get(reverse("failed_reminders")).content.decode()
    assert "Alice Quillfeather" in html and "550 mailbox unavailable" in html
    failed = Reminder.objects.filter(status="failed").first()
    coordinator.post(reverse("reminder_retry", args=[failed.pk]))
    assert Reminder.objects.get(pk=failed.pk).status == "pending"
    queue_due_reminders()
    assert Reminder.objects.get(pk=failed.pk).status == "sent"
    assert login(personas.admin).get(reverse("failed_reminders")).status_code in (403, 404)


def test_an_urgent_alert_is_a_reminder_row_sent_at_once_to_the_psychiatrist(
    personas, django_capture_on_commit_callbacks
) -> None:
    from intake.services import urgent_alert_raise

    with django_capture_on_commit_callbacks(execute=True):
        alert = urgent_alert_raise(
            patient=personas.patient_a, code="SUICIDAL_IDEATION", reason="test", source="test"
        )
    row = Reminder.objects.get(kind="urgent_alert")
    assert row.status == "sent" and row.recipient == personas.psychiatrist
    (message,) = mail.outbox
    assert message.subject.startswith("URGENT") and personas.patient_a.mrn in message.subject
    assert f"/alerts/{alert.pk}/" in message.body or str(alert.pk) in message.body
    assert "Quillfeather" not in message.body and "SUICIDAL" not in message.body
