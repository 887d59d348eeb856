"""Every dose in the session records has exactly one administration entry with the same
quantity, and every waste its witness (controlled-substances.md §3), checked over the
demo's weeks of session history, charted through the same services a nurse uses."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot
from sessions.models import DeviceDose, DoseRecord
from tests.controlled.test_ledger_integrity import assert_lot_consistent

pytestmark = pytest.mark.django_db


def test_every_demo_dose_has_one_administration_and_every_waste_its_witness() -> None:
    call_command("seed_demo", verbosity=0)
    entries = defaultdict(list)
    for entry in LedgerEntry.objects.exclude(source_ref="").prefetch_related("corrections"):
        entries[entry.source_ref].append(entry)
    doses = DoseRecord.objects.select_related("session")
    assert doses.count() > 20
    for dose in doses:
        posted = entries[f"treatment_session:{dose.session_id}"]
        given = [e for e in posted if e.kind == EntryKind.ADMINISTRATION]
        devices = DeviceDose.objects.filter(
            session_id=dose.session_id, entered_in_error_at__isnull=True
        ).count()
        # One entry per dose (for esketamine, one per device given).
        assert len(given) == (devices or 1), dose.session_id
        net_given = -sum((e.mg + sum(c.mg for c in e.corrections.all()) for e in given), Decimal(0))
        assert net_given == (dose.given_mg or dose.total_mg), dose.session_id
        assert all(e.patient_id == dose.session.patient_id for e in posted)
        wasted = [e for e in posted if e.kind == EntryKind.WASTE]
        assert -sum((e.mg for e in wasted), Decimal(0)) == (dose.waste_mg or 0), dose.session_id
        assert all(e.witness_id and e.witness_id != e.performed_by_id for e in wasted)
        if dose.waste_mg:
            assert dose.waste_witness_id in {e.witness_id for e in wasted}
    for lot in Lot.objects.all():
        assert_lot_consistent(lot)
