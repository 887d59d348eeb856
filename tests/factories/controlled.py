"""Factories for the controlled-substance record. Stock moves only through
`controlled.services.posting.post_entry` (the lot's locked balance and the running
balance of each entry stay right), so the entry factory posts a receipt through it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from clinic.choices import Role
from controlled.choices import (
    BusinessTime,
    CountPurpose,
    DestructionReason,
    DiscrepancyStatus,
    Drug,
    EntryKind,
    Form,
)
from controlled.models import (
    CountLine,
    Destruction,
    Discrepancy,
    LedgerEntry,
    LedgerSettings,
    Lot,
    Product,
    Receipt,
    ReportFile,
    StockCount,
    TheftLossCase,
)
from controlled.services.posting import post_entry
from tests.factories.clinic import LocationFactory, staff


class ProductFactory(factory.django.DjangoModelFactory):
    """Racemic ketamine 50 mg/mL in 10 mL vials (500 mg per vial); `esketamine=True`
    makes the Spravato 28 mg device."""

    class Meta:
        model = Product

    class Params:
        esketamine = factory.Trait(
            name="Spravato 28 mg nasal spray",
            drug=Drug.ESKETAMINE,
            form=Form.NASAL_DEVICE,
            strength_mg=Decimal(28),
            container_units=Decimal(1),
        )

    name = "Ketamine HCl 50 mg/mL, 10 mL vial"
    drug = Drug.KETAMINE
    ndc = factory.Sequence(lambda n: f"{42023 + n:05d}-{n % 1000:03d}-10")
    form = Form.VIAL
    strength_mg = Decimal(50)
    container_units = Decimal(10)


class LotFactory(factory.django.DjangoModelFactory):
    """An empty lot at the test location (stock comes in through a receipt)."""

    class Meta:
        model = Lot

    location = factory.SubFactory(LocationFactory)
    product = factory.SubFactory(ProductFactory)
    lot_number = factory.Sequence(lambda n: f"KT{240100 + n}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    received_on = factory.LazyFunction(timezone.localdate)


class ReceiptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Receipt

    location = factory.SubFactory(LocationFactory)
    supplier_name = "Cardinal Health 110, LLC"
    supplier_address = "7000 Cardinal Place, Dublin, OH 43017"
    supplier_dea = "RC0314156"
    invoice_number = factory.Sequence(lambda n: f"INV-{70000 + n}")
    received_on = factory.LazyFunction(timezone.localdate)
    received_by = staff(Role.CONTROLLED_SUBSTANCE_MANAGER)


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A receipt line of `containers` full containers, posted as the service posts it."""

    class Meta:
        model = LedgerEntry

    lot = factory.SubFactory(LotFactory)
    receipt = factory.SubFactory(ReceiptFactory, location=factory.SelfAttribute("..lot.location"))
    containers = 2

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> LedgerEntry:
        lot, receipt, containers = kwargs["lot"], kwargs["receipt"], kwargs["containers"]
        return post_entry(
            lot=lot,
            kind=EntryKind.RECEIPT,
            units=lot.product.container_units * containers,
            actor=receipt.received_by,
            occurred_at=timezone.now(),
            receipt=receipt,
            containers=containers,
        )


class DestructionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Destruction

    location = factory.SubFactory(LocationFactory)
    reason = DestructionReason.EXPIRED
    method = "Chemical digestion (Rx Destroyer), then pharmaceutical waste bin"
    destroyed_on = factory.LazyFunction(timezone.localdate)
    destroyed_by = staff(Role.CONTROLLED_SUBSTANCE_MANAGER)
    first_witness = staff(Role.NURSE)
    second_witness = staff(Role.PSYCHIATRIST)


class StockCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockCount

    location = factory.SubFactory(LocationFactory)
    purpose = CountPurpose.COUNT
    business_time = ""
    counted_at = factory.LazyFunction(timezone.now)
    counted_by = staff(Role.CONTROLLED_SUBSTANCE_MANAGER)
    signature = factory.LazyAttribute(lambda count: count.counted_by.get_full_name() or "Counter")

    class Params:
        biennial = factory.Trait(purpose=CountPurpose.BIENNIAL, business_time=BusinessTime.CLOSE)


class CountLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CountLine

    count = factory.SubFactory(StockCountFactory)
    lot = factory.SubFactory(LotFactory, location=factory.SelfAttribute("..count.location"))
    full_containers = 0
    opened_units = Decimal(0)
    counted_units = Decimal(0)
    expected_units = factory.LazyAttribute(lambda line: line.lot.balance_units)


class TheftLossCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TheftLossCase

    location = factory.SubFactory(LocationFactory)
    discovered_at = factory.LazyFunction(timezone.now)
    discovered_by = staff(Role.CONTROLLED_SUBSTANCE_MANAGER)
    description = "One 10 mL vial of ketamine 50 mg/mL missing from the safe at the count."
    notice_due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))
    form_106_due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=45))


class DiscrepancyFactory(factory.django.DjangoModelFactory):
    """An open discrepancy: a count line that found one mL fewer than the ledger."""

    class Meta:
        model = Discrepancy

    line = factory.SubFactory(CountLineFactory, counted_units=Decimal(0), expected_units=Decimal(1))
    status = DiscrepancyStatus.OPEN


class LedgerSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerSettings
        django_get_or_create = ("location",)

    location = factory.SubFactory(LocationFactory)


class ReportFileFactory(factory.django.DjangoModelFactory):
    """A report file a worker has made: a two-line CSV of the location's receipts log,
    stored (`ready=False`: still queued)."""

    class Meta:
        model = ReportFile
        skip_postgeneration_save = True

    location = factory.SubFactory(LocationFactory)
    report = "receipts"
    format = "csv"
    start = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=730))
    end = factory.LazyFunction(timezone.localdate)
    requested_by = staff(Role.CONTROLLED_SUBSTANCE_MANAGER)
    status = "ready"
    rows = 1
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))

    class Params:
        queued = factory.Trait(status="queued", rows=None)

    @factory.post_generation
    def stored(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        from django.core.files.base import ContentFile

        if create and self.status == "ready" and not self.file:
            body = "\ufeffDate received,Supplier\r\n2026-11-02,Cardinal Health\r\n"
            self.file.save(self.download_name, ContentFile(body.encode()), save=False)
            self.size = self.file.size
            self.save(update_fields=["file", "size"])
