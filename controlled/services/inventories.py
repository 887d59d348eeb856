"""The biennial inventory reminder: daily, each location whose inventory is due within
30 days (or overdue, or that has no initial inventory) gets one e-mail per manager per
due date, through the clinic's reminder rows (sent once, retried, visible when they
fail). The home page shows the same warning (`controlled.home`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clinic import clock
from clinic.models import Location, Reminder, User
from clinic.notifications import kinds, reminders
from clinic.policy import holders
from controlled.permissions import COUNT_STOCK
from controlled.selectors.inventories import REMIND_DAYS, InventoryDue, inventory_due

INVENTORY_DUE = "inventory_due"


def inventory_context(reminder: Reminder) -> dict[str, object] | None:
    """The message: which location, when; None once the inventory was taken."""
    _, location_id, due = reminder.subject.split(":", 2)
    location = Location.objects.filter(pk=location_id, is_active=True).first()
    if location is None:
        return None
    (status,) = inventory_due([location])
    if not status.remind or str(status.due_on or "initial") != due:  # taken meanwhile
        return None
    return {
        "location_name": location.name,
        "text": status.text,
        "link": settings.SITE_URL + reverse("controlled_counts"),
    }


def register() -> None:
    kinds.define_kind(
        INVENTORY_DUE, "Controlled-substance inventory due", context=inventory_context
    )


def managers_of(location: Location) -> list[User]:
    """Who takes the location's inventory: the holders of `controlled.count_stock` (the
    policy says who) assigned to it; every holder when none is assigned to it."""
    managers = holders(COUNT_STOCK).order_by("pk")
    assigned = list(managers.filter(locations=location))
    return assigned or list(managers)


def _send_at(status: InventoryDue, now: dt.datetime) -> dt.datetime:
    """A fixed moment per reminder, so planning again finds the row already there: 9 am
    (location time) 30 days before the due date; without an initial inventory, the first
    of each month (a monthly nudge)."""
    zone = status.location.zone
    if status.due_on is not None:
        day = status.due_on - dt.timedelta(days=REMIND_DAYS)
    else:
        day = now.astimezone(zone).date().replace(day=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)), zone)


def inventory_reminders_plan(now: dt.datetime | None = None) -> int:
    """Plan the reminders due today; a reminder is planned once per manager, location
    and due date however often this runs."""
    now = now or clock.now()
    planned = 0
    for status in inventory_due(list(Location.objects.filter(is_active=True))):
        if not status.remind:
            continue
        subject = f"inventory:{status.location.pk}:{status.due_on or 'initial'}"
        planned += reminders.plan_for_staff(
            reminders.Planned(INVENTORY_DUE, subject, _send_at(status, now)),
            managers_of(status.location),
        )
    return planned
