"""Scoped lookups of counts, discrepancies, cases and destructions: a record of a
location outside the user's scope is `NotVisible` (the same 404 as one that does not
exist), and the lookup names the record for the page's audit row."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.context import note_subject
from clinic.models import Location, User
from clinic.policy import NotVisible
from clinic.selectors import work_locations
from controlled.choices import DiscrepancyStatus
from controlled.models import Destruction, Discrepancy, StockCount, TheftLossCase


def _found(queryset: QuerySet, pk: int, object_type: str):  # type: ignore[no-untyped-def]
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise NotVisible(patient_id=None, object_type=object_type, object_id=pk)
    note_subject(patient_id=None, object_type=object_type, object_id=record.pk)
    return record


def count_for_user(user: User, count_id: int) -> StockCount:
    return _found(
        StockCount.objects.filter(location__in=work_locations(user)).select_related(
            "location", "counted_by"
        ),
        count_id,
        "controlled.stockcount",
    )


def count_lines(count: StockCount) -> list:  # type: ignore[type-arg]
    return list(
        count.lines.select_related("lot__product", "discrepancy").order_by(
            "lot__product__name", "lot__lot_number"
        )
    )


def discrepancies_for_user(user: User) -> QuerySet[Discrepancy]:
    return (
        Discrepancy.objects.filter(line__count__location__in=work_locations(user))
        .select_related(
            "line__lot__product",
            "line__count__location",
            "line__count__counted_by",
            "decided_by",
            "case",
        )
        .order_by("status", "-opened_at", "-pk")
    )


def open_discrepancies(user: User) -> list[Discrepancy]:
    return list(discrepancies_for_user(user).filter(status=DiscrepancyStatus.OPEN))


def recent_decided(user: User, limit: int = 20) -> list[Discrepancy]:
    return list(
        discrepancies_for_user(user)
        .exclude(status=DiscrepancyStatus.OPEN)
        .order_by("-decided_at", "-pk")[:limit]
    )


def discrepancy_for_user(user: User, discrepancy_id: int) -> Discrepancy:
    return _found(discrepancies_for_user(user), discrepancy_id, "controlled.discrepancy")


def cases_for_user(user: User) -> QuerySet[TheftLossCase]:
    return TheftLossCase.objects.filter(location__in=work_locations(user)).select_related(
        "location", "discovered_by", "notice_sent_by", "form_106_filed_by"
    )


def case_for_user(user: User, case_id: int) -> TheftLossCase:
    return _found(cases_for_user(user), case_id, "controlled.theftlosscase")


def destructions_for_user(user: User) -> QuerySet[Destruction]:
    return Destruction.objects.filter(location__in=work_locations(user)).select_related(
        "location", "destroyed_by", "first_witness", "second_witness"
    )


def destruction_for_user(user: User, destruction_id: int) -> Destruction:
    return _found(destructions_for_user(user), destruction_id, "controlled.destruction")


def counts_of(user: User, limit: int = 30) -> list[StockCount]:
    return list(
        StockCount.objects.filter(location__in=work_locations(user))
        .select_related("location", "counted_by")
        .order_by("-counted_at", "-pk")[:limit]
    )


def latest_count_id(location: Location) -> int:
    """The id of the location's latest count or inventory (0: none yet): the count form
    carries it, so a count another manager recorded meanwhile refuses the second."""
    latest = StockCount.objects.filter(location=location).order_by("-pk")
    return latest.values_list("pk", flat=True).first() or 0
