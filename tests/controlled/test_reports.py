"""The reports per location and date range (PDF and CSV), the inventory PDF: who may
download them, what they contain, the audit rows, formula-safe CSV, and query counts
that do not grow with rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from clinic import clock
from clinic.choices import AuditAction, Role
from clinic.models import AuditEvent
from controlled.choices import BusinessTime, CountPurpose, EntryKind
from controlled.reports import safe_cell
from controlled.services.counts import CountedLot, count_submit
from controlled.services.posting import post_entry
from tests.controlled.counts_support import manager, pdf_text, person, stocked_lot
from tests.factories import PatientFactory, ReceiptFactory
from tests.factories.clinic import PASSWORD

pytestmark = pytest.mark.django_db


def _download(client, report: str, fmt: str, **extra: str):  # type: ignore[no-untyped-def]
    today = clock.localdate()
    params = {
        "location": extra.pop("location", ""),
        "report": report,
        "start": str(today - dt.timedelta(days=7)),
        "end": str(today),
        "format": fmt,
        **extra,
    }
    return client.get(reverse("report_download"), params)


def _csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def _administer(lot, nurse, patient, units: str = "1.5"):  # type: ignore[no-untyped-def]
    return post_entry(
        lot=lot, kind=EntryKind.ADMINISTRATION, units=-Decimal(units), actor=nurse,
        occurred_at=clock.now(), patient=patient, source_ref="treatment_session:1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Plain", "Plain"),
        (Decimal("-1.50"), "-1.50"),
    ],
)
def test_csv_cells_are_safe_against_formula_injection(value, cell) -> None:
    assert safe_cell(value) == cell


def test_the_administration_log_lists_patient_address_quantity_and_who_gave_it(login) -> None:
    lot = stocked_lot()
    lead = manager(lot.location)
    nurse = person(Role.NURSE, lot.location, first_name="Nia", last_name="Bell")
    patient = PatientFactory(
        legal_first_name="=Evil", legal_last_name="Quill", address_line1="12 Elm St",
        city="Boston", region="MA", postal_code="02110",
    )  # fmt: skip
    _administer(lot, nurse, patient)
    client = login(lead)
    response = _download(client, "administrations", "csv", location=str(lot.location_id))
    assert response["Content-Type"].startswith("text/csv")
    header, row = _csv_rows(response)
    assert header[1:3] == ["Patient", "Patient's address"]
    assert row[1].startswith("'=Evil")  # defused
    assert row[2] == "12 Elm St, Boston, MA 02110"
    assert row[6:9] == ["75.00", "1.50", "mL"]
    assert "Nia Bell" in row[9]
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="controlled.report.administrations"
    ).exists()


def test_the_receipts_log_pdf_names_the_supplier_and_the_locations_dea_number(login) -> None:
    lot = stocked_lot()
    client = login(manager(lot.location))
    response = _download(client, "receipts", "pdf", location=str(lot.location_id))
    text = pdf_text(response.content)
    assert "Receipts log" in text
    assert "FT1234563" in text  # the location's DEA number
    assert "Cardinal Health" in text and "RC0314156" in text


@pytest.mark.parametrize("report", ["waste", "balances", "inventory", "administrations"])
def test_every_report_renders_as_pdf_and_csv(login, report) -> None:
    lot = stocked_lot()
    lead = manager(lot.location)
    count_submit(
        location=lot.location, purpose=CountPurpose.INITIAL, business_time=BusinessTime.OPENING,
        lines=[CountedLot(lot.pk, 2, Decimal(0))], password=PASSWORD, actor=lead,
    )  # fmt: skip
    client = login(lead)
    pdf = _download(client, report, "pdf", location=str(lot.location_id))
    assert "FT1234563" in pdf_text(pdf.content)
    rows = _csv_rows(_download(client, report, "csv", location=str(lot.location_id)))
    assert len(rows) >= 1


def test_the_running_balance_follows_each_entry(login) -> None:
    lot = stocked_lot()
    lead = manager(lot.location)
    _administer(lot, person(Role.NURSE, lot.location), PatientFactory(), "2")
    rows = _csv_rows(_download(login(lead), "balances", "csv", location=str(lot.location_id)))[1:]
    assert [(row[3], row[6]) for row in rows] == [("Receipt", "20.00"), ("Administration", "18.00")]


def test_a_bad_range_is_refused_next_to_the_field_and_writes_no_export(login) -> None:
    lot = stocked_lot()
    client = login(manager(lot.location))
    response = _download(
        client, "receipts", "csv", location=str(lot.location_id), start="2026-12-01",
        end="2026-11-01",
    )  # fmt: skip
    assert response.status_code == 200
    assert "The end is before the start." in response.content.decode()
    response = _download(client, "receipts", "csv", location=str(lot.location_id), end="soon")
    assert "Enter a date" in response.content.decode()
    response = _download(
        client, "balances", "pdf", location=str(lot.location_id), start="9999-01-01",
        end="9999-12-31",
    )  # fmt: skip
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2100." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_nurses_cannot_download_reports(login) -> None:
    lot = stocked_lot()
    response = _download(
        login(person(Role.NURSE, lot.location)), "receipts", "csv", location=str(lot.location_id)
    )
    assert response.status_code == 403


def test_another_locations_report_is_refused(login) -> None:
    from tests.factories import LocationFactory

    lot = stocked_lot()
    elsewhere = manager(LocationFactory(name="Harbor Point", dea_number="FH7654329"))
    response = _download(login(elsewhere), "receipts", "csv", location=str(lot.location_id))
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_report_queries_do_not_grow_with_rows(login, django_assert_max_num_queries) -> None:
    lot = stocked_lot(containers=50)
    lead = manager(lot.location)
    nurse = person(Role.NURSE, lot.location)
    client = login(lead)
    _administer(lot, nurse, PatientFactory())
    _download(client, "administrations", "csv", location=str(lot.location_id))
    for _ in range(30):
        _administer(lot, nurse, PatientFactory())
    for index in range(5):
        ReceiptFactory(location=lot.location, invoice_number=f"Q-{index}")
    for report in ("administrations", "balances", "waste", "receipts", "inventory"):
        with django_assert_max_num_queries(15):
            response = _download(client, report, "csv", location=str(lot.location_id))
            _csv_rows(response)


def test_the_biennial_inventory_pdf_has_the_inspectors_layout(login) -> None:
    lot = stocked_lot(containers=3)
    lead = manager(lot.location)
    count_submit(
        location=lot.location, purpose=CountPurpose.INITIAL, business_time=BusinessTime.OPENING,
        lines=[CountedLot(lot.pk, 3, Decimal(0))], password=PASSWORD, actor=lead,
    )  # fmt: skip
    biennial = count_submit(
        location=lot.location, purpose=CountPurpose.BIENNIAL, business_time=BusinessTime.CLOSE,
        lines=[CountedLot(lot.pk, 2, Decimal("6.5"))], password=PASSWORD, actor=lead,
    )  # fmt: skip
    response = login(lead).get(reverse("inventory_download", args=[biennial.pk]))
    text = " ".join(pdf_text(response.content).split())
    for expected in (
        "Biennial inventory",
        "Test Clinic",
        "200 Harbor Street",
        "FT1234563",
        "At the close of business",
        lot.product.ndc,
        "50 mg/mL",
        "10 mL",
        "6.5 mL",
        "Maya Okafor",
    ):
        assert expected in text, expected
    assert AuditEvent.objects.filter(action=AuditAction.DOWNLOAD, object_id=str(biennial.pk))


def test_the_reports_page_lists_inventories_and_offers_the_form(login) -> None:
    lot = stocked_lot()
    lead = manager(lot.location)
    count_submit(
        location=lot.location, purpose=CountPurpose.INITIAL, business_time=BusinessTime.CLOSE,
        lines=[CountedLot(lot.pk, 2, Decimal(0))], password=PASSWORD, actor=lead,
    )  # fmt: skip
    page = login(lead).get(reverse("controlled_reports")).content.decode()
    assert "Initial inventory, Test Clinic" in page
    assert "Administration log" in page


def test_each_download_writes_one_row_naming_it_and_a_refused_one_writes_none(login) -> None:
    """The decorator writes the row (no view writes it by hand): one `export` row per
    report download naming the report, location, period and format; one `download` row
    per inventory PDF; a refused download writes only its `denied` row."""
    lot = stocked_lot()
    lead = manager(lot.location)
    count = count_submit(
        location=lot.location, purpose=CountPurpose.INITIAL, business_time=BusinessTime.OPENING,
        lines=[CountedLot(lot.pk, 2, Decimal(0))], password=PASSWORD, actor=lead,
    )  # fmt: skip
    client = login(lead)
    before = AuditEvent.objects.count()
    _csv_rows(_download(client, "receipts", "csv", location=str(lot.location_id)))
    today = clock.localdate()
    rows = list(
        AuditEvent.objects.order_by("id")[before:].values_list(
            "action", "object_type", "object_id", "user_id"
        )
    )
    period = f"{lot.location_id}:{today - dt.timedelta(days=7)}:{today}:csv"
    assert rows == [(AuditAction.EXPORT, "controlled.report.receipts", period, lead.pk)]

    before = AuditEvent.objects.count()
    assert client.get(reverse("inventory_download", args=[count.pk])).status_code == 200
    rows = list(
        AuditEvent.objects.order_by("id")[before:].values_list("action", "object_type", "object_id")
    )
    assert rows == [(AuditAction.DOWNLOAD, "controlled.stockcount", str(count.pk))]

    nurse = login(person(Role.NURSE, lot.location))
    before = AuditEvent.objects.count()
    assert nurse.get(reverse("inventory_download", args=[count.pk])).status_code == 403
    assert list(AuditEvent.objects.order_by("id")[before:].values_list("action", flat=True)) == [
        AuditAction.DENIED
    ]


def _administered_daily(lot, days: int) -> None:  # type: ignore[no-untyped-def]
    """One administration a day for `days` days, the last today (noon, clinic time)."""
    nurse = person(Role.NURSE, lot.location)
    today = clock.localdate(lot.location.zone)
    for back in range(days - 1, -1, -1):
        moment = dt.datetime.combine(today - dt.timedelta(days=back), dt.time(12))
        post_entry(
            lot=lot, kind=EntryKind.ADMINISTRATION, units=-Decimal("0.5"), actor=nurse,
            occurred_at=moment.replace(tzinfo=lot.location.zone), patient=PatientFactory(),
            source_ref=f"treatment_session:{back}",
        )  # fmt: skip


def test_a_link_to_a_long_pdf_shows_the_form_filled_in_and_writes_no_export(
    login, monkeypatch
) -> None:
    """A long report is no longer refused: the form prepares it in the background
    (tests/controlled/test_report_files.py). A link straight to its download (kept from
    before) shows the form as typed, saying so; the CSV of a short period and the PDF
    that fits are made at once as before."""
    monkeypatch.setattr("controlled.reports.PDF_MAX_ROWS", 3)
    lot = stocked_lot(containers=2)
    _administered_daily(lot, 5)
    client = login(manager(lot.location))
    today = clock.localdate(lot.location.zone)
    response = _download(client, "administrations", "pdf", location=str(lot.location_id))
    page = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "This period holds more than 3 rows: press Download and it is prepared" in page
    assert "PDF holds" not in page  # the old refusal is gone
    assert f'value="{today - dt.timedelta(days=7)}"' in page  # what was typed stays
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    assert len(_csv_rows(_download(client, "administrations", "csv",
                                   location=str(lot.location_id)))) == 1 + 5  # fmt: skip
    pdf = _download(client, "administrations", "pdf", location=str(lot.location_id),
                    start=str(today - dt.timedelta(days=2)))  # fmt: skip
    assert pdf.status_code == 200
    assert "3 entries" in pdf_text(pdf.content)


def test_the_length_check_does_not_grow_with_rows(
    login, monkeypatch, django_assert_max_num_queries
) -> None:
    monkeypatch.setattr("controlled.reports.PDF_MAX_ROWS", 2)
    lot = stocked_lot(containers=5)
    _administered_daily(lot, 3)
    client = login(manager(lot.location))
    _download(client, "administrations", "pdf", location=str(lot.location_id))
    _administered_daily(lot, 7)
    with django_assert_max_num_queries(14):
        response = _download(client, "balances", "pdf", location=str(lot.location_id))
    assert response.status_code == 200
    assert "more than 2 rows" in response.content.decode()
