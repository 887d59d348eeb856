"""Bulk Data Access: the kick-off (`$export`, `Patient/$export`), the status URL (poll,
manifest, `DELETE`), and the files. Thin: who may by the API's one decorator
(`fhir.access.api_signed_in`: bearer or session, 401/405, CSRF, refusals and audit),
parameters in `fhir.bulk.kickoff`, whose job and file in `fhir.bulk.selectors`, the work
in `fhir.bulk.services`.

A status or file URL names a job by a random UUID and answers only its requester (the
same API client, or the same staff login): anyone else gets 404, as for a record out of
scope."""

from __future__ import annotations

import json
import uuid

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date

from clinic.choices import AuditAction
from fhir.access import api_signed_in
from fhir.bulk.kickoff import parse_kickoff
from fhir.bulk.models import ExportJob, ExportLevel, ExportStatus
from fhir.bulk.selectors import export_file_for, export_job_for, files_of
from fhir.bulk.services import AlreadyExporting, export_cancel, export_start
from fhir.responses import outcome

NDJSON = "application/fhir+ndjson"
RETRY_SECONDS = 10


def status_url(request: HttpRequest, job: ExportJob) -> str:
    return request.build_absolute_uri(reverse("fhir:export-status", args=[job.public_id]))


@api_signed_in("GET", audit_action=AuditAction.EXPORT)
def system_export(request: HttpRequest) -> HttpResponse:
    """`GET [base]/$export`: every type the reader may read."""
    return _kickoff(request, ExportLevel.SYSTEM)


@api_signed_in("GET", audit_action=AuditAction.EXPORT)
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


@api_signed_in("GET", "DELETE")
def export_status(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Poll: 202 with progress while it runs, the manifest when done, 410 when expired;
    `DELETE` cancels it (and deletes its files)."""
    job = export_job_for(request.user, job_id)
    if request.method == "DELETE":
        export_cancel(actor=request.user, job=job)
        return HttpResponse(status=202)
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or "queued"
        response["Retry-After"] = str(RETRY_SECONDS)
        return response
    if job.is_expired:
        return outcome(410, "This export has expired and its files are deleted: start another.")
    if job.status == ExportStatus.FAILED:
        return outcome(500, job.error or "The export failed.")
    response = HttpResponse(json.dumps(_manifest(request, job)), content_type="application/json")
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


def _manifest(request: HttpRequest, job: ExportJob) -> dict[str, object]:
    output: list[dict[str, object]] = []
    deleted: list[dict[str, object]] = []
    for exported in files_of(job):
        listed = deleted if exported.deleted else output
        listed.append(
            {
                "type": "Bundle" if exported.deleted else exported.resource_type,
                "url": request.build_absolute_uri(
                    reverse("fhir:export-file", args=[job.public_id, exported.name])
                ),
                "count": exported.count,
            }
        )
    manifest: dict[str, object] = {
        "transactionTime": job.created_at.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": output,
        "error": [],
    }
    if deleted:  # a `_since` export's retractions (Bulk Data IG v2)
        manifest["deleted"] = deleted
    return manifest


@api_signed_in("GET", audit_action=AuditAction.DOWNLOAD)
def export_file(request: HttpRequest, job_id: uuid.UUID, file_name: str) -> HttpResponse:
    """One NDJSON file, streamed, to its requester while the export has not expired."""
    job = export_job_for(request.user, job_id)
    if job.is_expired:
        return outcome(410, "This export has expired and its files are deleted.")
    exported = export_file_for(request.user, job, file_name)
    response = FileResponse(exported.file.open("rb"), content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response
