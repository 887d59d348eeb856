"""Bulk Data Access: the kick-off (`$export`, `Patient/$export`), the status URL (poll,
manifest, `DELETE`), and the files. Thin: parameters in `fhir.bulk.kickoff`, the work in
`fhir.bulk.services`, who may in `fhir.bulk.access`.

A status or file URL names a job by a random UUID and answers only its requester (the
same API client, or the same staff login): anyone else gets 404, as for a record out of
scope."""

from __future__ import annotations

import json
import re
import uuid

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.policy import may
from fhir.bulk.access import bulk_api
from fhir.bulk.kickoff import ExportRefused, parse_kickoff
from fhir.bulk.models import ExportJob, ExportLevel, ExportStatus
from fhir.bulk.services import (
    AlreadyExporting,
    export_cancel,
    export_start,
    files_of,
    requester_filter,
)
from fhir.clients.principal import may_read
from fhir.registry import RESOURCES
from fhir.responses import outcome

NDJSON = "application/fhir+ndjson"
RETRY_SECONDS = 10
_FILE_NAME = re.compile(r"^([A-Za-z]{1,64})-([0-9]{1,6})\.ndjson$")
_ACTIONS = {served.type: served.action for served in RESOURCES}


def status_url(request: HttpRequest, job: ExportJob) -> str:
    return request.build_absolute_uri(reverse("fhir:export-status", args=[job.public_id]))


@bulk_api("GET", audit_action=AuditAction.EXPORT)
def system_export(request: HttpRequest) -> HttpResponse:
    """`GET [base]/$export`: every type the reader may read."""
    return _kickoff(request, ExportLevel.SYSTEM)


@bulk_api("GET", audit_action=AuditAction.EXPORT)
def patient_export(request: HttpRequest) -> HttpResponse:
    """`GET [base]/Patient/$export`: the Patient compartment of every patient in scope."""
    return _kickoff(request, ExportLevel.PATIENT)


def _kickoff(request: HttpRequest, level: str) -> HttpResponse:
    asked = parse_kickoff(request, level)
    try:
        job = export_start(
            actor=request.user,
            level=level,
            types=asked.types,
            since=asked.since,
            request_url=request.build_absolute_uri(),
        )
    except AlreadyExporting as busy:
        # The IG's answer to a server unable to take another export now: 429, and
        # where the one already running is polled.
        response = outcome(
            429,
            "You have an export running: poll it (Content-Location) or DELETE it, "
            "then start another.",
        )
        response["Retry-After"] = str(RETRY_SECONDS)
        response["Content-Location"] = status_url(request, busy.job)
        return response
    response = HttpResponse(status=202)
    response["Content-Location"] = status_url(request, job)
    return response


def _own_job(request: HttpRequest, job_id: uuid.UUID) -> ExportJob:
    """The requester's job, or 404 (anyone else's, or a cancelled one)."""
    job = (
        ExportJob.objects.filter(public_id=job_id, **requester_filter(request.user))
        .exclude(status=ExportStatus.CANCELLED)
        .first()
    )
    if job is None:
        raise ExportRefused(404, "No export of yours has that status URL.")
    return job


def _expired(job: ExportJob) -> bool:
    return job.status == ExportStatus.EXPIRED or (
        job.expires_at is not None and job.expires_at <= timezone.now()
    )


@bulk_api("GET", "DELETE")
def export_status(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Poll: 202 with progress while it runs, the manifest when done, 410 when expired;
    `DELETE` cancels it (and deletes its files)."""
    job = _own_job(request, job_id)
    if request.method == "DELETE":
        export_cancel(actor=request.user, job=job)
        return HttpResponse(status=202)
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or "queued"
        response["Retry-After"] = str(RETRY_SECONDS)
        return response
    if _expired(job):
        return outcome(410, "This export has expired and its files are deleted: start another.")
    if job.status == ExportStatus.FAILED:
        return outcome(500, job.error or "The export failed.")
    response = HttpResponse(json.dumps(_manifest(request, job)), content_type="application/json")
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


def _manifest(request: HttpRequest, job: ExportJob) -> dict[str, object]:
    output = [
        {
            "type": exported.resource_type,
            "url": request.build_absolute_uri(
                reverse("fhir:export-file", args=[job.public_id, exported.name])
            ),
            "count": exported.count,
        }
        for exported in files_of(job)
    ]
    return {
        "transactionTime": job.created_at.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": output,
        "error": [],
    }


@bulk_api("GET", audit_action=AuditAction.DOWNLOAD)
def export_file(request: HttpRequest, job_id: uuid.UUID, file_name: str) -> HttpResponse:
    """One NDJSON file, streamed, to its requester while the export has not expired."""
    job = _own_job(request, job_id)
    if _expired(job):
        return outcome(410, "This export has expired and its files are deleted.")
    match = _FILE_NAME.match(file_name)
    exported = (
        files_of(job).filter(resource_type=match.group(1), part=int(match.group(2))).first()
        if match and job.status == ExportStatus.COMPLETED
        else None
    )
    if exported is None:
        raise ExportRefused(404, f"This export has no file {file_name[:80]}.")
    kind = exported.resource_type
    if not (may(request.user, _ACTIONS[kind]) and may_read(request.user, kind)):
        raise ExportRefused(403, f"You may no longer read {kind} resources.")
    audit_record(
        action=AuditAction.DOWNLOAD,
        object_type="fhir.export.file",
        object_id=f"{job.public_id}/{exported.name}"[:64],
    )
    response = FileResponse(exported.file.open("rb"), content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response
