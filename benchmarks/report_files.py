"""Long controlled-substance reports made by the worker: time and peak memory of the
report-file task (`controlled.tasks.render_report_file`) for a two-year report of the
busiest location of `seed_ledger.py`, asked for by its manager (`nurse2`), as CSV and as
PDF.

Each render runs in a child process of its own, so its peak resident memory (the
WeasyPrint layout and the cairo/pango libraries included, not only Python's allocations)
is that render's alone, with the file's rows and size; with BENCH_TRACE_PYTHON=1 it also
reports the peak of Python's allocations (tracemalloc, which slows the render: its time
is then not comparable).

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/report_files.py \\
        > benchmarks/output/report-files.json

BENCH_REPORT (default administrations), BENCH_REPORT_DAYS (730), BENCH_REPORT_FORMATS
(csv,pdf) choose what is made. A two-year administration PDF of the busiest location
(13,030 rows) lays out for many minutes: run it on an idle machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("MEDIA_ROOT", str(Path(__file__).resolve().parent / "output" / "media"))
os.environ.setdefault("STATIC_ROOT", str(Path(__file__).resolve().parent / "output" / "static"))
# The task runs here, in this process (as a worker would), not on a broker.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

import django

django.setup()

MANAGER = "nurse2"
REPORT = os.environ.get("BENCH_REPORT", "administrations")
DAYS = int(os.environ.get("BENCH_REPORT_DAYS", "730"))
FORMATS = os.environ.get("BENCH_REPORT_FORMATS", "csv,pdf").split(",")
# Python's own allocations (tracemalloc) slow WeasyPrint's layout several times over:
# traced in a second, untimed-for-comparison run only when asked (BENCH_TRACE_PYTHON=1).
TRACE_PYTHON = os.environ.get("BENCH_TRACE_PYTHON") == "1"


def busiest_location() -> int:
    from django.db.models import Count

    from controlled.models import LedgerEntry

    top = (
        LedgerEntry.objects.values("lot__location")
        .annotate(entries=Count("pk"))
        .order_by("-entries", "lot__location")
        .first()
    )
    return top["lot__location"]


def _peak_mib() -> float:
    """This process's peak resident memory so far (Linux: kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def render_one(fmt: str, location_id: int) -> dict[str, object]:
    """Ask for the report as the manager, then run the task in this process."""
    import datetime as dt

    from clinic import clock
    from clinic.models import Location, User
    from controlled.models import ReportFile
    from controlled.services.report_files import report_file_request
    from controlled.tasks import render_report_file

    location = Location.objects.get(pk=location_id)
    manager = User.objects.get(username=MANAGER)
    end = clock.localdate(location.zone)
    # A pending identical file left by an interrupted run would be reused: fail it first.
    ReportFile.objects.filter(requested_by=manager, status__in=["queued", "running"]).update(
        status="failed", error="Left by an earlier benchmark run."
    )
    peak_before = _peak_mib()  # Django and its imports loaded, nothing rendered yet
    if TRACE_PYTHON:
        tracemalloc.start()
    started = time.perf_counter()
    # Tasks run eagerly here: the request's commit runs the task in this process, as a
    # worker would (`render_report_file`), before the call returns.
    made, _new = report_file_request(
        actor=manager, location=location, report=REPORT, format=fmt,
        start=end - dt.timedelta(days=DAYS), end=end,
    )  # fmt: skip
    if ReportFile.objects.filter(pk=made.pk, status="queued").exists():
        render_report_file.apply(args=[made.pk])  # (if a commit hook did not run it)
    seconds = time.perf_counter() - started
    python_peak = tracemalloc.get_traced_memory()[1] if TRACE_PYTHON else 0
    tracemalloc.stop()
    made.refresh_from_db()
    result = {
        "report": REPORT,
        "format": fmt,
        "location": location.name,
        "days": DAYS,
        "status": made.status,
        "rows": made.rows,
        "kib": round((made.size or 0) / 1024, 1),
        "seconds": round(seconds, 2),
        "ms_per_row": round(seconds * 1000 / made.rows, 2) if made.rows else None,
        "peak_rss_before_mib": peak_before,
        "peak_rss_mib": _peak_mib(),
        "python_peak_mib": round(python_peak / 2**20, 1) if TRACE_PYTHON else None,
    }
    if made.file:  # measured: do not keep a copy of two years of records around
        made.file.delete(save=False)
    made.delete()
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(render_one(sys.argv[2], busiest_location())))
        return
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    results = []
    for fmt in FORMATS:
        child = subprocess.run(
            [sys.executable, __file__, "--one", fmt], capture_output=True, text=True, check=True
        )
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr)
    print(json.dumps({"report_files": results}, indent=2))


if __name__ == "__main__":
    main()
