"""Fill the controlled-substance record at multi-site scale: 10 locations, each with its
own DEA registration, 200,000 ledger entries (receipts, administrations and witnessed
waste) over two years, so the stock, lot-ledger and report pages are measured where a
growing clinic group will be. Run after `seed_scale.py` (its patients receive the doses):

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/seed_ledger.py [--scale 1.0]

Entries are bulk-inserted with their running balance computed here, exactly as
`controlled.services.posting.post_entry` would write them one at a time (it is measured
by the tests, not here); the lots' balances equal the sum of their entries. The manager
(`nurse2`) then works at all 10 locations, and takes a biennial inventory of the busiest
one through `count_submit` (the inventory PDF of `benchmarks/pages.py`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.choices import Role  # noqa: E402
from clinic.management.commands.seed_demo import STAFF_PASSWORD  # noqa: E402
from clinic.models import Location, Patient, StaffRole, User  # noqa: E402
from controlled.choices import BusinessTime, CountPurpose, Drug, EntryKind, Form  # noqa: E402
from controlled.models import LedgerEntry, Lot, Product, Receipt, StockCount  # noqa: E402
from controlled.services.counts import CountedLot, count_submit, countable_lots  # noqa: E402

LOCATIONS = 10
LOTS_PER_LOCATION = 20
ENTRIES_PER_LOT = 1000
BATCH = 5000
SUPPLIER_DEA = "RC0314156"


def dea_number(prefix: str, serial: int) -> str:
    """A fictitious registration number with a valid check digit."""
    digits = [int(d) for d in f"{serial:06d}"]
    total = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return f"{prefix}{serial:06d}{total % 10}"


def locations() -> list[Location]:
    found = list(Location.objects.order_by("pk"))
    expires = timezone.localdate() + dt.timedelta(days=400)
    for n in range(len(found), LOCATIONS):
        found.append(
            Location.objects.create(
                name=f"Bench site {n + 1}",
                address=f"{100 + n} Bench Avenue, Springfield, IL 62701",
                phone="+12175550100",
                dea_number=dea_number("FB", 500000 + n),
                dea_schedules="3,3N,4,5",
                dea_expires_on=expires,
            )
        )
    return found


def products() -> list[Product]:
    rows = [
        ("Ketamine HCl 50 mg/mL, 10 mL vial", Drug.KETAMINE, "00409-2051-05", Form.VIAL, 50, 10),
        ("Ketamine HCl 100 mg/mL, 5 mL vial", Drug.KETAMINE, "00409-2053-10", Form.VIAL, 100, 5),
        ("Spravato 28 mg nasal spray", Drug.ESKETAMINE, "50458-0028-02", Form.NASAL_DEVICE, 28, 1),
    ]  # fmt: skip
    return [
        Product.objects.get_or_create(
            ndc=ndc,
            defaults={"name": name, "drug": drug, "form": form, "strength_mg": Decimal(strength),
                      "container_units": Decimal(size)},
        )[0]
        for name, drug, ndc, form, strength, size in rows
    ]  # fmt: skip


def manager() -> User:
    user = User.objects.filter(username="nurse2").first() or User.objects.get(username="nurse")
    StaffRole.objects.get_or_create(user=user, role=Role.CONTROLLED_SUBSTANCE_MANAGER)
    return user


def main(scale: float) -> None:
    rng = random.Random(2026)
    started = time.perf_counter()
    sites, stock, boss = locations(), products(), manager()
    nurse = User.objects.get(username="nurse")
    witness = User.objects.get(username="psychiatrist")
    patient_ids = list(Patient.objects.values_list("pk", flat=True)[:5000])
    per_lot = max(10, int(ENTRIES_PER_LOT * scale))
    start = timezone.now() - dt.timedelta(days=730)
    step = dt.timedelta(days=730) / per_lot
    total = 0
    for site in sites:
        if Lot.objects.filter(location=site, lot_number__startswith="BL-").exists():
            continue
        with transaction.atomic():
            lots = [
                Lot(
                    location=site, product=stock[n % len(stock)],
                    lot_number=f"BL-{site.pk}-{n:03d}",
                    expires_on=timezone.localdate() + dt.timedelta(days=30 * (n + 1)),
                    received_on=start.date(),
                )
                for n in range(LOTS_PER_LOCATION)
            ]  # fmt: skip
            Lot.objects.bulk_create(lots)
            entries: list[LedgerEntry] = []
            for lot in lots:
                entries += _lot_entries(lot, site, boss, nurse, witness, patient_ids, rng,
                                        per_lot, start, step)  # fmt: skip
                Lot.objects.filter(pk=lot.pk).update(
                    balance_units=lot.balance_units, balance_mg=lot.balance_mg
                )
            for first in range(0, len(entries), BATCH):
                LedgerEntry.objects.bulk_create(entries[first : first + BATCH])
            total += len(entries)
        print(f"{site.name}: {total} entries at {time.perf_counter() - started:.1f} s", flush=True)
    print(f"ledger: {LedgerEntry.objects.count()} entries, {Lot.objects.count()} lots")
    boss.locations.add(*sites)  # a group's manager works at every location
    count = biennial_inventory(busiest_location(), boss)
    print(f"biennial inventory {count.pk}: {count.lines.count()} lots, {count.location.name}")


def busiest_location() -> Location:
    """The location with the most ledger entries (the pages measure the worst case)."""
    top = (
        LedgerEntry.objects.values("lot__location")
        .annotate(entries=Count("pk"))
        .order_by("-entries", "lot__location")
        .first()
    )
    return Location.objects.get(pk=top["lot__location"])


def biennial_inventory(site: Location, boss: User) -> StockCount:
    """A signed biennial inventory of every countable lot, counted as the ledger holds it
    (after an initial one, if the site has none; once: a second run finds it)."""
    taken = StockCount.objects.filter(location=site, purpose=CountPurpose.BIENNIAL).first()
    if taken is not None:
        return taken
    if not StockCount.objects.filter(location=site, purpose=CountPurpose.INITIAL).exists():
        _inventory(site, boss, CountPurpose.INITIAL)
    return _inventory(site, boss, CountPurpose.BIENNIAL)


def _inventory(site: Location, boss: User, purpose: str) -> StockCount:
    lines = []
    for lot in countable_lots(site):
        full = int(lot.balance_units // lot.product.container_units)
        lines.append(
            CountedLot(lot.pk, full, lot.balance_units - full * lot.product.container_units)
        )
    return count_submit(
        location=site, purpose=purpose, business_time=BusinessTime.CLOSE,
        lines=lines, password=STAFF_PASSWORD, actor=boss, note="Bench biennial inventory.",
    )  # fmt: skip


def _lot_entries(lot, site, boss, nurse, witness, patient_ids, rng, per_lot, start, step):
    product = lot.product
    units, mg = Decimal(0), Decimal(0)
    rows = []
    for n in range(per_lot):
        at = start + step * n
        if n % 100 == 0:  # a delivery every hundred movements
            containers = 100 if product.form == Form.NASAL_DEVICE else 20
            delta = product.container_units * containers
            receipt = Receipt.objects.create(
                location=site, supplier_name="Cardinal Health 110, LLC",
                supplier_address="7000 Cardinal Place, Dublin, OH 43017",
                supplier_dea=SUPPLIER_DEA, invoice_number=f"BINV-{lot.pk}-{n}",
                received_on=at.date(), received_by=boss,
            )  # fmt: skip
            kind, extra = EntryKind.RECEIPT, {"receipt": receipt, "containers": containers}
        elif product.form == Form.NASAL_DEVICE:
            delta = Decimal(-1)
            kind = EntryKind.ADMINISTRATION
            extra = {"patient_id": rng.choice(patient_ids), "source_ref": f"treatment_session:{n}"}
        elif n % 2:
            delta = Decimal("-0.72")
            kind = EntryKind.ADMINISTRATION
            extra = {"patient_id": rng.choice(patient_ids), "source_ref": f"treatment_session:{n}"}
        else:
            delta, kind = Decimal("-0.28"), EntryKind.WASTE
            extra = {"witness": witness, "source_ref": f"treatment_session:{n - 1}"}
        if units + delta < 0:  # out of stock: the next delivery comes first
            continue
        units += delta
        mg += product.mg_for(delta)
        rows.append(
            LedgerEntry(
                lot=lot, kind=kind, units=delta, mg=product.mg_for(delta),
                balance_units_after=units, balance_mg_after=mg, occurred_at=at, recorded_at=at,
                recorded_by=boss if kind == EntryKind.RECEIPT else nurse,
                performed_by=boss if kind == EntryKind.RECEIPT else nurse, **extra,
            )
        )  # fmt: skip
    lot.balance_units, lot.balance_mg = units, mg
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)
