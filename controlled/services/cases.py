"""Theft or significant loss (21 CFR 1301.76(b), as amended by 88 FR 40707): written
notice to the DEA Field Division within one business day of discovery, then DEA Form
106 within 45 days. A case keeps both deadlines, counted from the discovery's date where
the location is, until each is marked done."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import clock
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, User
from clinic.policy import require
from controlled import permissions
from controlled.models import TheftLossCase

FORM_106_DAYS = 45
SATURDAY = 5


def next_business_day(day: dt.date) -> dt.date:
    """The first weekday after `day` (Saturday and Sunday are not business days)."""
    following = day + dt.timedelta(days=1)
    while following.weekday() >= SATURDAY:
        following += dt.timedelta(days=1)
    return following


def deadlines(discovered_at: dt.datetime, location: Location) -> tuple[dt.date, dt.date]:
    """(notice due, Form 106 due) for a discovery at `location`, in its time zone."""
    day = timezone.localtime(discovered_at, location.zone).date()
    return next_business_day(day), day + dt.timedelta(days=FORM_106_DAYS)


def case_open(
    *,
    location: Location,
    discovered_at: dt.datetime,
    discovered_by: User,
    description: str,
    actor: User,
) -> TheftLossCase:
    """Open a case; its two deadlines follow from the discovery."""
    require(actor, permissions.MANAGE_CASES)
    description = description.strip()
    if not description:
        raise ValidationError({"description": "Say what is missing and how it was found."})
    if discovered_at > clock.now() + dt.timedelta(minutes=5):
        raise ValidationError({"discovered_at": "The discovery cannot be in the future."})
    notice_due, form_due = deadlines(discovered_at, location)
    with transaction.atomic():
        case = TheftLossCase.objects.create(
            location=location,
            discovered_at=discovered_at,
            discovered_by=discovered_by,
            description=description,
            notice_due_on=notice_due,
            form_106_due_on=form_due,
            recorded_at=clock.now(),
        )
        audit_record(action=AuditAction.CREATE, user=actor, obj=case)
    return case


def case_notice_sent(*, case: TheftLossCase, actor: User) -> TheftLossCase:
    """Mark the written notice to the DEA sent (once)."""
    require(actor, permissions.MANAGE_CASES)
    with transaction.atomic():
        found = TheftLossCase.objects.select_for_update().get(pk=case.pk)
        if found.notice_sent_at is None:
            found.notice_sent_at = clock.now()
            found.notice_sent_by = actor
            found.save(update_fields=["notice_sent_at", "notice_sent_by"])
            audit_record(action=AuditAction.UPDATE, user=actor, obj=found)
    return found


def case_form_106_filed(*, case: TheftLossCase, reference: str, actor: User) -> TheftLossCase:
    """Mark DEA Form 106 filed (once), with the confirmation number DEA gave."""
    require(actor, permissions.MANAGE_CASES)
    reference = reference.strip()
    if not reference:
        raise ValidationError(
            {"reference": "Enter the confirmation number DEA gave for the Form 106."}
        )
    with transaction.atomic():
        found = TheftLossCase.objects.select_for_update().get(pk=case.pk)
        if found.form_106_filed_at is None:
            found.form_106_filed_at = clock.now()
            found.form_106_filed_by = actor
            found.form_106_reference = reference[:60]
            found.save(
                update_fields=["form_106_filed_at", "form_106_filed_by", "form_106_reference"]
            )
            audit_record(action=AuditAction.UPDATE, user=actor, obj=found)
    return found
