"""The export's background work: writing the files, and deleting them when they expire."""

from __future__ import annotations

from celery import shared_task

# An export of a large clinic takes minutes (benchmarks/RESULTS.md): far past the
# default limit of a task (5 minutes), so it has its own.
EXPORT_TIME_LIMIT = 2 * 60 * 60


@shared_task(
    name="fhir.run_export",
    ignore_result=True,
    time_limit=EXPORT_TIME_LIMIT,
    soft_time_limit=EXPORT_TIME_LIMIT - 60,
)
def run_export(job_pk: int) -> None:
    from fhir.bulk.services import export_run

    export_run(job_pk)


@shared_task(name="fhir.expire_exports", ignore_result=True)
def expire_exports() -> int:
    """Hourly: delete the files of exports older than their expiry."""
    from fhir.bulk.services import exports_expire

    return exports_expire()
