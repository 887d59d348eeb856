"""What must hold of the ledger (controlled-substances.md §3): entries are append-only
(model layer and, on PostgreSQL, a trigger even for raw SQL); a balance never goes below
zero; after any sequence of receipts, administrations, waste, destructions and
corrections every lot's balance is the sum of its entries; and twenty doses drawn from one
lot at the same moment on real connections succeed exactly as far as the stock allows."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.choices import Role
from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot
from controlled.services.administrations import (
    administration_post,
    correction_post,
    waste_post,
)
from controlled.services.posting import post_entry
from controlled.services.receipts import ReceiptLine, receipt_record
from tests.concurrency import run_together
from tests.controlled.helpers import SUPPLIER, manager, receive
from tests.factories.clinic import PASSWORD, LocationFactory, PatientFactory, StaffFactory
from tests.factories.controlled import DestructionFactory, ProductFactory

REF = "treatment_session:7"


@pytest.mark.django_db
def test_the_model_layer_refuses_to_edit_or_delete_an_entry() -> None:
    entry = receive().entries.get()
    entry.reason = "edited"
    with pytest.raises(PermissionError, match="append-only"):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="edited")
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_raw_sql_cannot_update_or_delete_a_ledger_row_on_postgresql() -> None:
    assert connection.vendor == "postgresql", "CI runs this against PostgreSQL"
    entry = receive().entries.get()
    table = LedgerEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET mg = 0 WHERE id = %s",  # noqa: S608 - a fixed table name
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).mg == entry.mg


@pytest.mark.django_db
def test_the_database_refuses_a_negative_balance_as_the_last_line_of_defence() -> None:
    lot = receive()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(balance_units=Decimal(-1))


def _balance_by_kind(lot: Lot) -> Decimal:
    """receipts − administrations − waste − destruction + adjustments + corrections."""
    by_kind = {kind: Decimal(0) for kind in EntryKind.values}
    for kind, mg in lot.entries.values_list("kind", "mg"):
        by_kind[kind] += mg
    return (
        by_kind[EntryKind.RECEIPT]
        - -by_kind[EntryKind.ADMINISTRATION]
        - -by_kind[EntryKind.WASTE]
        - -by_kind[EntryKind.DESTRUCTION]
        + by_kind[EntryKind.ADJUSTMENT]
        + by_kind[EntryKind.CORRECTION]
    )


def assert_lot_consistent(lot: Lot) -> None:
    lot.refresh_from_db()
    entries = list(lot.entries.order_by("pk"))
    assert lot.balance_mg == _balance_by_kind(lot) >= 0
    assert lot.balance_units >= 0
    running_mg, running_units = Decimal(0), Decimal(0)
    for entry in entries:
        running_mg += entry.mg
        running_units += entry.units
        assert entry.balance_mg_after == running_mg >= 0
        assert entry.balance_units_after == running_units >= 0
    if entries:
        assert entries[-1].balance_mg_after == lot.balance_mg
        assert entries[-1].balance_units_after == lot.balance_units


OPERATION = st.one_of(
    st.tuples(st.just("receipt"), st.integers(0, 1), st.integers(1, 2)),
    st.tuples(st.just("give"), st.integers(0, 1), st.integers(1, 150)),
    st.tuples(st.just("waste"), st.integers(0, 1), st.integers(1, 40)),
    st.tuples(st.just("destroy"), st.integers(0, 1), st.integers(1, 10)),
    st.tuples(st.just("correct"), st.integers(0, 1), st.integers(0, 30)),
)
_numbers = itertools.count()


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATION, min_size=1, max_size=25))
def test_every_lot_balance_is_the_sum_of_its_entries_after_any_sequence(operations) -> None:
    run = next(_numbers)
    location = LocationFactory()
    product = ProductFactory(
        ndc=f"99{run:03d}-001-10", strength_mg=Decimal(10), container_units=Decimal(10)
    )
    boss, nurse = manager(), StaffFactory(roles=[Role.NURSE])
    witness = StaffFactory(roles=[Role.PSYCHIATRIST])
    patient = PatientFactory()
    lots: dict[int, Lot] = {}
    posted: list[LedgerEntry] = []
    now = timezone.now()
    for kind, which, amount in operations:
        try:
            if kind == "receipt":
                receipt = receipt_record(
                    location=location, received_on=timezone.localdate(), actor=boss,
                    lines=[ReceiptLine(product, f"R{run}-{which}", timezone.localdate()
                                       .replace(year=timezone.localdate().year + 1), amount)],
                    **SUPPLIER,
                )  # fmt: skip
                lots[which] = receipt.entries.get().lot
                continue
            lot = lots.get(which)
            if lot is None:
                continue
            if kind == "give":
                posted.append(
                    administration_post(
                        lot=lot,
                        mg=Decimal(amount),
                        patient=patient,
                        source_ref=REF,
                        given_by=nurse,
                        occurred_at=now,
                        actor=nurse,
                        location=location,
                    )
                )
            elif kind == "waste":
                posted.append(
                    waste_post(
                        lot=lot,
                        mg=Decimal(amount),
                        witness=witness,
                        witness_password=PASSWORD,
                        patient=patient,
                        source_ref=REF,
                        wasted_by=nurse,
                        occurred_at=now,
                        actor=nurse,
                        location=location,
                    )
                )
            elif kind == "destroy":
                post_entry(
                    lot=lot, kind=EntryKind.DESTRUCTION, units=-Decimal(amount) / 10,
                    actor=boss, occurred_at=now, field="lot",
                    destruction=DestructionFactory(location=location, destroyed_by=boss),
                )  # fmt: skip
            elif kind == "correct" and posted:
                correction_post(
                    entry=posted[amount % len(posted)], reason="Entered in error",
                    actor=nurse, occurred_at=now,
                )  # fmt: skip
        except ValidationError:
            pass  # a refusal records nothing
    for lot in lots.values():
        assert_lot_consistent(lot)


@pytest.mark.django_db(transaction=True)
def test_twenty_doses_at_once_from_one_lot_succeed_exactly_as_far_as_the_stock_allows() -> None:
    assert connection.vendor == "postgresql", "CI runs this against PostgreSQL"
    lot = receive(containers=1)  # 100 mg: seven 14 mg doses, then 2 mg left
    nurses = [StaffFactory(roles=[Role.NURSE]) for _ in range(20)]
    patients = [PatientFactory() for _ in range(20)]

    def dose(index: int):
        def call() -> None:
            with transaction.atomic():  # as the dose service's own transaction
                administration_post(
                    lot=Lot.objects.get(pk=lot.pk), mg=Decimal(14), patient=patients[index],
                    source_ref=f"treatment_session:{index}", given_by=nurses[index],
                    occurred_at=timezone.now(), actor=nurses[index], location=lot.location,
                )  # fmt: skip

        return call

    outcomes = run_together(*(dose(index) for index in range(20)))
    assert outcomes.count("done") == 7, outcomes
    refused = [o for o in outcomes if o != "done"]
    assert len(refused) == 13
    assert all("Not enough stock" in o and "(2.0 mg)" in o for o in refused), refused
    assert LedgerEntry.objects.filter(lot=lot, kind=EntryKind.ADMINISTRATION).count() == 7
    assert_lot_consistent(lot)
    assert lot.balance_mg == Decimal(2)
