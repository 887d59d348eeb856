"""The lot ledger page reads its later pages newest first (by the (lot, id) index, no
sort of the lot's whole history) and shows exactly what the plain paginator in the order
posted showed: the same entries, in the same order, with the same running balances."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic import clock
from clinic.choices import Role
from controlled.choices import EntryKind
from controlled.selectors.stock import LedgerPaginator, lot_entries
from controlled.services.posting import post_entry
from tests.controlled.counts_support import manager, person, stocked_lot
from tests.factories import LedgerEntryFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _busy_lot(entries: int):  # type: ignore[no-untyped-def]
    """A lot with `entries` entries: receipts now and then, doses of varying size between,
    so its balance goes up and down."""
    lot = stocked_lot(containers=1)
    nurse = person(Role.NURSE, lot.location)
    patient = PatientFactory()
    for index in range(entries - 1):
        if index % 9 == 4:
            LedgerEntryFactory(lot=lot, containers=1)
            continue
        post_entry(
            lot=lot, kind=EntryKind.ADMINISTRATION, units=-Decimal("0.5") * (1 + index % 3),
            actor=nurse, occurred_at=clock.now(), patient=patient,
            source_ref=f"treatment_session:{index}",
        )  # fmt: skip
    lot.refresh_from_db()
    return lot


def _shown(page) -> list[tuple[int, Decimal, Decimal]]:  # type: ignore[no-untyped-def]
    return [(e.pk, e.balance_units_after, e.balance_mg_after) for e in page.object_list]


def test_every_page_read_backwards_equals_the_page_read_in_order() -> None:
    lot = _busy_lot(40)
    old = Paginator(lot_entries(lot), 7)
    new = LedgerPaginator(lot_entries(lot), 7)
    assert new.num_pages == old.num_pages == 6
    for number in range(1, 7):  # first, middle (read forwards and backwards), last
        assert _shown(new.page(number)) == _shown(old.page(number)), number
        assert new.page(number).number == number
    latest = new.page(6).object_list
    assert len(latest) == 5  # 40 = 5 × 7 + 5
    assert latest[-1].balance_units_after == lot.balance_units  # ends at today's balance
    # Each balance follows from the one before it and the entry's quantity.
    rows = [e for number in range(1, 7) for e in new.page(number).object_list]
    for before, after in itertools.pairwise(rows):
        assert after.balance_units_after == before.balance_units_after + after.units


def test_the_latest_page_shows_the_same_entries_and_balances_read_newest_first(login) -> None:
    lot = _busy_lot(112)
    client = login(manager(lot.location))
    old = Paginator(lot_entries(lot), 50)
    for query, number in (("?page=1", 1), ("?page=2", 2), ("", 3)):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("controlled_lot", args=[lot.pk]) + query).content.decode()
        shown = [int(pk) for pk in re.findall(r'<tr id="entry-(\d+)">', html)]
        expected = old.page(number).object_list
        assert shown == [entry.pk for entry in expected], number
        balances = re.findall(r"<td class=\"text-end\">([^<\s]+)<br><span class=\"small\">", html)
        assert balances == [f"{e.balance_units_after.normalize():f}" for e in expected]
        assert f"Page {number} of 3" in html
        read = [q["sql"] for q in queries if 'FROM "controlled_ledgerentry"' in q["sql"]]
        newest_first = any('ORDER BY "controlled_ledgerentry"."id" DESC' in sql for sql in read)
        assert newest_first == (number == 3), number
    assert len(shown) == 12 and balances[-1] == f"{lot.balance_units.normalize():f}"
