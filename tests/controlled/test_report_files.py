"""Long reports made by a worker (issue 17): the form queues a report too long to make in
the request, the task renders it into storage (PDF in parts, CSV line by line), the page
lists it "Preparing…" then as a download, served only to those who read that location's
reports and audited; a failure says so on the page; a double click queues one render;
files expire."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic import clock
from clinic.choices import AuditAction, Role
from clinic.models import AuditEvent
from controlled.choices import EntryKind
from controlled.models import ReportFile
from controlled.services.posting import post_entry
from controlled.services.report_files import report_file_request
from controlled.tasks import expire_report_files, render_report_file
from tests.controlled.counts_support import manager, pdf_text, person, stocked_lot
from tests.factories import LocationFactory, PatientFactory, ReportFileFactory

pytestmark = pytest.mark.django_db


def _administered(lot, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` administrations over the past `count` hours, to patients named by number."""
    nurse = person(Role.NURSE, lot.location)
    for index in range(count):
        post_entry(
            lot=lot, kind=EntryKind.ADMINISTRATION, units=-Decimal("0.1"), actor=nurse,
            occurred_at=clock.now() - dt.timedelta(hours=count - index),
            patient=PatientFactory(legal_first_name="Pat", legal_last_name=f"Number{index:03d}"),
            source_ref=f"treatment_session:{index}",
        )  # fmt: skip


def _form(lot, report: str = "administrations", fmt: str = "pdf") -> dict[str, str]:  # type: ignore[no-untyped-def]
    today = clock.localdate(lot.location.zone)
    return {
        "location": str(lot.location_id), "report": report, "format": fmt,
        "start": str(today - dt.timedelta(days=30)), "end": str(today),
    }  # fmt: skip


def _pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_pdf_over_the_row_limit_is_rendered_by_the_task_every_row_on_numbered_pages(
    login, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr("controlled.report_render.PDF_PART_ROWS", 45)  # 3 parts
    lot = stocked_lot(containers=2)
    _administered(lot, 105)
    lead = manager(lot.location)
    client = login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_request"), _form(lot))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('controlled_reports')}?location={lot.location_id}"
    made = ReportFile.objects.get()
    assert (made.status, made.rows, made.requested_by) == ("ready", 105, lead)
    assert made.expires_at - made.created_at == dt.timedelta(days=7)
    with made.file.open("rb") as stored:
        data = stored.read()
    text = pdf_text(data)
    assert "Administration log" in text and "FT1234563" in text and "105 entries" in text
    for index in (0, 44, 45, 89, 90, 104):  # each part's first and last rows
        assert f"Number{index:03d}" in text, index
    assert "End of the report: 105 entries." in text
    pages = _pages(data)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):  # numbered through the parts
        assert re.search(rf"page {number}\b", page), (number, page[-200:])
    page = client.get(response["Location"]).content.decode()
    assert "105 rows" in page and reverse("report_file_download", args=[made.pk]) in page


def test_the_csv_made_by_the_task_is_the_csv_made_in_the_request(
    login, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    lot = stocked_lot(containers=2)
    _administered(lot, 6)
    client = login(manager(lot.location))
    form = _form(lot, "balances", "csv")
    in_request = client.get(reverse("report_download"), form)
    assert in_request["Content-Type"].startswith("text/csv")
    expected = b"".join(in_request.streaming_content)
    monkeypatch.setattr("controlled.reports.CSV_MAX_ROWS", 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("report_request"), form).status_code == 302
    made = ReportFile.objects.get()
    assert made.rows == 7  # the receipt and six administrations
    with made.file.open("rb") as stored:
        assert stored.read() == expected
    download = client.get(reverse("report_file_download", args=[made.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="balances-FT1234563-{made.start}-{made.end}.csv"'
    )
    assert b"".join(download.streaming_content) == expected


def test_a_short_report_still_downloads_at_once_and_queues_nothing(login) -> None:
    lot = stocked_lot()
    _administered(lot, 2)
    client = login(manager(lot.location))
    response = client.post(reverse("report_request"), _form(lot))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("report_download")
    )
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf" and "2 entries" in pdf_text(pdf.content)
    assert not ReportFile.objects.exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.EXPORT, object_type="controlled.report.administrations"
        ).count()
        == 1
    )


def test_a_double_click_queues_one_render(login, monkeypatch) -> None:
    monkeypatch.setattr("controlled.reports.PDF_MAX_ROWS", 1)
    lot = stocked_lot()
    _administered(lot, 3)
    client = login(manager(lot.location))
    first = client.post(reverse("report_request"), _form(lot), follow=True)
    second = client.post(reverse("report_request"), _form(lot), follow=True)
    assert ReportFile.objects.count() == 1
    assert "it is being prepared" in first.content.decode()
    page = second.content.decode()
    assert "is already being prepared" in page
    assert "Preparing…" in page and f'hx-get="{reverse("report_files")}' in page
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="controlled.reportfile"
        ).count()
        == 1
    )
    # Two at the same instant: the database keeps one pending file of the same kind.
    queued = ReportFile.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFile.objects.create(
            **{f: getattr(queued, f) for f in ("location", "report", "format", "start", "end",
                                               "requested_by", "created_at", "expires_at")}
        )  # fmt: skip
    # Once it is made, asking again makes a new one (the ledger may have changed).
    render_report_file(queued.pk)
    assert ReportFile.objects.get().status == "ready"
    again, new = report_file_request(actor=queued.requested_by, location=lot.location,
                                     report="administrations", start=queued.start,
                                     end=queued.end, format="pdf")  # fmt: skip
    assert new and again.pk != queued.pk


def test_the_download_is_for_readers_of_that_locations_reports_and_audited(login) -> None:
    made = ReportFileFactory()
    lead = made.requested_by
    lead.locations.add(made.location)
    url = reverse("report_file_download", args=[made.pk])

    client = login(lead)
    before = AuditEvent.objects.count()
    response = client.get(url)
    assert response.status_code == 200
    assert b"Cardinal Health" in b"".join(response.streaming_content)
    rows = list(AuditEvent.objects.order_by("id")[before:].values_list(
        "action", "object_type", "object_id", "user_id"))  # fmt: skip
    assert rows == [(AuditAction.DOWNLOAD, "controlled.reportfile", str(made.pk), lead.pk)]

    # A psychiatrist working at the same location reads its reports, but asks for their
    # own: another user's file (it names patients, stamped with its requester) is a 404.
    doctor = person(Role.PSYCHIATRIST, made.location)
    assert login(doctor).get(url).status_code == 404

    # A manager of another location: 404 and a denied row, no download row.
    elsewhere = login(manager(LocationFactory(name="Harbor Point", dea_number="FH7654329")))
    before = AuditEvent.objects.count()
    assert elsewhere.get(url).status_code == 404
    assert list(AuditEvent.objects.order_by("id")[before:].values_list("action", flat=True)) == [
        AuditAction.DENIED
    ]
    # A nurse at the location holds no reports: 403.
    assert login(person(Role.NURSE, made.location)).get(url).status_code == 403
    # A file still being made is not served.
    queued = ReportFileFactory(queued=True, location=made.location, requested_by=lead)
    assert login(lead).get(reverse("report_file_download", args=[queued.pk])).status_code == 404


def test_a_failed_render_says_so_on_the_page_never_a_500(
    login, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Number007 broke the layout")

    monkeypatch.setattr("controlled.services.report_files.write_pdf", broken)
    monkeypatch.setattr("controlled.reports.PDF_MAX_ROWS", 1)
    lot = stocked_lot()
    _administered(lot, 3)
    client = login(manager(lot.location))
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("report_request"), _form(lot))
    response = client.get(asked["Location"])
    assert response.status_code == 200
    made = ReportFile.objects.get()
    assert made.status == "failed" and not made.file
    page = " ".join(response.content.decode().split())
    assert "This report could not be made (an error). Ask for it again" in page
    assert "Number007" not in page  # the error's text (record data) is not shown
    assert "Preparing…" not in page and 'hx-trigger="every 3s"' not in page  # no polling


def test_the_list_is_polled_without_audit_rows_and_shows_only_the_users_files(login) -> None:
    lead = manager()
    location = lead.locations.get()
    mine = ReportFileFactory(queued=True, location=location, requested_by=lead)
    ReportFileFactory(location=location)  # another manager's
    client = login(lead)
    before = AuditEvent.objects.count()
    fragment = client.get(reverse("report_files"), {"location": location.pk}).content.decode()
    assert AuditEvent.objects.count() == before
    assert f'id="report-file-{mine.pk}"' in fragment and fragment.count("report-file-") == 1
    assert "Preparing…" in fragment and 'hx-trigger="every 3s"' in fragment
    ReportFile.objects.filter(pk=mine.pk).update(status="ready", rows=3)
    url = reverse("controlled_reports")
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"location": location.pk})
    for _ in range(8):
        ReportFileFactory(location=location, requested_by=lead)
    with CaptureQueriesContext(connection) as nine:
        html = client.get(url, {"location": location.pk}).content.decode()
    assert len(nine) == len(one) <= 18  # the list is one query, whatever its length
    assert html.count("Download CSV") == 9 and 'hx-trigger="every 3s"' not in html


def test_expired_files_are_deleted_with_their_stored_file_and_stuck_ones_fail() -> None:
    old = ReportFileFactory()
    kept = ReportFileFactory()
    stored = old.file.storage, old.file.name
    ReportFile.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    stuck = ReportFileFactory(queued=True)
    ReportFile.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(hours=3))
    fresh = ReportFileFactory(queued=True)
    assert expire_report_files() == 1
    assert not ReportFile.objects.filter(pk=old.pk).exists()
    assert not stored[0].exists(stored[1])
    assert ReportFile.objects.get(pk=kept.pk).file.storage.exists(kept.file.name)
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "no worker finished it" in stuck.error
    assert ReportFile.objects.get(pk=fresh.pk).status == "queued"


def test_an_expired_file_is_gone_from_the_list_and_the_download_at_once(login) -> None:
    """Before the daily task deletes it, a file past its 7 days is neither listed nor
    served."""
    made = ReportFileFactory()
    lead = made.requested_by
    lead.locations.add(made.location)
    client = login(lead)
    url = reverse("report_file_download", args=[made.pk])
    assert client.get(url).status_code == 200

    ReportFile.objects.filter(pk=made.pk).update(expires_at=clock.now() - dt.timedelta(days=3))

    assert client.get(url).status_code == 404
    page = client.get(reverse("controlled_reports"), {"location": made.location_id})
    assert url not in page.content.decode()
