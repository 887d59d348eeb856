"""HL7 Bulk Data Access (FHIR Bulk Data IG v2): `$export` kick-off, status, manifest and
NDJSON files, written by a Celery task through Django's storage (`fhir.bulk.writer`)."""
