"""Shared set-up of the ledger tests: stock received at the test location through the
receipt service, a manager and a session ready for its dose."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from clinic.choices import Role
from controlled.models import Lot
from controlled.services.receipts import ReceiptLine, receipt_record
from tests.factories.clinic import LocationFactory, StaffFactory
from tests.factories.controlled import ProductFactory

SUPPLIER = {
    "supplier_name": "Cardinal Health 110, LLC",
    "supplier_address": "7000 Cardinal Place, Dublin, OH 43017",
    "supplier_dea": "RC0314156",
    "invoice_number": "INV-1",
}


def esketamine_patient(home_location=None):  # type: ignore[no-untyped-def]
    """A patient in treatment on the nasal esketamine route (at `home_location`, or with
    no home location: treated anywhere), whom a named-patient receipt may name."""
    from tests.factories import PatientFactory
    from tests.factories.sessions import TreatmentPlanFactory

    patient = PatientFactory(in_treatment=True, home_location=home_location)
    TreatmentPlanFactory(patient=patient, esketamine=True)
    return patient


def manager():
    return StaffFactory(roles=[Role.CONTROLLED_SUBSTANCE_MANAGER, Role.NURSE])


def receive(
    *,
    containers: int = 1,
    location=None,
    product=None,
    lot_number: str = "KT1",
    named_patient=None,
    actor=None,
    expires_on: dt.date | None = None,
    received_on: dt.date | None = None,
) -> Lot:
    """`containers` of a product (10 mL of 10 mg/mL: 100 mg each) received today (or on
    `received_on`)."""
    location = location or LocationFactory()
    product = product or ProductFactory(
        name="Ketamine 10 mg/mL, 10 mL", strength_mg=Decimal(10), container_units=Decimal(10)
    )
    receipt = receipt_record(
        location=location,
        received_on=received_on or timezone.localdate(),
        lines=[
            ReceiptLine(
                product=product,
                lot_number=lot_number,
                expires_on=expires_on or timezone.localdate() + dt.timedelta(days=300),
                containers=containers,
                named_patient=named_patient,
            )
        ],
        actor=actor or manager(),
        **SUPPLIER,
    )
    return receipt.entries.get().lot
