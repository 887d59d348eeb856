"""A dose posts its administration (and its witnessed waste) in the dose's own
transaction, from a ledger lot chosen on the dose form, once the session's location keeps
the drug on the ledger; a location that has never received the drug keeps the typed lot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot
from sessions.models import DoseRecord
from sessions.services import records as services
from tests.controlled.helpers import receive
from tests.factories.clinic import PASSWORD
from tests.factories.controlled import LedgerSettingsFactory, ProductFactory
from tests.sessions.conftest import make_plan
from tests.sessions.test_session_record import HX, dose, ready_to_dose

REF = "treatment_session:{}"


def _stocked(chairside, containers: int = 1) -> Lot:
    """Stock received yesterday: a dose backdated a few minutes past the clinic's midnight
    may draw on it (a lot received today could not be given from before today)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return receive(containers=containers, location=chairside.chair.location, received_on=yesterday)


def _entries(session) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(source_ref=REF.format(session.pk)).order_by("pk"))


def test_a_location_without_ledger_stock_keeps_the_typed_lot(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    record = dose(session, personas.nurse)
    assert record.lot_number == "KET-1123" and not LedgerEntry.objects.exists()


def test_once_stock_is_received_the_dose_draws_on_a_ledger_lot(chairside, personas) -> None:
    lot = _stocked(chairside)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse)
    assert "Choose the lot drawn from" in caught.value.message_dict["lot"][0]
    record = dose(session, personas.nurse, lot=lot)
    assert (record.lot_number, record.lot_expiry) == (lot.lot_number, lot.expires_on)
    [given] = _entries(session)
    assert given.kind == EntryKind.ADMINISTRATION and given.mg == -record.total_mg == Decimal(
        "-36.2"
    )
    assert given.patient == session.patient and given.performed_by == personas.nurse
    assert Lot.objects.get(pk=lot.pk).balance_mg == Decimal("63.80")


def test_waste_needs_the_witness_own_password_and_nothing_is_recorded_without_it(
    chairside,
    personas,
) -> None:
    lot = _stocked(chairside)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    wasteful = {"lot": lot, "volume_drawn_ml": Decimal(5), "waste_witness": personas.psychiatrist}
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, witness_password="not-hers", **wasteful)
    assert "password" in caught.value.message_dict["witness_password"][0]
    assert not DoseRecord.objects.filter(session=session).exists()
    assert not LedgerEntry.objects.exclude(kind=EntryKind.RECEIPT).exists()
    record = dose(session, personas.nurse, witness_password=PASSWORD, **wasteful)
    given, wasted = _entries(session)
    assert (given.mg, wasted.mg) == (Decimal("-36.2"), Decimal("-13.8"))
    assert wasted.witness == personas.psychiatrist == record.waste_witness
    assert Lot.objects.get(pk=lot.pk).balance_mg == Decimal(50)


def test_a_dose_beyond_the_lot_balance_is_refused_with_the_balance(chairside, personas) -> None:
    lot = _stocked(chairside)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    LedgerSettingsFactory(location=lot.location, waste_witness_required=False)
    from controlled.services.administrations import administration_post

    administration_post(
        lot=lot, mg=Decimal(80), patient=session.patient, source_ref="treatment_session:0",
        given_by=personas.nurse, occurred_at=timezone.now(), actor=personas.nurse,
        location=lot.location,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, lot=lot)
    assert "Lot KT1 holds 2 mL (20.0 mg)" in caught.value.message_dict["lot"][0]
    assert not DoseRecord.objects.filter(session=session).exists()


def test_esketamine_devices_each_post_and_one_in_error_is_corrected(chairside, personas) -> None:
    chairside.appointment.plan = make_plan(
        personas.patient_a, personas.psychiatrist, "intranasal_esketamine"
    )
    chairside.appointment.save(update_fields=["plan"])
    lot = receive(
        product=ProductFactory(esketamine=True), containers=4, location=chairside.chair.location,
        lot_number="SPR1", received_on=timezone.localdate() - dt.timedelta(days=1),
    )  # fmt: skip
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=6)
    dose(session, personas.nurse, minutes_ago=6, lot=lot, mg_per_kg=None)
    device, _warnings = services.device_record(session=session, given_at=None, actor=personas.nurse)
    assert [e.units for e in _entries(session)] == [Decimal(-1), Decimal(-1)]
    services.device_mark_entered_in_error(
        actor=personas.nurse, device=device, reason="Pressed twice by mistake"
    )
    *_, correction = _entries(session)
    assert correction.kind == EntryKind.CORRECTION and correction.units == Decimal(1)
    assert correction.corrects == _entries(session)[1]
    assert Lot.objects.get(pk=lot.pk).balance_units == Decimal(3)


def test_an_infusion_stopped_early_corrects_the_dose_and_wastes_the_rest(
    chairside,
    personas,
) -> None:
    lot = _stocked(chairside)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=35)
    dose(session, personas.nurse, minutes_ago=35, lot=lot)
    services.infusion_stop(
        session=session, at=None, volume_given_ml=Decimal("3.00"),
        waste_witness=personas.psychiatrist, witness_password=PASSWORD, actor=personas.nurse,
    )  # fmt: skip
    given, correction, wasted = _entries(session)
    assert correction.corrects == given and correction.mg == Decimal("6.2")
    assert wasted.mg == Decimal("-6.2") and wasted.witness == personas.psychiatrist
    assert given.mg + correction.mg == -DoseRecord.objects.get(session=session).given_mg
    assert Lot.objects.get(pk=lot.pk).balance_mg == Decimal("63.80")


def test_the_dose_form_offers_the_lots_and_the_witness_password(
    chairside,
    personas,
    login,
) -> None:
    lot = _stocked(chairside)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    nurse = login(personas.nurse)
    html = nurse.get(reverse("session_record", args=[session.pk])).content.decode()
    assert "KT1 · Ketamine 10 mg/mL, 10 mL" in html and "Witness&#x27;s password" in html
    assert 'name="lot_number"' not in html
    response = nurse.post(
        reverse("session_action", args=[session.pk, "dose"]),
        {
            "lot": lot.pk, "mg_per_kg": "0.5", "planned_minutes": "40",
            "concentration_mg_per_ml": "10", "volume_drawn_ml": "5",
            "waste_witness": personas.psychiatrist.pk, "witness_password": "wrong",
        },
        **HX,
    )  # fmt: skip
    assert "That is not" in response.content.decode()
    assert not DoseRecord.objects.filter(session=session).exists()
    nurse.post(
        reverse("session_action", args=[session.pk, "dose"]),
        {
            "lot": lot.pk, "mg_per_kg": "0.5", "planned_minutes": "40",
            "concentration_mg_per_ml": "10", "volume_drawn_ml": "5",
            "waste_witness": personas.psychiatrist.pk, "witness_password": PASSWORD,
        },
        **HX,
    )  # fmt: skip
    assert [e.kind for e in _entries(session)] == ["administration", "waste"]


def test_an_expired_lot_is_not_offered_and_is_refused(chairside, personas) -> None:
    lot = _stocked(chairside)
    Lot.objects.filter(pk=lot.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    lot.refresh_from_db()
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, lot=lot)
    assert "expired on" in caught.value.message_dict["lot"][0]


def test_where_the_location_turned_the_witness_off_waste_is_recorded_by_the_nurse_alone(
    chairside, personas
) -> None:
    lot = _stocked(chairside)
    LedgerSettingsFactory(location=lot.location, waste_witness_required=False)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    record = dose(session, personas.nurse, lot=lot, volume_drawn_ml=Decimal(5))
    _given, wasted = _entries(session)
    assert record.waste_mg == Decimal("13.8") and record.waste_witness is None
    assert wasted.witness is None and wasted.performed_by == personas.nurse


def test_a_stopped_infusion_needs_no_witness_where_the_location_turned_it_off(
    chairside, personas
) -> None:
    lot = _stocked(chairside)
    LedgerSettingsFactory(location=lot.location, waste_witness_required=False)
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=35)
    dose(session, personas.nurse, minutes_ago=35, lot=lot)
    services.infusion_stop(
        session=session, at=None, volume_given_ml=Decimal("3.00"), waste_witness=None,
        actor=personas.nurse,
    )  # fmt: skip
    *_, wasted = _entries(session)
    assert wasted.kind == EntryKind.WASTE and wasted.witness is None
