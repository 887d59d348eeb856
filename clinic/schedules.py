"""Every periodic task of the product, in one list.

The core declares its own tasks here; each feature app declares its own in its
AppConfig.ready() with `declare_periodic(Periodic(...))`. `sync_periodic_tasks` runs
after each `migrate` (ClinicConfig.ready) and makes django-celery-beat's database
schedule match this list; admins see it in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    crontab: dict[str, str]  # minute, hour, day_of_week, day_of_month, month_of_year
    description: str


PERIODIC_TASKS: list[Periodic] = [
    Periodic(
        name="Queue due reminders",
        task="reminders.queue_due",
        crontab={"minute": "*"},
        description="Every minute: hand the reminders that are due to the workers.",
    ),
    Periodic(
        name="Sweep stuck reminders",
        task="reminders.sweep",
        crontab={"minute": "*/5"},
        description="Return reminders left by a lost task or a killed worker to the queue.",
    ),
    Periodic(
        name="Plan follow-up reminders",
        task="reminders.plan_followups",
        crontab={"minute": "7"},
        description="Hourly: intakes left unfinished, intakes waiting for review, boosters "
        "due, REMS forms due.",
    ),
    Periodic(
        name="Verify the audit chain",
        task="clinic.verify_audit_chain",
        crontab={"minute": "15", "hour": "2"},
        description="Nightly check that no audit row was changed or removed.",
    ),
]


def declare_periodic(periodic: Periodic) -> None:
    """Add a feature app's periodic task to the schedule (from its AppConfig.ready())."""
    if all(known.name != periodic.name for known in PERIODIC_TASKS):
        PERIODIC_TASKS.append(periodic)


def sync_periodic_tasks(**_: Any) -> None:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    with transaction.atomic():
        for periodic in PERIODIC_TASKS:
            fields = {
                "minute": "*",
                "hour": "*",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
                **periodic.crontab,
            }
            schedule, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
            PeriodicTask.objects.update_or_create(
                name=periodic.name,
                defaults={
                    "task": periodic.task,
                    "crontab": schedule,
                    "interval": None,
                    "description": periodic.description,
                    "enabled": True,
                },
            )
