"""When each location's next inventory is due (21 CFR 1304.11): the initial inventory
before the first stock is handled, then a biennial one at most two years after the last
inventory, or earlier where the clinic set a state-specific date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic import clock
from clinic.models import Location
from controlled.choices import CountPurpose
from controlled.models import LedgerSettings, StockCount

REMIND_DAYS = 30
INVENTORIES = (CountPurpose.INITIAL, CountPurpose.BIENNIAL)


def two_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


@dataclass(frozen=True)
class InventoryDue:
    location: Location
    last: StockCount | None
    due_on: dt.date | None  # None: no inventory yet (the initial one is due now)
    today: dt.date

    @property
    def days_left(self) -> int | None:
        return None if self.due_on is None else (self.due_on - self.today).days

    @property
    def needs_initial(self) -> bool:
        return self.last is None

    @property
    def remind(self) -> bool:
        """Within the 30 days before it is due, overdue, or no initial inventory."""
        return self.due_on is None or (self.days_left or 0) <= REMIND_DAYS

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < self.today

    @property
    def text(self) -> str:
        name = self.location.name
        if self.due_on is None:
            return f"{name} has no initial inventory: take it before handling any stock."
        days = self.days_left or 0
        when = f"{self.due_on:%B %-d, %Y}"
        if days < 0:
            return f"The biennial inventory of {name} is overdue: it was due on {when}."
        if days == 0:
            return f"The biennial inventory of {name} is due today, {when}."
        plural = "s" if days != 1 else ""
        return f"The biennial inventory of {name} is due in {days} day{plural}, on {when}."


def inventory_due(locations: list[Location]) -> list[InventoryDue]:
    """The inventory status of each location (two queries for any number of them)."""
    ids = [location.pk for location in locations]
    last: dict[int, StockCount] = {}
    for count in (
        StockCount.objects.filter(location_id__in=ids, purpose__in=INVENTORIES)
        .select_related("counted_by")
        .order_by("location_id", "-counted_at", "-pk")
    ):
        last.setdefault(count.location_id, count)
    earlier = dict(
        LedgerSettings.objects.filter(
            location_id__in=ids, biennial_due_on__isnull=False
        ).values_list("location_id", "biennial_due_on")
    )
    found = []
    for location in locations:
        today = clock.localdate(location.zone)
        latest = last.get(location.pk)
        due = None
        if latest is not None:
            due = two_years_after(latest.counted_at.astimezone(location.zone).date())
            state_date = earlier.get(location.pk)
            if state_date is not None and state_date < due:
                due = state_date
        found.append(InventoryDue(location, latest, due, today))
    return found
