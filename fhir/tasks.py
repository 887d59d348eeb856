"""The FHIR app's tasks (found by Celery's autodiscovery): the bulk export's."""

from fhir.bulk.tasks import expire_exports, run_export

__all__ = ["expire_exports", "run_export"]
