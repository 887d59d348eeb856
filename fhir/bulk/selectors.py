"""Whose export a status or file URL names: scoped lookups, as for a record. A job
answers its requester only (the same API client, or the same staff login): anyone else's
job, a cancelled one or none at all is the same `NotVisible`, which the API's decorator
(`fhir.access`) answers with the 404 OperationOutcome and its one `denied` row. A file
is served while its requester may still read its type (`readable_types`, the kick-off's
own rule): otherwise `PermissionDenied` (403). The file notes itself as the request's
subject, so the decorator's one `download` row names it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from clinic.context import note_subject
from clinic.policy import NotVisible
from fhir.bulk.kickoff import readable_types
from fhir.bulk.models import ExportFile, ExportJob, ExportStatus
from fhir.clients.principal import ClientPrincipal

JOB = "fhir.export"
FILE = "fhir.export.file"
_FILE_NAME = re.compile(r"^([A-Za-z]{1,64})-([0-9]{1,6})\.ndjson$")


def requester_filter(reader: Any) -> dict[str, Any]:
    """The ORM filter of the jobs `reader` (a staff login or an API client) started."""
    if isinstance(reader, ClientPrincipal):
        return {"client": reader.client}
    return {"user": reader}


def files_of(job: ExportJob) -> QuerySet[ExportFile]:
    return ExportFile.objects.filter(job=job).order_by("pk")


def export_job_for(reader: Any, job_id: uuid.UUID) -> ExportJob:
    """The reader's own export that `job_id` names (not a cancelled one), or NotVisible."""
    job = (
        ExportJob.objects.filter(public_id=job_id, **requester_filter(reader))
        .exclude(status=ExportStatus.CANCELLED)
        .first()
    )
    if job is None:
        raise NotVisible(patient_id=None, object_type=JOB, object_id=job_id)
    return job


def export_file_for(reader: Any, job: ExportJob, file_name: str) -> ExportFile:
    """A file of the reader's completed export (`job`, from `export_job_for`): NotVisible
    when it has no such file, PermissionDenied when the reader may no longer read its
    type (a role or a token's scopes narrowed since the kick-off)."""
    match = _FILE_NAME.match(file_name)
    exported = (
        files_of(job).filter(resource_type=match.group(1), part=int(match.group(2))).first()
        if match and job.status == ExportStatus.COMPLETED
        else None
    )
    if exported is None:
        shown = file_name if match else "(not a file name)"
        raise NotVisible(patient_id=None, object_type=FILE, object_id=f"{job.public_id}/{shown}")
    if exported.read_type not in readable_types(reader, job.level):
        raise PermissionDenied(f"You may no longer read {exported.read_type} resources.")
    note_subject(patient_id=None, object_type=FILE, object_id=f"{job.public_id}/{exported.name}")
    return exported
