"""Report files: a report too long to make while the user waits is asked for here, made
by a worker (`controlled.tasks.render_report_file`) into Django's storage, and deleted
once it expires (`controlled.tasks.expire_report_files`, daily).

Asking twice for the same report (a double click, a second tab) while it is queued or
being made returns the one already asked for: a unique constraint on the pending files
makes sure of it even for two requests at the same instant."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.policy import require
from clinic.selectors import work_locations
from controlled.choices import REPORT_FILE_PENDING, ReportFileStatus, ReportFormat
from controlled.models import ReportFile
from controlled.permissions import READ_REPORTS
from controlled.report_render import write_csv, write_pdf
from controlled.reports import REPORTS, Period

logger = logging.getLogger(__name__)

# A ready file is kept this long, then deleted with its row (the report can be asked for
# again: the ledger it is made from is never deleted).
KEEP_FOR = dt.timedelta(days=7)
# A file still queued or being made after this long lost its worker (a restart, a kill
# past the time limit): it is marked failed, so the page stops saying "Preparing…".
STUCK_AFTER = dt.timedelta(hours=2)

FAILED_MESSAGE = (
    "This report could not be made ({reason}). Ask for it again; if it fails again, "
    "choose a shorter period or tell the clinic's administrator."
)


def report_file_request(
    *,
    location: Location,
    report: str,
    start: dt.date,
    end: dt.date,
    format: str,
    actor: User,
) -> tuple[ReportFile, bool]:
    """Ask for a report to be made by a worker: (the file, whether it is new). An
    identical one of the same user still queued or being made is returned instead."""
    require(actor, READ_REPORTS, message="Your role cannot download controlled-substance reports.")
    if report not in REPORTS:
        raise ValidationError({"report": "Choose one of the reports."})
    if format not in ReportFormat.values:
        raise ValidationError({"format": "Choose PDF or CSV."})
    if not work_locations(actor).filter(pk=location.pk).exists():
        raise ValidationError({"location": "Choose a location you work at."})
    if end < start:
        raise ValidationError({"end": "The end is before the start."})
    same = {"requested_by": actor, "location": location, "report": report, "format": format,
            "start": start, "end": end}  # fmt: skip
    existing = ReportFile.objects.filter(**same, status__in=REPORT_FILE_PENDING).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    try:
        with transaction.atomic():
            made = ReportFile.objects.create(**same, created_at=now, expires_at=now + KEEP_FOR)
            audit_record(action=AuditAction.CREATE, user=actor, obj=made)
            _render_after_commit(made.pk)
    except IntegrityError:
        # The same request at the same instant (a double click): the other one won.
        found = ReportFile.objects.filter(**same, status__in=REPORT_FILE_PENDING).first()
        if found is None:
            raise
        return found, False
    return made, True


def _render_after_commit(report_file_id: int) -> None:
    from controlled.tasks import render_report_file

    render_report_file.delay_on_commit(report_file_id)


def report_file_render(report_file_id: int) -> str:
    """Make one report file (the worker): claim it, write it to a temporary file, store
    it, mark it ready with its row count. A failure is stored with a message for the
    page, never raised to the user."""
    claimed = ReportFile.objects.filter(pk=report_file_id, status=ReportFileStatus.QUEUED).update(
        status=ReportFileStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"  # made already, failed, expired, or another worker has it
    found = ReportFile.objects.select_related("location", "requested_by").get(pk=report_file_id)
    try:
        rows, size = _render_into_storage(found)
    except Exception as error:
        reason = "it took too long" if isinstance(error, SoftTimeLimitExceeded) else "an error"
        # No traceback or text of the error in the log: it can quote record data.
        logger.error("Report file %s failed (%s)", report_file_id, type(error).__name__)
        ReportFile.objects.filter(pk=report_file_id).update(
            status=ReportFileStatus.FAILED,
            error=FAILED_MESSAGE.format(reason=reason)[:300],
            finished_at=timezone.now(),
        )
        return "failed"
    ReportFile.objects.filter(pk=report_file_id).update(
        status=ReportFileStatus.READY, rows=rows, size=size, file=found.file.name,
        finished_at=timezone.now(),
    )  # fmt: skip
    return "ready"


def _render_into_storage(found: ReportFile) -> tuple[int, int]:
    """Write the report to a temporary file on disk, then copy it into storage in
    chunks: the worker's memory does not hold the file."""
    report = REPORTS[found.report]
    period = Period(found.location, found.start, found.end)
    with tempfile.TemporaryDirectory(prefix="report-") as folder:
        path = Path(folder) / found.download_name
        if found.format == ReportFormat.CSV:
            with path.open("w", encoding="utf-8", newline="") as out:
                rows = write_csv(report, period, out)
        else:
            with path.open("wb") as out:
                rows = write_pdf(report, period, out, generated_for=found.requested_by)
        with path.open("rb") as stored:
            found.file.save(found.download_name, File(stored), save=False)
        return rows, path.stat().st_size


def report_files_expire(now: dt.datetime | None = None) -> int:
    """Delete the files past their expiry, with their rows; mark the ones stuck queued
    or being made as failed. The number deleted."""
    now = now or clock.now()
    stuck = ReportFile.objects.filter(
        status__in=REPORT_FILE_PENDING, created_at__lt=now - STUCK_AFTER
    ).update(
        status=ReportFileStatus.FAILED,
        error=FAILED_MESSAGE.format(reason="no worker finished it")[:300],
        finished_at=now,
    )
    if stuck:
        logger.warning("Marked %s stuck report files failed", stuck)
    deleted = 0
    for expired in ReportFile.objects.filter(expires_at__lte=now).exclude(
        status__in=REPORT_FILE_PENDING
    ):
        if expired.file:
            expired.file.delete(save=False)
        expired.delete()
        deleted += 1
    return deleted
