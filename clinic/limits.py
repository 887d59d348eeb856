"""Hourly limits on what a patient can queue from the portal (documents to render,
questionnaires to store), so one login cannot flood the workers or the record.

Counted from the patient's own rows in the database, not a per-process cache, so the
limit holds across web processes; the patient row is locked first, so simultaneous
requests are counted one after the other."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import Patient

HOUR = dt.timedelta(hours=1)


def hourly_limit_check(
    *, patient: Patient, recent: QuerySet, at_field: str, limit: int, message: str
) -> None:
    """Refuse with `message` when `recent` (this patient's rows of one kind) already holds
    `limit` requests in the past hour. Rows stored together (one time) count as one
    request. Call inside the transaction that stores the new rows."""
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
    since = timezone.now() - HOUR
    made = recent.filter(**{f"{at_field}__gte": since}).values(at_field).distinct().count()
    if made >= limit:
        raise ValidationError(message)
