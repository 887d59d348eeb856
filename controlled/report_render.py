"""Writing a report to a file, whatever its length, with memory that does not grow with
its rows: the CSV row by row from the database cursor (the same lines the in-request
download streams), the PDF in parts of `PDF_PART_ROWS` rows, each laid out by WeasyPrint
on its own and joined into one PDF (`pypdf`), its pages numbered through the report.

WeasyPrint holds a document's whole layout in memory (a two-year administration log is
13,000 rows): laying it out in parts keeps the worker's memory to one part's layout and
the finished PDF's bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone

from clinic.documents import render_pdf
from clinic.models import User
from controlled.reports import Period, Report, safe_cell, safe_display

# Rows laid out by WeasyPrint at a time (one part of a long PDF): about 10–15 landscape
# pages, a few tens of MB of layout.
PDF_PART_ROWS = 400


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """The CSV's lines: a byte-order mark and the header (a spreadsheet then reads it as
    UTF-8), then one line per row, each cell formula-safe (`safe_cell`)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(column) for column in columns])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def write_csv(report: Report, period: Period, out: IO[str]) -> int:
    """Write the report's CSV to `out`, a line at a time; the number of rows written."""
    lines = csv_lines(report.columns, report.rows(period))
    out.write(next(lines))
    written = 0
    for line in lines:
        out.write(line)
        written += 1
    return written


@dataclass(frozen=True)
class Part:
    """Which part of a long PDF a layout is: the first holds the title and registrant,
    the last says where the report ends; pages count on from the parts before."""

    first: bool
    last: bool
    parts: int
    page_offset: int


def write_pdf(report: Report, period: Period, out: IO[bytes], *, generated_for: User) -> int:
    """Write the report's PDF to `out`, laid out `PDF_PART_ROWS` rows at a time; the
    number of rows. One count, then the rows read once from the cursor."""
    from pypdf import PdfReader, PdfWriter

    from clinic.selectors import clinic_settings

    clinic = clinic_settings()
    total = report.records(period).count()
    parts = max(1, -(-total // PDF_PART_ROWS))
    rows = report.rows(period)
    joined = PdfWriter()
    pages = 0
    base = {
        "report": report,
        "period": period,
        "location": period.location,
        "clinic": clinic,
        "total": total,
        "generated_for": generated_for,
        "generated_at": timezone.now(),
        "paper": "A4" if clinic.paper_size == "A4" else "letter",
    }
    for index in range(parts):
        part = Part(first=index == 0, last=index == parts - 1, parts=parts, page_offset=pages)
        chunk = [[safe_display(cell) for cell in row] for row in islice(rows, PDF_PART_ROWS)]
        laid_out = PdfReader(io.BytesIO(_part_pdf({**base, "rows": chunk, "part": part})))
        pages += len(laid_out.pages)
        joined.append(laid_out)
    joined.add_metadata({"/Title": f"{report.title} — {period.location.name}"})
    joined.write(out)
    return total


def _part_pdf(context: dict[str, Any]) -> bytes:
    with timezone.override(context["location"].zone):
        html = render_to_string("controlled/documents/report.html", context)
    return render_pdf(html)
