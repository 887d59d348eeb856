"""The reports page and its downloads (PDF and CSV), the report files a worker makes, the
inventory PDF and the Form 41 PDF. Each download is audited by its decorator: one
"export" row naming the report, its location and period, or one "download" row naming
the report file, inventory or destruction record.

The form posts to `report_request`: a short report goes on to `report_download` (a GET,
made in the request as before); a long one is queued (`report_file_request`) and the
page lists it, "Preparing…" until it is ready, polled by htmx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clinic import clock
from clinic.access import permits
from clinic.choices import AuditAction
from clinic.context import note_subject
from clinic.forms import attach_errors
from clinic.models import Location
from clinic.selectors import work_locations
from controlled import permissions
from controlled.forms import ReportForm
from controlled.models import ReportFile
from controlled.report_render import csv_lines
from controlled.reports import (
    CSV_MAX_ROWS,
    PDF_MAX_ROWS,
    REPORTS,
    Period,
    Report,
    destruction_pdf,
    in_request_rows,
    inventory_pdf,
    report_pdf,
)
from controlled.selectors.records import (
    count_for_user,
    counts_of,
    destruction_for_user,
    destructions_for_user,
)
from controlled.selectors.report_files import recent_report_files, report_file_for_user
from controlled.selectors.stock import location_chosen
from controlled.services.report_files import report_file_request


def _files(request: HttpRequest, location: Location | None) -> dict[str, object]:
    files = recent_report_files(request.user, location)
    return {
        "files": files,
        "location": location,
        "pending": any(found.pending for found in files),
        "pdf_rows": PDF_MAX_ROWS,
        "csv_rows": CSV_MAX_ROWS,
    }


def _page(request: HttpRequest, form: ReportForm, *, long_report: str = "") -> HttpResponse:
    location = location_chosen(
        request.user, form.data.get("location") or request.GET.get("location")
    )
    return TemplateResponse(
        request,
        "controlled/reports.html",
        {
            "form": form,
            "long_report": long_report,
            "location": location,
            **_files(request, location),
            "inventories": [c for c in counts_of(request.user, limit=60) if c.purpose != "count"],
            "destructions": list(
                destructions_for_user(request.user).order_by("-destroyed_on")[:30]
            ),
        },
    )


def _parsed(
    request: HttpRequest, data: QueryDict
) -> tuple[ReportForm, Report, Period] | HttpResponse:
    """The report form filled from `data` (the posted form, or a download link's query),
    with the report and period it names; when it is not valid, the page showing why."""
    form = ReportForm(data, locations=work_locations(request.user))
    if not form.is_valid():
        return _page(request, form)
    chosen = form.cleaned_data
    return (
        form,
        REPORTS[chosen["report"]],
        Period(chosen["location"], chosen["start"], chosen["end"]),
    )


@permits(permissions.READ_REPORTS, audit="controlled.reports")
@require_http_methods(["GET"])
def reports(request: HttpRequest) -> HttpResponse:
    today = clock.localdate()
    location = location_chosen(request.user, request.GET.get("location"))
    form = ReportForm(
        locations=work_locations(request.user),
        initial={"start": today.replace(day=1), "end": today, "format": "pdf",
                 "location": location.pk if location else None},
    )  # fmt: skip
    return _page(request, form)


@permits(permissions.READ_REPORTS)
@require_http_methods(["POST"])
def report_request(request: HttpRequest) -> HttpResponse:
    """The form: a short report is downloaded at once (`report_download`, which audits
    it); a long one is handed to a worker and listed on the page."""
    parsed = _parsed(request, request.POST)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, report, period = parsed
    data = form.cleaned_data
    if report.made_in_request(period, data["format"]):
        query = {key: str(getattr(value, "pk", value)) for key, value in data.items()}
        return redirect(f"{reverse('report_download')}?{urlencode(query)}")
    try:
        made, new = report_file_request(actor=request.user, **data)
    except ValidationError as error:
        attach_errors(form, error)
        return _page(request, form)
    when = f"{made.start:%b %-d, %Y} – {made.end:%b %-d, %Y}"
    what = f"{report.title}, {when} ({made.get_format_display()})"
    messages.success(
        request,
        f"{what}: more than {in_request_rows(made.format):,} rows, so it is being prepared; "
        "it appears below when ready (you can leave this page)."
        if new
        else f"{what} is already being prepared: it appears below when ready.",
    )
    return redirect(f"{reverse('controlled_reports')}?location={made.location_id}")


@permits(permissions.READ_REPORTS, audit_action=AuditAction.EXPORT)
@require_http_methods(["GET"])
def report_download(request: HttpRequest) -> HttpResponse:
    if not request.GET:
        return redirect("controlled_reports")
    parsed = _parsed(request, request.GET)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, report, period = parsed
    data = form.cleaned_data
    if not report.made_in_request(period, data["format"]):
        # A link to a long report (typed, or kept from before): the form, filled in.
        return _page(request, form, long_report=in_request_rows(data["format"]))
    registrant = period.location.dea_number or period.location.pk
    name = f"{report.code}-{registrant}-{period.start}-{period.end}"
    note_subject(
        patient_id=None,
        object_type=f"controlled.report.{report.code}",
        object_id=f"{period.location.pk}:{period.start}:{period.end}:{data['format']}",
        page=True,
    )
    if data["format"] == "csv":
        response = StreamingHttpResponse(
            csv_lines(report.columns, report.rows(period)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(report_pdf(report, period, generated_for=request.user),
                            content_type="application/pdf")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


# No view row: htmx polls this list every few seconds while a file is being made; the
# page wrote its row, and each download writes its own.
@permits(permissions.READ_REPORTS, audit=False)
@require_http_methods(["GET"])
def report_files(request: HttpRequest) -> HttpResponse:
    """The user's recent report files at a location (the reports page's list)."""
    location = location_chosen(request.user, request.GET.get("location"))
    return TemplateResponse(request, "controlled/_report_files.html", _files(request, location))


@permits(permissions.READ_REPORTS, audit_action=AuditAction.DOWNLOAD)
@require_http_methods(["GET"])
def report_file_download(request: HttpRequest, report_file_id: int) -> HttpResponse:
    """A report file made by a worker, streamed from storage; one `download` row."""
    found: ReportFile = report_file_for_user(request.user, report_file_id)
    if found.status != "ready" or not found.file:
        raise Http404("This report is not ready.")
    content_type = "application/pdf" if found.format == "pdf" else "text/csv; charset=utf-8"
    response = StreamingHttpResponse(_chunks(found), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.download_name}"'
    if found.size is not None:
        response["Content-Length"] = str(found.size)
    return response


def _chunks(found: ReportFile) -> Iterator[bytes]:
    """The stored file, 64 KiB at a time (closed at its end, or when the response is)."""
    with found.file.open("rb") as stored:
        yield from iter(lambda: stored.read(64 * 1024), b"")


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@permits(permissions.READ_REPORTS, audit_action=AuditAction.DOWNLOAD)
def inventory_download(request: HttpRequest, count_id: int) -> HttpResponse:
    count = count_for_user(request.user, count_id)
    day = count.counted_at.astimezone(count.location.zone).date()
    return _pdf(inventory_pdf(count, generated_for=request.user), f"{count.purpose}-{day}")


@permits(permissions.READ_REPORTS, audit_action=AuditAction.DOWNLOAD)
def destruction_download(request: HttpRequest, destruction_id: int) -> HttpResponse:
    destruction = destruction_for_user(request.user, destruction_id)
    on: dt.date = destruction.destroyed_on
    return _pdf(destruction_pdf(destruction, generated_for=request.user), f"form-41-{on}")
