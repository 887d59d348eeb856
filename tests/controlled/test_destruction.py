"""Destruction of stock: two witnesses with their own passwords, three different people,
only stock that may be destroyed, and the DEA Form 41-style record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clinic import clock
from clinic.choices import AuditAction, Role
from clinic.models import AuditEvent
from controlled.choices import DestructionReason, EntryKind
from controlled.models import Destruction, LedgerEntry
from controlled.services.destruction import DestroyedLot, Witness, destruction_record
from tests.controlled.counts_support import manager, pdf_text, person, stocked_lot
from tests.factories import PatientFactory, ProductFactory
from tests.factories.clinic import PASSWORD

pytestmark = pytest.mark.django_db


def _expired_lot():  # type: ignore[no-untyped-def]
    return stocked_lot(containers=2, expires_on=clock.localdate() - dt.timedelta(days=3))


def _people(location):  # type: ignore[no-untyped-def]
    return (
        manager(location),
        person(Role.NURSE, location, first_name="Nia", last_name="Bell"),
        person(Role.PSYCHIATRIST, location, first_name="Omar", last_name="Reyes"),
    )


def _destroy(lot, actor, first, second, **kwargs):  # type: ignore[no-untyped-def]
    return destruction_record(
        location=lot.location,
        reason=kwargs.pop("reason", DestructionReason.EXPIRED),
        method="Chemical digestion (Rx Destroyer)",
        lines=[DestroyedLot(lot.pk, kwargs.pop("units", Decimal(20)), 2)],
        first=Witness(first, kwargs.pop("first_password", PASSWORD)),
        second=Witness(second, kwargs.pop("second_password", PASSWORD)),
        actor=actor,
        **kwargs,
    )


def test_expired_stock_is_destroyed_with_two_witnesses_and_leaves_the_lot() -> None:
    lot = _expired_lot()
    lead, nurse, doctor = _people(lot.location)
    destruction = _destroy(lot, lead, nurse, doctor)
    lot.refresh_from_db()
    assert lot.balance_units == 0
    entry = LedgerEntry.objects.get(kind=EntryKind.DESTRUCTION)
    assert (entry.units, entry.destruction, entry.witness) == (Decimal(-20), destruction, nurse)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(destruction.pk))


def test_a_witness_password_must_be_their_own() -> None:
    lot = _expired_lot()
    lead, nurse, doctor = _people(lot.location)
    with pytest.raises(ValidationError) as refused:
        _destroy(lot, lead, nurse, doctor, second_password="wrong-password")
    assert "second witness's password did not match" in str(refused.value.message_dict)
    assert not Destruction.objects.exists()


def test_the_witnesses_are_two_people_other_than_the_destroyer() -> None:
    lot = _expired_lot()
    lead, nurse, _ = _people(lot.location)
    with pytest.raises(ValidationError, match="two different people"):
        _destroy(lot, lead, nurse, nurse)
    with pytest.raises(ValidationError, match="someone other than"):
        _destroy(lot, lead, lead, nurse)
    coordinator = person(Role.COORDINATOR, lot.location)
    with pytest.raises(ValidationError, match="may not witness"):
        _destroy(lot, lead, nurse, coordinator)


def test_unexpired_stock_is_not_destroyed_as_expired() -> None:
    lot = stocked_lot()
    lead, nurse, doctor = _people(lot.location)
    with pytest.raises(ValidationError, match="not expired"):
        _destroy(lot, lead, nurse, doctor)
    _destroy(lot, lead, nurse, doctor, reason=DestructionReason.DAMAGED, units=Decimal(10))
    lot.refresh_from_db()
    assert lot.balance_units == Decimal(10)


def test_named_patient_devices_are_destroyed_from_day_14_after_receipt() -> None:
    received = clock.localdate() - dt.timedelta(days=20)
    lot = stocked_lot(
        product=ProductFactory(esketamine=True), named_patient=PatientFactory(),
        received_on=received,
    )  # fmt: skip
    lead, nurse, doctor = _people(lot.location)
    kwargs = {"reason": DestructionReason.NAMED_PATIENT_UNUSED, "units": Decimal(2)}
    with pytest.raises(ValidationError, match="14 days after receipt"):
        _destroy(lot, lead, nurse, doctor, destroyed_on=received + dt.timedelta(days=13), **kwargs)
    _destroy(lot, lead, nurse, doctor, destroyed_on=received + dt.timedelta(days=14), **kwargs)
    lot.refresh_from_db()
    assert lot.balance_units == 0


def test_more_than_the_lot_holds_is_refused_with_its_balance() -> None:
    lot = _expired_lot()
    lead, nurse, doctor = _people(lot.location)
    with pytest.raises(ValidationError, match="holds 20 mL"):
        _destroy(lot, lead, nurse, doctor, units=Decimal(25))
    assert not Destruction.objects.exists()


def test_only_the_manager_destroys() -> None:
    lot = _expired_lot()
    _, nurse, doctor = _people(lot.location)
    with pytest.raises(PermissionDenied):
        _destroy(lot, nurse, doctor, manager(lot.location))


def test_the_destruction_page_records_it_and_offers_the_form_41(login) -> None:
    lot = _expired_lot()
    lead, nurse, doctor = _people(lot.location)
    client = login(lead)
    url = reverse("destruction_new", args=[lot.location_id])
    assert lot.lot_number in client.get(url).content.decode()
    data = {
        "reason": "expired", "method": "Rx Destroyer", "destroyed_on": str(clock.localdate()),
        f"units_{lot.pk}": "20", f"containers_{lot.pk}": "2",
        "first_witness": nurse.pk, "first_password": PASSWORD,
        "second_witness": doctor.pk, "second_password": "nope",
    }  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "second witness&#x27;s password did not match" in refused.content.decode()
    assert 'value="Rx Destroyer"' in refused.content.decode()
    done = client.post(url, {**data, "second_password": PASSWORD}).content.decode()
    destruction = Destruction.objects.get()
    assert "Destruction recorded" in done
    assert reverse("destruction_download", args=[destruction.pk]) in done


def test_the_form_41_pdf_names_the_registrant_the_stock_and_the_witnesses(login) -> None:
    lot = _expired_lot()
    lead, nurse, doctor = _people(lot.location)
    destruction = _destroy(lot, lead, nurse, doctor)
    response = login(lead).get(reverse("destruction_download", args=[destruction.pk]))
    text = pdf_text(response.content)
    assert "FT1234563" in text
    assert lot.product.ndc in text and lot.lot_number in text
    assert "Nia Bell" in text and "Omar Reyes" in text
    assert "Chemical digestion" in text
    assert AuditEvent.objects.filter(action=AuditAction.DOWNLOAD, object_id=str(destruction.pk))
