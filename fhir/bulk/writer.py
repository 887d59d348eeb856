"""Writing an export: one NDJSON file per resource type (a new part every
`FHIR_EXPORT_RESOURCES_PER_FILE` resources), streamed.

Rows are read by primary key in chunks of `CHUNK` (keyset: `pk > last`, one query a
chunk, no long-lived cursor), each row mapped by the API's own mappers and written as one
line to a temporary file, which goes to Django's storage when its part is full. Memory
holds one chunk of rows and the ids of the patients seen (for the count), whatever the
size of the clinic. A `_since` export also writes, per type in `DELETIONS`, the
resources the API stopped serving after the instant as transaction Bundles of `DELETE`
entries (`DeletedAdverseEvent-1.ndjson`; the manifest's `deleted`). Progress is saved
every chunk; the same UPDATE notices a cancellation (`DELETE` on the status URL) and
stops the export, its files removed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet

from fhir.bulk.models import DELETED_PREFIX, ExportFile, ExportJob, ExportStatus
from fhir.resource import to_json
from fhir.selectors.export import DELETIONS, STREAMS, Stream, deleted_bundle, stream_rows

CHUNK = 2000


def _c_library() -> ctypes.CDLL | None:
    try:
        found = ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return None
    return found if hasattr(found, "malloc_trim") else None


_LIBC = _c_library()


def give_back_memory() -> None:
    """Hand the C allocator's freed pages back to the system (glibc's `malloc_trim`).
    Python frees each chunk's rows, but the allocator keeps the pages for reuse, so a
    long export's resident memory would creep up with the rows; after each chunk it
    returns to what one chunk needs. Nothing to do where the C library has no such call."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class Cancelled(Exception):
    """The export was cancelled (or expired) while it ran."""


def resources_per_file() -> int:
    return int(getattr(settings, "FHIR_EXPORT_RESOURCES_PER_FILE", 100_000))


def storage_name(job: ExportJob, resource_type: str, part: int) -> str:
    """One folder for every export's files (no folder per export: deleting an export's
    files leaves nothing behind in a file-system storage)."""
    return f"fhir-export/{job.public_id}-{resource_type}-{part}.ndjson"


@dataclass
class _Parts:
    """The open part of one type's file, and how many resources each part holds."""

    job: ExportJob
    resource_type: str
    limit: int
    part: int = 0
    lines: int = 0
    total: int = 0
    handle: IO[bytes] | None = None

    def write(self, line: bytes) -> None:
        if self.handle is None:
            self.handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
            self.part += 1
        self.handle.write(line)
        self.handle.write(b"\n")
        self.lines += 1
        self.total += 1
        if self.lines >= self.limit:
            self.close()

    def close(self) -> None:
        """Store the part being written (if any) and record it."""
        if self.handle is None:
            return
        self.handle.seek(0)
        name = default_storage.save(
            storage_name(self.job, self.resource_type, self.part), File(self.handle)
        )
        self.handle.close()
        ExportFile.objects.create(
            job=self.job,
            resource_type=self.resource_type,
            part=self.part,
            file=name,
            count=self.lines,
        )
        self.handle, self.lines = None, 0


@dataclass
class Tally:
    """What the export wrote: resources per type, and whose records they were."""

    counts: dict[str, int] = field(default_factory=dict)
    patients: set[int] = field(default_factory=set)


def chunks(rows: QuerySet | list) -> Iterator[list[Any]]:
    """The rows in primary-key order, `CHUNK` at a time (a list is one chunk)."""
    if not isinstance(rows, QuerySet):
        yield list(rows)
        return
    last = None
    while True:
        page = rows.filter(pk__gt=last) if last is not None else rows
        found = list(page.order_by("pk")[:CHUNK])
        if not found:
            return
        yield found
        last = found[-1].pk


def write_type(job: ExportJob, reader: Any, resource_type: str, tally: Tally) -> None:
    """Every resource of one type the reader may read, into its NDJSON parts."""
    streams = STREAMS[resource_type]
    sources = [(stream, stream_rows(stream, reader, job.since)) for stream in streams]
    total = sum(_size(rows) for _, rows in sources) or 1
    parts = _Parts(job, resource_type, resources_per_file())
    done = 0
    try:
        for stream, rows in sources:
            for chunk in chunks(rows):
                _write_chunk(stream, chunk, parts, tally)
                done += len(chunk)
                give_back_memory()
                save_progress(job, f"{resource_type} {min(99, done * 100 // total)}%")
        parts.close()
    finally:
        if parts.handle is not None:
            parts.handle.close()
    tally.counts[resource_type] = parts.total
    if job.since is not None and resource_type in DELETIONS:
        write_deleted(job, reader, resource_type, tally)


def write_deleted(job: ExportJob, reader: Any, resource_type: str, tally: Tally) -> None:
    """A `_since` export's deleted resources of one type (rows the API stopped serving
    after the instant), one transaction Bundle a line, into its own parts."""
    deletions = DELETIONS[resource_type]
    parts = _Parts(job, f"{DELETED_PREFIX}{resource_type}", resources_per_file())
    try:
        for chunk in chunks(deletions.rows(reader, job.since)):
            for row in chunk:
                parts.write(to_json(deleted_bundle(resource_type, row)))
                owner = deletions.owner(row)
                if owner is not None:
                    tally.patients.add(owner)
            save_progress(job, f"{resource_type} deleted")
        parts.close()
    finally:
        if parts.handle is not None:
            parts.handle.close()


def _write_chunk(stream: Stream, chunk: list[Any], parts: _Parts, tally: Tally) -> None:
    for row in chunk:
        for resource in stream.resources(row):
            parts.write(to_json(resource))
        owner = stream.owner(row)
        if owner is not None:
            tally.patients.add(owner)


def _size(rows: QuerySet | list) -> int:
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def save_progress(job: ExportJob, progress: str) -> None:
    """Note the progress; an export no longer running (cancelled) stops here."""
    if not ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        progress=progress
    ):
        raise Cancelled


def delete_files(job: ExportJob) -> None:
    """Remove the job's files from storage and their rows."""
    for exported in ExportFile.objects.filter(job=job):
        exported.file.delete(save=False)
        exported.delete()


def expiry(finished: dt.datetime) -> dt.datetime:
    hours = int(getattr(settings, "FHIR_EXPORT_HOURS", 24))
    return finished + dt.timedelta(hours=hours)
