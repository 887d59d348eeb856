"""What a controlled-substance manager (and a psychiatrist) sees on the home page: the
theft/loss deadlines counting down until marked done, the inventory due, the
discrepancies waiting for a decision and the named-patient devices due for disposal.
Registered as a home panel from ControlledConfig.ready() (the core names no app)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q
from django.http import HttpRequest

from clinic import clock
from clinic.policy import may
from clinic.selectors import work_locations
from controlled import permissions
from controlled.choices import DiscrepancyStatus
from controlled.models import NAMED_PATIENT_DAYS, Discrepancy, Lot, TheftLossCase
from controlled.selectors.inventories import inventory_due


@dataclass(frozen=True)
class Deadline:
    case: TheftLossCase
    what: str
    due_on: dt.date
    today: dt.date

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def level(self) -> str:
        return "danger" if self.days_left <= 1 else "warning" if self.days_left <= 7 else "info"

    @property
    def countdown(self) -> str:
        days = self.days_left
        if days < 0:
            return f"overdue by {-days} day{'s' if days != -1 else ''}"
        if days == 0:
            return "due today"
        if days == 1:
            return "due tomorrow"
        return f"{days} days left"


def case_deadlines(cases: list[TheftLossCase]) -> list[Deadline]:
    deadlines = []
    for case in cases:
        today = clock.localdate(case.location.zone)
        if case.notice_sent_at is None:
            deadlines.append(Deadline(case, "Written notice to the DEA", case.notice_due_on, today))
        if case.form_106_filed_at is None:
            deadlines.append(Deadline(case, "DEA Form 106", case.form_106_due_on, today))
    return sorted(deadlines, key=lambda deadline: deadline.due_on)


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    cases, counts, decides, destroys = (
        may(user, permissions.MANAGE_CASES),
        may(user, permissions.COUNT_STOCK),
        may(user, permissions.RESOLVE_DISCREPANCY),
        may(user, permissions.DESTROY_STOCK),
    )
    if not (cases or counts or decides or destroys):
        return None
    locations = work_locations(user)  # a subquery of each query below
    context: dict[str, Any] = {}
    if cases:
        open_cases = TheftLossCase.objects.filter(location__in=locations).filter(
            Q(notice_sent_at__isnull=True) | Q(form_106_filed_at__isnull=True)
        )
        context["deadlines"] = case_deadlines(list(open_cases.select_related("location")))
    if counts:
        context["inventories"] = [due for due in inventory_due(list(locations)) if due.remind]
    if decides:
        context["open_discrepancies"] = Discrepancy.objects.filter(
            status=DiscrepancyStatus.OPEN, line__count__location__in=locations
        ).count()
    if destroys:
        today = clock.localdate()
        context["disposals"] = list(
            Lot.objects.filter(
                location__in=locations, named_patient__isnull=False, balance_units__gt=0
            )
            .filter(received_on__lte=today - dt.timedelta(days=NAMED_PATIENT_DAYS))
            .annotate(location_name=F("location__name"))
            .select_related("product")
        )
    if not any(context.values()):
        return None
    return context
