"""The ledger's pages: the stock of a location, a lot's entries with their running
balance, the receipt form (bad input keeps everything typed). Audited; their queries do
not grow with the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from controlled.models import Lot, Receipt
from controlled.services.administrations import administration_post, correction_post
from tests.conftest import sign_in
from tests.controlled.helpers import manager, receive
from tests.factories.clinic import LocationFactory, PatientFactory
from tests.factories.controlled import ProductFactory

pytestmark = pytest.mark.django_db


def _give(lot, mg, patient, nurse):
    return administration_post(
        lot=lot, mg=Decimal(mg), patient=patient, source_ref="treatment_session:3",
        given_by=nurse, occurred_at=timezone.now(), actor=nurse, location=lot.location,
    )  # fmt: skip


def test_the_stock_page_lists_lots_with_balances_expiry_and_named_patient_disposal(
    client, personas
) -> None:
    from clinic.choices import JourneyState
    from tests.factories.sessions import TreatmentPlanFactory

    location = LocationFactory()
    receive(location=location, containers=2, lot_number="KT-OK")
    spravato = ProductFactory(esketamine=True)
    # A named-patient receipt names a patient on nasal esketamine (the service checks).
    TreatmentPlanFactory(patient=personas.patient_a, esketamine=True)
    type(personas.patient_a).objects.filter(pk=personas.patient_a.pk).update(
        journey_state=JourneyState.PLAN
    )
    receive(location=location, product=spravato, containers=3, lot_number="SP-NAMED",
            named_patient=personas.patient_a)  # fmt: skip
    expired = receive(location=location, lot_number="KT-OLD")
    Lot.objects.filter(pk=expired.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=2))
    sign_in(client, personas.nurse)
    html = client.get(reverse("controlled_stock")).content.decode()
    assert "KT-OK" in html and "20 mL" in html and "200.0" in html
    assert "3 devices" in html and "Quillfeather" in html and "dispose by" in html
    assert "expired" in html and "Record a receipt" not in html
    row = AuditEvent.objects.filter(action="view", user=personas.nurse).latest("id")
    assert row.object_type == "controlled.stock"


def test_a_lot_page_shows_every_entry_with_its_running_balance_and_corrections(
    client, personas
) -> None:
    lot = receive(containers=1)
    given = _give(lot, "36.2", personas.patient_a, personas.nurse)
    correction_post(entry=given, reason="Wrong lot chosen", actor=personas.nurse,
                    occurred_at=timezone.now())  # fmt: skip
    sign_in(client, personas.psychiatrist)
    html = client.get(reverse("controlled_lot", args=[lot.pk])).content.decode()
    assert "63.8 mg" in html and "-36.2 mg" in html and "Wrong lot chosen" in html
    assert f'corrects <a href="?entry={given.pk}#entry-{given.pk}">' in html
    assert "Alice Quillfeather" in html or "Quillfeather" in html
    row = AuditEvent.objects.filter(action="view", user=personas.psychiatrist).latest("id")
    assert (row.object_type, row.object_id) == ("controlled.lot", str(lot.pk))


def test_corrects_links_to_the_page_holding_the_corrected_entry(client, personas) -> None:
    """The ledger shows the latest 50 entries first; a correction posted 60 entries after
    the dose it corrects links to the older page, where the dose is, and back."""
    from controlled.views.stock import ENTRIES_PER_PAGE

    lot = receive(containers=5)
    given = _give(lot, "1", personas.patient_a, personas.nurse)
    for _ in range(60):
        _give(lot, "1", PatientFactory(), personas.nurse)
    fix = correction_post(entry=given, reason="Wrong patient", actor=personas.nurse,
                          occurred_at=timezone.now())  # fmt: skip
    sign_in(client, personas.psychiatrist)
    url = reverse("controlled_lot", args=[lot.pk])
    latest = client.get(url).content.decode()
    assert f'id="entry-{fix.pk}"' in latest and f'id="entry-{given.pk}"' not in latest
    link = f"?entry={given.pk}#entry-{given.pk}"
    assert f'corrects <a href="{link}">' in latest
    older = client.get(f"{url}?entry={given.pk}").content.decode()
    assert f'id="entry-{given.pk}"' in older and f'id="entry-{fix.pk}"' not in older
    assert f'corrected by <a href="?entry={fix.pk}#entry-{fix.pk}">' in older
    assert ENTRIES_PER_PAGE < 62
    # An entry of another lot, or nonsense, shows the latest page (never an error).
    for asked in ("999999", "x", "9" * 30):
        assert f'id="entry-{fix.pk}"' in client.get(f"{url}?entry={asked}").content.decode()


def test_the_pages_queries_do_not_grow_with_lots_or_entries(client, personas) -> None:
    location = LocationFactory()
    lot = receive(location=location, containers=5)
    sign_in(client, personas.nurse)

    def count(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count(reverse("controlled_stock"))  # the first request of a session reads more
    stock_one, lot_one = (
        count(reverse("controlled_stock")),
        count(reverse("controlled_lot", args=[lot.pk])),
    )
    for number in range(12):
        receive(location=location, lot_number=f"KT-{number}")
        _give(lot, "5", PatientFactory(), personas.nurse)
    assert count(reverse("controlled_stock")) == stock_one
    assert count(reverse("controlled_lot", args=[lot.pk])) == lot_one


def test_the_receipt_form_keeps_what_was_typed_and_shows_the_error_at_the_field(client) -> None:
    boss = manager()
    location = LocationFactory()
    product = ProductFactory()
    sign_in(client, boss)
    url = f"{reverse('controlled_receipt_new')}?location={location.pk}"
    assert "Record the receipt" in client.get(url).content.decode()
    data = {
        "supplier_name": "Cardinal Health", "supplier_address": "7000 Cardinal Pl, Dublin OH",
        "supplier_dea": "RC0314157", "invoice_number": "INV-88",
        "received_on": timezone.localdate().isoformat(),
        "line-TOTAL_FORMS": "2", "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0", "line-MAX_NUM_FORMS": "20",
        "line-0-product": product.pk, "line-0-lot_number": "KT77",
        "line-0-expires_on": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
        "line-0-containers": "0",
    }  # fmt: skip
    html = client.post(url, data).content.decode()
    assert "check digit" in html and 'value="INV-88"' in html and 'value="KT77"' in html
    data["supplier_dea"] = "RC0314156"
    html = client.post(url, data).content.decode()
    assert "at least 1" in html and not Receipt.objects.exists()
    data["line-0-containers"] = "4"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Lot.objects.get(lot_number="KT77").balance_units == Decimal(40)


def test_staff_read_the_stock_of_the_locations_they_work_at_only(client, personas) -> None:
    here = LocationFactory(name="Riverside")
    there = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    receive(location=here, lot_number="KT-HERE")
    theirs = receive(location=there, lot_number="KT-THERE")
    personas.nurse.locations.set([here])
    sign_in(client, personas.nurse)
    html = client.get(reverse("controlled_stock")).content.decode()
    assert "KT-HERE" in html and "KT-THERE" not in html
    # Asking for the other location by its id shows the nurse's own, never the other's.
    asked = client.get(reverse("controlled_stock"), {"location": there.pk}).content.decode()
    assert "KT-THERE" not in asked
    assert client.get(reverse("controlled_lot", args=[theirs.pk])).status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", user=personas.nurse, object_type="controlled.lot"
    ).exists()
    # Working at both, the page opens at the location picked in the header.
    personas.nurse.locations.set([here, there])
    personas.nurse.current_location = there
    personas.nurse.save(update_fields=["current_location"])
    html = client.get(reverse("controlled_stock")).content.decode()
    assert "KT-THERE" in html and "KT-HERE" not in html


def test_the_receipt_form_names_only_patients_on_nasal_esketamine_at_that_location(
    client,
) -> None:
    """The named-patient select lists the patients in treatment on the esketamine nasal
    route at the receiving location (home there, or a session booked at its chairs), not
    every patient; a patient it does not list is refused at the field, the rest kept."""
    from clinic.choices import JourneyState
    from tests.factories.clinic import ChairFactory
    from tests.factories.sessions import AppointmentFactory, TreatmentPlanFactory

    here = LocationFactory(name="Riverside")
    there = LocationFactory(name="Harbor Point", dea_number="FH7654329")

    def on_plan(last_name: str, home, esketamine: bool = True, **state):  # type: ignore[no-untyped-def]
        patient = PatientFactory(
            in_treatment=True, home_location=home, legal_last_name=last_name, **state
        )
        TreatmentPlanFactory(patient=patient, esketamine=esketamine)
        return patient

    spray = on_plan("Sprayhere", here)
    on_plan("Infusion", here, esketamine=False)
    elsewhere = on_plan("Elsewhere", there)
    on_plan("Discharged", here, journey_state=JourneyState.DISCHARGED)
    visiting = PatientFactory(
        in_treatment=True, home_location=there, legal_last_name="Visiting",
        journey_state=JourneyState.INDUCTION,
    )  # fmt: skip
    AppointmentFactory(patient=visiting, esketamine=True, chair=ChairFactory(location=here))
    boss = manager()
    boss.locations.add(here, there)
    sign_in(client, boss)
    url = f"{reverse('controlled_receipt_new')}?location={here.pk}"
    html = client.get(url).content.decode()
    assert "Sprayhere" in html and "Visiting" in html
    for absent in ("Infusion", "Elsewhere", "Discharged"):
        assert absent not in html, absent
    devices = ProductFactory(esketamine=True)
    data = {
        "supplier_name": "Specialty Rx", "supplier_address": "1 Main St, Boston MA",
        "supplier_dea": "RC0314156", "invoice_number": "SP-9",
        "received_on": timezone.localdate().isoformat(),
        "line-TOTAL_FORMS": "1", "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0", "line-MAX_NUM_FORMS": "20",
        "line-0-product": devices.pk, "line-0-lot_number": "SPR1",
        "line-0-expires_on": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
        "line-0-containers": "2", "line-0-named_patient": elsewhere.pk,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html and 'value="SPR1"' in html
    assert not Lot.objects.exists()
    data["line-0-named_patient"] = spray.pk
    assert client.post(url, data).status_code == 302
    assert Lot.objects.get(lot_number="SPR1").named_patient == spray
