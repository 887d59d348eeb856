"""The demo's controlled-substance record, made through the services as a manager would:
products, then at each location a receipt long before the demo's first session (so every
demo dose draws on a ledger lot and posts its administration and witnessed waste), and a
named-patient Spravato delivery held for one esketamine patient. Run from the sessions
demo (before its session history), so receipts come before doses in time."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.choices import Role
from clinic.models import Location, Patient, User
from controlled.choices import BusinessTime, CountPurpose, Drug, Form
from controlled.models import Lot, Product, Receipt
from controlled.services.counts import CountedLot, count_submit, countable_lots
from controlled.services.receipts import ReceiptLine, receipt_record

log = logging.getLogger(__name__)

PRODUCTS = [
    # name, drug, NDC, form, mg per mL or device, mL per vial or devices per container
    ("Ketamine HCl 10 mg/mL, 20 mL vial", Drug.KETAMINE, "42023-113-10", Form.VIAL, 10, 20),
    ("Ketamine HCl 50 mg/mL, 10 mL vial", Drug.KETAMINE, "42023-114-10", Form.VIAL, 50, 10),
    (
        "Spravato 28 mg nasal spray device",
        Drug.ESKETAMINE,
        "50458-028-02",
        Form.NASAL_DEVICE,
        28,
        1,
    ),
]
SUPPLIER = {
    "supplier_name": "Cardinal Health 110, LLC",
    "supplier_address": "7000 Cardinal Place, Dublin, OH 43017",
    "supplier_dea": "RC0314156",
}
# Days before today each location received its stock (before any demo session).
RECEIVED_DAYS_AGO = 400


def _products() -> dict[str, Product]:
    found = {}
    for name, drug, ndc, form, strength, size in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            ndc=ndc,
            defaults={
                "name": name,
                "drug": drug,
                "form": form,
                "strength_mg": Decimal(strength),
                "container_units": Decimal(size),
            },
        )
        found[ndc] = product
    return found


def _manager() -> User | None:
    return (
        User.objects.filter(staff_roles__role=Role.CONTROLLED_SUBSTANCE_MANAGER)
        .order_by("pk")
        .first()
    )


def seed_controlled_stock() -> None:
    """Each location's opening stock, received RECEIVED_DAYS_AGO days ago (once)."""
    manager = _manager()
    if manager is None:
        return
    products = _products()
    today = timezone.localdate(clock.now())
    received = today - dt.timedelta(days=RECEIVED_DAYS_AGO)
    expires = today + dt.timedelta(days=420)
    for index, location in enumerate(Location.objects.order_by("pk")):
        if Receipt.objects.filter(location=location).exists():
            continue
        prefix = location.name[:2].upper()
        lines = [
            ReceiptLine(products["42023-113-10"], f"{prefix}KT2401", expires, 40),
            ReceiptLine(products["42023-113-10"], f"{prefix}KT2407", expires, 30),
            ReceiptLine(products["42023-114-10"], f"{prefix}KT5012", expires, 4),
            ReceiptLine(products["50458-028-02"], f"{prefix}SP3310", expires, 240),
        ]
        moment = timezone.make_aware(dt.datetime.combine(received, dt.time(9, 30)))
        with clock.at(moment):
            try:
                receipt_record(
                    location=location,
                    invoice_number=f"CAH-{8810452 + index}",
                    received_on=received,
                    lines=lines,
                    actor=manager,
                    **SUPPLIER,
                )
            except ValidationError as refused:
                log.warning("Demo receipt at %s refused: %s", location, refused.messages)
                continue
        _initial_inventory(location, manager, received)


def _initial_inventory(location: Location, manager: User, day: dt.date) -> None:
    """The location's initial inventory (21 CFR 1304.11(b)), taken at the close of
    business on the day it first received stock: every container counted full, signed."""
    from clinic.management.commands.seed_demo import STAFF_PASSWORD

    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 45)))
    with clock.at(moment):
        lots = list(countable_lots(location))
        try:
            count_submit(
                location=location,
                purpose=CountPurpose.INITIAL,
                business_time=BusinessTime.CLOSE,
                lines=[
                    CountedLot(
                        lot.pk, int(lot.balance_units / lot.product.container_units), Decimal(0)
                    )
                    for lot in lots
                ],
                password=STAFF_PASSWORD,
                actor=manager,
                note="Initial inventory on the day the location first received stock.",
            )
        except ValidationError as refused:
            log.warning("Demo initial inventory at %s refused: %s", location, refused.messages)


def seed_named_patient_devices() -> None:
    """Spravato devices a specialty pharmacy dispensed for one esketamine patient, held at
    their home location five days ago (disposal due in 9 days if unused)."""
    manager = _manager()
    patient = (
        Patient.objects.filter(plans__route="intranasal_esketamine", home_location__isnull=False)
        .order_by("pk")
        .first()
    )
    if manager is None or patient is None:
        return
    if Lot.objects.filter(named_patient=patient).exists():
        return
    product = _products()["50458-028-02"]
    today = timezone.localdate(clock.now())
    received = today - dt.timedelta(days=5)
    moment = timezone.make_aware(dt.datetime.combine(received, dt.time(11)))
    with clock.at(moment):
        try:
            receipt_record(
                location=patient.home_location,
                supplier_name="Accredo Health Group (specialty pharmacy)",
                supplier_address="1640 Century Center Pkwy, Memphis, TN 38134",
                supplier_dea="BA1234563",
                invoice_number=f"RX-{60300 + patient.pk}",
                received_on=received,
                lines=[ReceiptLine(product, "SPN8841", today + dt.timedelta(days=300), 3, patient)],
                actor=manager,
            )
        except ValidationError as refused:
            log.warning("Demo named-patient receipt refused: %s", refused.messages)
