"""Reminders: planned as rows, queued by beat, claimed and sent once by a task.

Exactly once, step by step:
- planning inserts rows with a unique (kind, target, due time) — planning twice is a no-op;
- `queue_due` (beat, every minute) moves due `pending` rows to `queued` with
  `SELECT … FOR UPDATE SKIP LOCKED`, so two beat processes never queue a row twice;
- `claim` flips one row to `sending` in a single conditional UPDATE; only one task wins,
  and a claim left by a killed worker can be taken over only once it is stale;
- the message carries the reminder's idempotency key (Message-ID / Idempotency-Key), so
  the one window no database can close — a worker killed after the sink accepted the
  message but before the row says `sent` — is closed by the sink keeping one copy;
- `sweep` returns rows stuck in `queued`/`sending` to `pending` for the next beat.

Feature apps declare their kinds (`clinic.notifications.kinds.define_kind`), each with a
function that builds the message context from the row (or returns None when the reminder
no longer applies, e.g. a cancelled session).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.choices import Channel, ReminderChannel, ReminderStatus, Role
from clinic.models import ClinicSettings, Patient, Reminder, User
from clinic.notifications import kinds
from clinic.notifications.email import clinic_sender
from clinic.notifications.sms import send_sms
from clinic.site import site_domain

MAX_ATTEMPTS = 5


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_STALE_SECONDS)


def backoff_seconds(
    attempt: int, *, visibility_timeout: int, rng: random.Random | None = None
) -> int:
    """Exponential backoff with full jitter, capped below the visibility timeout."""
    # Retries wait 30 s, 60 s, 120 s … (REMINDER_BACKOFF_SECONDS doubling) with jitter,
    # never longer than the broker keeps an unacknowledged message invisible (a longer
    # countdown would be redelivered early).
    cap = max(visibility_timeout - 60, 1)
    ceiling = min(settings.REMINDER_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0), cap)
    return max(1, int((rng or random).uniform(ceiling / 2, ceiling)))


def quiet_hours_adjust(
    due_at: dt.datetime, *, channel: str, zone: dt.tzinfo, start: dt.time, end: dt.time
) -> dt.datetime:
    """An SMS due in the clinic's quiet hours waits until they end (email is not held)."""
    if channel != Channel.SMS:
        return due_at
    local = due_at.astimezone(zone)
    moment = local.time()
    crosses_midnight = start > end
    quiet = (moment >= start or moment < end) if crosses_midnight else (start <= moment < end)
    if not quiet:
        return due_at
    day = local.date()
    if crosses_midnight and moment >= start:
        day += dt.timedelta(days=1)
    wake = dt.datetime.combine(day, end)
    return timezone.make_aware(wake, zone).astimezone(dt.UTC)


def patient_channels(patient: Patient, *, prefer_sms: bool = False) -> list[tuple[str, str]]:
    """(channel, address) pairs the patient chose and we can reach."""
    choice = patient.reminder_channel
    pairs = []
    if choice in (ReminderChannel.EMAIL, ReminderChannel.BOTH) and patient.email:
        pairs.append((Channel.EMAIL, patient.email))
    if choice in (ReminderChannel.SMS, ReminderChannel.BOTH) and patient.phone:
        pairs.append((Channel.SMS, patient.phone))
    if prefer_sms and len(pairs) == 2:
        pairs = [p for p in pairs if p[0] == Channel.SMS]
    return pairs


@dataclass(frozen=True)
class Planned:
    kind: str
    subject: str  # what it is about, e.g. "appointment:42"
    due_at: dt.datetime


def patient_rows(
    planned: Planned, patient: Patient, *, clinic: ClinicSettings, prefer_sms: bool = False
) -> list[Reminder]:
    """The unsaved rows for a patient: one per channel they chose, SMS held out of their
    quiet hours (their own, or the clinic's). A kind declared `prefer_sms` goes by text
    message alone to a patient who chose both channels."""
    rows = []
    quiet_start, quiet_end = patient.sms_quiet_hours(clinic)
    prefer_sms = prefer_sms or kinds.prefers_sms(planned.kind)
    for channel, address in patient_channels(patient, prefer_sms=prefer_sms):
        due = quiet_hours_adjust(
            planned.due_at,
            channel=channel,
            zone=clinic.zone,
            start=quiet_start,
            end=quiet_end,
        )
        rows.append(
            Reminder(
                kind=planned.kind,
                target=f"{planned.subject}/patient:{patient.pk}/{channel}",
                due_at=due,
                channel=channel,
                patient=patient,
                address=address,
            )
        )
    return rows


def insert(rows: list[Reminder]) -> int:
    """One insert for many rows; rows already planned stay as they are."""
    return len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))


def plan_for_patient(
    planned: Planned, patient: Patient, *, clinic: ClinicSettings, prefer_sms: bool = False
) -> int:
    """Insert the rows for a patient (one per channel they chose); existing ones stay."""
    return insert(patient_rows(planned, patient, clinic=clinic, prefer_sms=prefer_sms))


PREFERENCES_CHANGED = "The patient changed their reminder preferences."


def replan_for_patient(
    patient: Patient, *, clinic: ClinicSettings, now: dt.datetime | None = None
) -> int:
    """Bring the patient's reminders not yet sent in line with their current preferences:
    rows for a channel they left are cancelled, rows for a channel they chose are added
    (or brought back, when an earlier change cancelled them and they are still ahead),
    text messages move out of their quiet hours. Returns how many rows changed.

    Only `pending` rows change: a row already queued is being sent this minute. Staff
    messages (urgent alerts included) have a recipient and are never touched. The time a
    reminder was planned for is the earliest due time of its rows (an SMS row may have
    been held until the quiet hours ended, so at worst a message is later, never earlier).
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update()
            .filter(patient=patient, recipient__isnull=True)
            .filter(
                Q(status=ReminderStatus.PENDING)
                | Q(
                    status=ReminderStatus.CANCELLED,
                    last_error=PREFERENCES_CHANGED,
                    due_at__gt=now,
                )
            )
            .exclude(kind=kinds.URGENT_ALERT)
        )
        planned: dict[tuple[str, str], dt.datetime] = {}
        for row in rows:
            key = (row.kind, row.target.rsplit("/patient:", 1)[0])
            planned[key] = min(planned.get(key, row.due_at), row.due_at)
        wanted = {
            (row.kind, row.target, row.due_at): row
            for (kind, subject), due in planned.items()
            for row in patient_rows(Planned(kind, subject, due), patient, clinic=clinic)
        }
        changed = 0
        for row in rows:
            new = wanted.pop((row.kind, row.target, row.due_at), None)
            if row.status == ReminderStatus.PENDING and new is None:
                row.status, row.last_error = ReminderStatus.CANCELLED, PREFERENCES_CHANGED
                row.save(update_fields=["status", "last_error"])
                changed += 1
            elif row.status == ReminderStatus.PENDING and new.address != row.address:
                row.address = new.address  # a corrected email address or phone number
                row.save(update_fields=["address"])
                changed += 1
            elif row.status == ReminderStatus.CANCELLED and new is not None:
                row.status, row.last_error, row.address = ReminderStatus.PENDING, "", new.address
                row.save(update_fields=["status", "last_error", "address"])
                changed += 1
        changed += insert(list(wanted.values()))
    return changed


def plan_for_staff(
    planned: Planned, users: Iterable[User], *, patient: Patient | None = None
) -> int:
    rows = [
        Reminder(
            kind=planned.kind,
            target=f"{planned.subject}/user:{user.pk}/email",
            due_at=planned.due_at,
            channel=Channel.EMAIL,
            patient=patient,
            recipient=user,
            address=user.email,
        )
        for user in users
        if user.is_active and user.email
    ]
    return len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))


def cancel_pending(subject: str, kinds: Iterable[str] | None = None) -> int:
    """Cancel what has not been sent yet for this subject (e.g. a cancelled session)."""
    rows = Reminder.objects.filter(
        target__startswith=f"{subject}/",
        status__in=[ReminderStatus.PENDING, ReminderStatus.QUEUED],
    )
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.update(status=ReminderStatus.CANCELLED, last_error="")


def on_call_psychiatrists(preferred: User | None) -> list[User]:
    """The responsible psychiatrist, or every psychiatrist when none is reachable."""
    if preferred is not None and preferred.is_active and preferred.email:
        return [preferred]
    return list(
        User.objects.filter(is_active=True, staff_roles__role=Role.PSYCHIATRIST)
        .exclude(email="")
        .distinct()
    )


def send_now(subject: str, users: Iterable[User], *, patient: Patient | None) -> int:
    """An urgent alert: rows like every reminder (sent once, retried, visible when they
    fail), handed to a worker as soon as the transaction commits rather than at the next
    beat."""
    from clinic.tasks import send_reminder

    now = timezone.now()
    planned = plan_for_staff(Planned(kinds.URGENT_ALERT, subject, now), users, patient=patient)
    ids = list(
        Reminder.objects.filter(
            kind=kinds.URGENT_ALERT,
            target__startswith=f"{subject}/",
            status=ReminderStatus.PENDING,
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        send_reminder.delay_on_commit(pk)
    return planned


# Planners of time-based reminders (unfinished intakes, reviews waiting, boosters, REMS
# forms), each taking "now" and returning how many rows it planned; run hourly.
FOLLOWUP_PLANNERS: list[Callable[[dt.datetime], int]] = []


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    sms: str


def render(reminder: Reminder, context: dict[str, Any], clinic: ClinicSettings) -> Message:
    base = {
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "site_url": settings.SITE_URL,
        **context,
    }
    name = f"emails/reminder_{reminder.kind}"
    with timezone.override(clinic.zone):
        return Message(
            subject=render_to_string(f"{name}_subject.txt", base).strip(),
            text=render_to_string(f"{name}_body.txt", base),
            html=render_to_string(f"{name}_body.html", base),
            sms=" ".join(render_to_string(f"{name}_sms.txt", base).split()),
        )


# --- Queueing, claiming, sending --------------------------------------------------------


def queue_due(now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Mark due pending rows queued and return their ids (the caller enqueues tasks)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.PENDING, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        Reminder.objects.filter(pk__in=ids, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.QUEUED, queued_at=now
        )
    return ids


def claim(pk: int, now: dt.datetime | None = None) -> Reminder | None:
    """Take the row for sending, or None if another task has it or it is done."""
    now = now or timezone.now()
    claimable = Q(status__in=[ReminderStatus.QUEUED, ReminderStatus.PENDING]) | Q(
        status=ReminderStatus.SENDING, claimed_at__lt=now - stale_after()
    )
    # One conditional UPDATE is the claim: PostgreSQL re-checks the condition after a
    # concurrent claimer commits, so exactly one task gets the row.
    taken = Reminder.objects.filter(claimable, pk=pk).update(
        status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return Reminder.objects.select_related("patient").get(pk=pk)  # every message names them


def deliver(reminder: Reminder, message: Message) -> str:
    """Hand the message to the email backend or the SMS backend; returns a provider id."""
    if reminder.channel == Channel.SMS:
        return send_sms(reminder.address, message.sms, idempotency_key=reminder.idempotency_key)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[reminder.address],
        from_email=clinic_sender(),
        headers={"Message-ID": f"<{reminder.idempotency_key}@{site_domain()}>"},
    )
    email.attach_alternative(message.html, "text/html")
    email.send()
    return reminder.idempotency_key


def finish(pk: int, *, provider_id: str) -> None:
    Reminder.objects.filter(pk=pk, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:120],
        last_error="",
    )


def give_up_or_retry(pk: int, error: str) -> bool:
    """Record the failure; True when another attempt should be made."""
    row = Reminder.objects.get(pk=pk)
    final = row.attempts >= MAX_ATTEMPTS
    Reminder.objects.filter(pk=pk, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.FAILED if final else ReminderStatus.QUEUED,
        last_error=error[:300],
    )
    return not final


def cancel_one(pk: int, reason: str) -> None:
    Reminder.objects.filter(pk=pk, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.CANCELLED, last_error=reason[:300]
    )


def sweep(now: dt.datetime | None = None) -> int:
    """Return rows stuck in queued/sending (lost task, killed worker) to pending."""
    now = now or timezone.now()
    stuck = Q(status=ReminderStatus.QUEUED, queued_at__lt=now - stale_after()) | Q(
        status=ReminderStatus.SENDING, claimed_at__lt=now - stale_after()
    )
    return Reminder.objects.filter(stuck).update(status=ReminderStatus.PENDING)


def retry_failed(pk: int) -> bool:
    """Staff asked to try a failed reminder again."""
    return bool(
        Reminder.objects.filter(pk=pk, status=ReminderStatus.FAILED).update(
            status=ReminderStatus.PENDING, attempts=0, due_at=timezone.now()
        )
    )
