"""The ledger's services: receipts refused with the message on the field, administrations
and waste refused on the lot field, corrections that name the entry they correct."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clinic.choices import Role
from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot, Receipt
from controlled.services.administrations import (
    administration_post,
    correction_post,
    waste_post,
)
from controlled.services.receipts import ReceiptLine, receipt_record
from tests.controlled.helpers import SUPPLIER, esketamine_patient, manager, receive
from tests.factories.clinic import PASSWORD, LocationFactory, PatientFactory, StaffFactory
from tests.factories.controlled import LedgerSettingsFactory, ProductFactory

pytestmark = pytest.mark.django_db

REF = "treatment_session:1"


def _receipt(**changes):
    product = ProductFactory()
    values = {
        **SUPPLIER,
        "location": LocationFactory(),
        "received_on": timezone.localdate(),
        "lines": [(product, "KT9", timezone.localdate() + dt.timedelta(days=90), 2)],
        "actor": manager(),
    } | changes
    return receipt_record(**values)


def test_a_receipt_opens_a_lot_and_posts_its_containers() -> None:
    receipt = _receipt()
    entry = receipt.entries.get()
    assert entry.kind == EntryKind.RECEIPT and entry.containers == 2
    assert entry.units == Decimal(20) and entry.mg == Decimal(1000)
    assert entry.lot.balance_units == Decimal(20) and entry.lot.balance_mg == Decimal(1000)
    # The same lot received again adds to the same lot.
    _receipt(
        location=entry.lot.location, lines=[(entry.lot.product, "KT9", entry.lot.expires_on, 1)]
    )
    assert Lot.objects.get(pk=entry.lot.pk).balance_units == Decimal(30)


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"supplier_dea": ""}, "supplier_dea", "Enter the supplier's DEA number"),
        ({"supplier_dea": "RC0314157"}, "supplier_dea", "check digit"),
        ({"supplier_dea": "12345"}, "supplier_dea", "is not a DEA number"),
        ({"lines": []}, "__all__", "at least one line"),
        ({"received_on": timezone.localdate() + dt.timedelta(days=2)}, "received_on", "future"),
    ],
)
def test_a_receipt_is_refused_with_the_message_on_the_field(changes, field, text) -> None:
    with pytest.raises(ValidationError) as caught:
        _receipt(**changes)
    assert text in " ".join(caught.value.message_dict[field])
    assert not Receipt.objects.exists() and not LedgerEntry.objects.exists()


def test_a_receipt_line_with_no_containers_or_an_expired_lot_is_refused_on_its_field() -> None:
    product = ProductFactory()
    past = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        _receipt(lines=[(product, "A", past, 1), (product, "B", past + dt.timedelta(days=99), 0)])
    errors = caught.value.message_dict
    assert "expired on" in errors["line-0-expires_on"][0]
    assert "at least 1" in errors["line-1-containers"][0]
    assert not Lot.objects.exists()


def test_only_a_controlled_substance_manager_records_a_receipt() -> None:
    with pytest.raises(PermissionDenied):
        _receipt(actor=StaffFactory(roles=[Role.NURSE]))


def test_named_patient_devices_make_a_lot_of_their_own() -> None:
    patient = esketamine_patient()
    spravato = ProductFactory(esketamine=True)
    lot = receive(product=spravato, containers=3, named_patient=patient)
    assert lot.named_patient == patient and lot.balance_units == Decimal(3)
    assert lot.disposal_due_on == lot.received_on + dt.timedelta(days=14)
    with pytest.raises(ValidationError) as caught:
        _receipt(lines=[ReceiptLine(ProductFactory(), "V1", lot.expires_on, 1, patient)])
    assert "nasal devices" in caught.value.message_dict["line-0-named_patient"][0]


def test_the_receipt_service_refuses_a_named_patient_not_on_nasal_esketamine_there() -> None:
    """Called directly (no form): the named patient must be a nasal-esketamine patient at
    the receiving location; another patient is refused at the line's field, nothing is
    received, and the right patient is received."""
    from tests.factories import LocationFactory

    here, there = LocationFactory(name="Riverside"), LocationFactory(name="Harbor Point")
    spravato = ProductFactory(esketamine=True)
    line = partial(ReceiptLine, spravato, "SP1", timezone.localdate() + dt.timedelta(days=90), 2)
    for wrong in (PatientFactory(in_treatment=True), esketamine_patient(home_location=there)):
        with pytest.raises(ValidationError) as caught:
            _receipt(location=here, lines=[line(None), line(wrong)])
        message = caught.value.message_dict["line-1-named_patient"][0]
        assert "not on nasal esketamine at this location" in message
        assert "line-0-named_patient" not in caught.value.message_dict
    assert not Lot.objects.exists()
    right = esketamine_patient(home_location=here)
    receipt = _receipt(location=here, lines=[line(right)])
    assert receipt.entries.get().lot.named_patient == right


def _give(lot, mg, patient=None, **changes):
    values = {
        "lot": lot,
        "mg": Decimal(mg),
        "patient": patient or PatientFactory(),
        "source_ref": REF,
        "given_by": lot.entries.first().recorded_by,
        "occurred_at": timezone.now(),
        "actor": lot.entries.first().recorded_by,
        "location": lot.location,
    } | changes
    return administration_post(**values)


def test_an_administration_takes_mg_and_ml_and_refuses_past_the_balance() -> None:
    lot = receive(containers=1)  # 10 mL, 100 mg
    entry = _give(lot, "36.2")
    assert entry.units == Decimal("-3.62") and entry.balance_mg_after == Decimal("63.80")
    with pytest.raises(ValidationError) as caught:
        _give(lot, "70")
    assert caught.value.message_dict["lot"] == [
        "Not enough stock: Lot KT1 holds 6.38 mL (63.8 mg). Nothing was recorded."
    ]
    assert Lot.objects.get(pk=lot.pk).balance_mg == Decimal("63.80")


def test_an_administration_from_an_unusable_lot_is_refused_on_the_lot_field() -> None:
    lot = receive()
    other = LocationFactory(name="Harbor", dea_number="BH7654321")
    with pytest.raises(ValidationError, match="another location"):
        _give(lot, "10", location=other)
    later = timezone.now() + dt.timedelta(days=400)
    with pytest.raises(ValidationError, match="expired on"):
        _give(lot, "10", occurred_at=later)
    # A dose dated before the lot arrived (a back-dated entry) cannot draw on it.
    with pytest.raises(ValidationError, match="nothing can be given from it before"):
        _give(lot, "10", occurred_at=timezone.now() - dt.timedelta(days=2))


def test_a_named_patient_lot_is_for_its_patient_within_14_days() -> None:
    patient = esketamine_patient()
    lot = receive(product=ProductFactory(esketamine=True), containers=2, named_patient=patient)
    with pytest.raises(ValidationError, match="another patient"):
        _give(lot, "28")
    with pytest.raises(ValidationError, match="disposed of after 14 days"):
        _give(lot, "28", patient=patient, occurred_at=timezone.now() + dt.timedelta(days=15))
    assert _give(lot, "28", patient=patient).units == Decimal(-1)


def test_waste_is_witnessed_by_someone_else_with_their_own_password() -> None:
    lot = receive()
    nurse, witness = lot.entries.first().recorded_by, StaffFactory(roles=[Role.NURSE])
    common = {
        "lot": lot, "mg": Decimal("13.8"), "patient": PatientFactory(), "source_ref": REF,
        "wasted_by": nurse, "occurred_at": timezone.now(), "actor": nurse,
        "location": lot.location,
    }  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        waste_post(witness=None, witness_password="", **common)
    assert "needs a witness" in caught.value.message_dict["waste_witness"][0]
    with pytest.raises(ValidationError, match="another staff member"):
        waste_post(witness=nurse, witness_password=PASSWORD, **common)
    with pytest.raises(ValidationError) as caught:
        waste_post(witness=witness, witness_password="wrong", **common)
    assert "password" in caught.value.message_dict["witness_password"][0]
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    with pytest.raises(ValidationError, match="can't witness"):
        waste_post(witness=coordinator, witness_password=PASSWORD, **common)
    entry = waste_post(witness=witness, witness_password=PASSWORD, **common)
    assert entry.kind == EntryKind.WASTE and entry.witness == witness


def test_a_location_may_turn_the_waste_witness_off() -> None:
    lot = receive()
    LedgerSettingsFactory(location=lot.location, waste_witness_required=False)
    nurse = lot.entries.first().recorded_by
    entry = waste_post(
        lot=lot, mg=Decimal(5), witness=None, witness_password="", patient=PatientFactory(),
        source_ref=REF, wasted_by=nurse, occurred_at=timezone.now(), actor=nurse,
        location=lot.location,
    )  # fmt: skip
    assert entry.witness is None


def test_a_correction_names_the_entry_and_puts_the_drug_back_once() -> None:
    lot = receive()
    given = _give(lot, "40")
    nurse = given.recorded_by
    correction = correction_post(
        entry=given, reason="Wrong patient chosen", actor=nurse, occurred_at=timezone.now()
    )
    assert correction.corrects == given and correction.mg == Decimal(40)
    assert Lot.objects.get(pk=lot.pk).balance_mg == Decimal(100)
    with pytest.raises(ValidationError, match="already corrected"):
        correction_post(entry=given, reason="Again, twice", actor=nurse, occurred_at=timezone.now())
    assert LedgerEntry.objects.get(pk=given.pk).mg == Decimal(-40)  # never edited


def test_a_witness_password_cannot_be_guessed_endlessly() -> None:
    """The witness field is not a way to guess a colleague's password: after five wrong
    tries for one person, even their right password is refused for 15 minutes."""
    lot = receive()
    nurse, witness = lot.entries.first().recorded_by, StaffFactory(roles=[Role.NURSE])
    common = {
        "lot": lot, "mg": Decimal("5"), "patient": PatientFactory(), "source_ref": REF,
        "wasted_by": nurse, "occurred_at": timezone.now(), "actor": nurse,
        "location": lot.location,
    }  # fmt: skip
    for attempt in range(5):
        with pytest.raises(ValidationError, match="the witness types their own password"):
            waste_post(witness=witness, witness_password=f"guess-{attempt}", **common)
    with pytest.raises(ValidationError) as caught:
        waste_post(witness=witness, witness_password=PASSWORD, **common)
    assert "Too many wrong passwords" in caught.value.message_dict["witness_password"][0]
    assert not LedgerEntry.objects.filter(lot=lot, kind=EntryKind.WASTE).exists()
    # Another colleague can still witness at once.
    other = StaffFactory(roles=[Role.PSYCHIATRIST])
    assert waste_post(witness=other, witness_password=PASSWORD, **common).witness == other
