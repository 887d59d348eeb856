"""The reports page and its downloads (PDF and CSV), the inventory PDF and the Form 41
PDF. Each download is audited by its decorator: one "export" row naming the report, its
location and period, or one "download" row naming the inventory or destruction record."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from clinic import clock
from clinic.access import permits
from clinic.choices import AuditAction
from clinic.context import note_subject
from clinic.selectors import work_locations
from controlled import permissions
from controlled.forms import ReportForm
from controlled.reports import (
    REPORTS,
    Period,
    destruction_pdf,
    inventory_pdf,
    report_pdf,
    safe_cell,
)
from controlled.selectors.records import (
    count_for_user,
    counts_of,
    destruction_for_user,
    destructions_for_user,
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(columns: list[str], rows: Iterator[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(column) for column in columns])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def _page(request: HttpRequest, form: ReportForm) -> HttpResponse:
    return TemplateResponse(
        request,
        "controlled/reports.html",
        {
            "form": form,
            "inventories": [c for c in counts_of(request.user, limit=60) if c.purpose != "count"],
            "destructions": list(
                destructions_for_user(request.user).order_by("-destroyed_on")[:30]
            ),
        },
    )


@permits(permissions.READ_REPORTS, audit="controlled.reports")
def reports(request: HttpRequest) -> HttpResponse:
    today = clock.localdate()
    form = ReportForm(
        locations=work_locations(request.user),
        initial={"start": today.replace(day=1), "end": today, "format": "pdf"},
    )
    return _page(request, form)


@permits(permissions.READ_REPORTS, audit_action=AuditAction.EXPORT)
def report_download(request: HttpRequest) -> HttpResponse:
    if not request.GET:
        return redirect("controlled_reports")
    form = ReportForm(request.GET, locations=work_locations(request.user))
    if not form.is_valid():
        return _page(request, form)
    data = form.cleaned_data
    report = REPORTS[data["report"]]
    period = Period(data["location"], data["start"], data["end"])
    if data["format"] == "pdf" and (too_long := report.pdf_problem(period)):
        form.add_error("end", too_long)
        return _page(request, form)
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
            _csv_stream(report.columns, report.rows(period)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(report_pdf(report, period, generated_for=request.user),
                            content_type="application/pdf")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


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
