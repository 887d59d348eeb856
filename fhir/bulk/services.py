"""Starting, running, cancelling and expiring bulk exports; each audited.

Audit (object type "fhir.export", object id the job's number): the kick-off (`export`,
the level and types), the end (`export`, how many resources and patients; the job's row
keeps the counts per type), and one `export` row per patient whose records the files
hold, written in one INSERT per thousand patients under the requester's name, so each
patient's accounting of disclosures shows the export.
Every file download is a `download` row, written by the API's decorator from the file the
scoped lookup noted (`fhir.bulk.selectors.export_file_for`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.audit import audit_record, audit_record_many
from clinic.choices import AuditAction
from clinic.context import current, use
from fhir.bulk.kickoff import readable_types
from fhir.bulk.models import ACTIVE, ExportJob, ExportStatus
from fhir.bulk.selectors import requester_filter
from fhir.bulk.writer import Cancelled, Tally, delete_files, expiry, save_progress, write_type
from fhir.clients.principal import ClientPrincipal
from fhir.clients.scopes import granted

logger = logging.getLogger(__name__)
AUDIT_BATCH = 1000


class AlreadyExporting(Exception):
    """The requester has an export queued or running: `job` is it."""

    def __init__(self, job: ExportJob) -> None:
        super().__init__("An export is already running.")
        self.job = job


def export_start(
    *,
    actor: Any,
    level: str,
    types: list[str],
    since: dt.datetime | None,
    request_url: str,
) -> ExportJob:
    """Queue an export for `actor`; AlreadyExporting when one is queued or running."""
    running = ExportJob.objects.filter(status__in=ACTIVE, **requester_filter(actor)).first()
    if running is not None:
        raise AlreadyExporting(running)
    scopes = " ".join(actor.scopes) if isinstance(actor, ClientPrincipal) else ""
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                level=level,
                scopes=scopes,
                request_url=request_url[:2000],
                types=" ".join(types),
                since=since,
                created_at=timezone.now(),
                **requester_filter(actor),
            )
            audit_record(
                action=AuditAction.EXPORT,
                user=actor,
                object_type="fhir.export",
                object_id=_shown(f"{job.pk} {level} started: {' '.join(types)}"),
            )
    except IntegrityError:
        # Another kick-off of this requester won the race (the partial unique index): its
        # job is the requester's active one, the job the index protects (queued or
        # running); if a worker already finished it before this answer, none is active
        # and it is the requester's newest (so never "no such export": a 500).
        mine = ExportJob.objects.filter(**requester_filter(actor)).order_by("-pk")
        winner = mine.filter(status__in=ACTIVE).first() or mine.first()
        raise AlreadyExporting(winner) from None
    from fhir.bulk.tasks import run_export

    transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def _shown(text: str) -> str:
    """An audit row's object id (64 characters): the job's row holds the whole request."""
    return text if len(text) <= 64 else text[:63] + "…"


def reader_of(job: ExportJob) -> Any:
    """Who the export reads as: the staff login, or the client with the token's scopes
    (narrowed if the client's were narrowed since). None if they may no longer read."""
    if job.user is not None:
        return job.user if job.user.is_active else None
    client, now = job.client, timezone.now()
    usable = (
        client.is_active
        and client.revoked_at is None
        and (client.expires_at is None or client.expires_at > now)
    )
    scopes = granted(client.scopes.split(), job.scopes.split())
    return ClientPrincipal(client, scopes) if usable and scopes else None


def export_run(job_pk: int) -> None:
    """The task's work: write every type, then finish (or fail, or stop if cancelled)."""
    job = ExportJob.objects.select_related("user", "client").get(pk=job_pk)
    started = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if not started:
        return
    job.status = ExportStatus.RUNNING
    reader = reader_of(job)
    if reader is None:
        _fail(job, "The requester may no longer read the API (revoked or deactivated).")
        return
    withdrawn = sorted(set(job.type_list) - set(readable_types(reader, job.level)))
    if withdrawn:  # scopes or roles narrowed since the kick-off
        _fail(job, f"The requester may no longer read {', '.join(withdrawn)}; start another.")
        return
    tally = Tally()
    try:
        for resource_type in job.type_list:
            save_progress(job, f"{resource_type} 0%")
            write_type(job, reader, resource_type, tally)
    except Cancelled:
        delete_files(job)
        return
    except Exception:
        logger.exception("FHIR export %s failed", job.public_id)
        _fail(job, "The export failed on the server; start a new one.")
        return
    _finish(job, reader, tally)


def _fail(job: ExportJob, message: str) -> None:
    delete_files(job)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now(), progress=""
    )


def _finish(job: ExportJob, reader: Any, tally: Tally) -> None:
    now = timezone.now()
    with transaction.atomic():
        finished = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.COMPLETED,
            progress="",
            counts=tally.counts,
            patient_count=len(tally.patients),
            finished_at=now,
            expires_at=expiry(now),
        )
        if not finished:  # cancelled as the last file was written
            transaction.on_commit(lambda: delete_files(job))
            return
        summary = " ".join(f"{kind}:{count}" for kind, count in tally.counts.items())
        total = sum(tally.counts.values())
        audit_record(
            action=AuditAction.EXPORT,
            user=reader,
            object_type="fhir.export",
            object_id=_shown(f"{job.pk} done: {total} resources, {len(tally.patients)} patients"),
        )
        _audit_patients(job, reader, sorted(tally.patients), summary)


def _audit_patients(job: ExportJob, reader: Any, patients: list[int], summary: str) -> None:
    """One `export` row per patient, by the requester, in batches of one INSERT each."""
    context = dataclasses.replace(current(), user_getter=lambda: reader)
    with use(context):
        for start in range(0, len(patients), AUDIT_BATCH):
            audit_record_many(
                action=AuditAction.EXPORT,
                rows=[
                    (patient, "fhir.export", str(job.pk))
                    for patient in patients[start : start + AUDIT_BATCH]
                ],
            )
    logger.info("FHIR export %s: %s", job.public_id, summary)


def export_cancel(*, actor: Any, job: ExportJob) -> None:
    """`DELETE` on the status URL: stop the export if it runs, delete its files."""
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).exclude(status=ExportStatus.CANCELLED).update(
            status=ExportStatus.CANCELLED, progress="", finished_at=timezone.now()
        )
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            object_type="fhir.export",
            object_id=f"{job.pk} cancelled",
        )
    delete_files(job)


def exports_expire(now: dt.datetime | None = None) -> int:
    """Delete the files of every export past its expiry (the beat task); the job rows
    stay as the record of what was exported. Returns how many exports expired.

    An export still queued or running long after the task's time limit lost its worker
    (a killed worker, a broker that forgot it): it is failed, so its requester may start
    another."""
    from fhir.bulk.tasks import EXPORT_TIME_LIMIT

    now = now or timezone.now()
    lost = ExportJob.objects.filter(
        status__in=ACTIVE, created_at__lt=now - dt.timedelta(seconds=2 * EXPORT_TIME_LIMIT)
    )
    for job in lost:
        _fail(job, "The export stopped on the server (its worker was lost); start another.")
    due = ExportJob.objects.filter(status=ExportStatus.COMPLETED, expires_at__lte=now)
    expired = 0
    for job in due.iterator():
        delete_files(job)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED)
        expired += 1
    return expired
