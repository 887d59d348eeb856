"""Report files (long reports made by a worker): the user's recent ones at a location,
and one file looked up for its download, scoped to the locations whose reports the user
reads (`work_locations`) and to the user who asked for it (a report names patients:
each reader asks for their own, and the file is stamped with its requester): another
location's or another user's file is `NotVisible`, the same 404 as one that does not
exist or has expired (expired files are gone from the list and the download at once,
before the daily task deletes them)."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic import clock
from clinic.context import note_subject
from clinic.models import Location, User
from clinic.policy import NotVisible
from clinic.selectors import work_locations
from controlled.models import ReportFile

RECENT_FILES = 10


def _users_files(user: User) -> QuerySet[ReportFile]:
    """The files `user` asked for, at locations whose reports they read, not expired."""
    return ReportFile.objects.filter(
        requested_by=user, location__in=work_locations(user), expires_at__gt=clock.now()
    ).select_related("location")


def recent_report_files(user: User, location: Location | None) -> list[ReportFile]:
    """The user's latest report files at `location` (pending, ready or failed; expired
    ones are deleted), newest first. One query."""
    if location is None:
        return []
    return list(
        _users_files(user).filter(location=location).order_by("-created_at", "-pk")[:RECENT_FILES]
    )


def report_file_for_user(user: User, report_file_id: int) -> ReportFile:
    """One report file of a location whose reports the user reads, noted as the
    download's subject."""
    found = _users_files(user).filter(pk=report_file_id).first()
    if found is None:
        raise NotVisible(
            patient_id=None, object_type="controlled.reportfile", object_id=report_file_id
        )
    note_subject(patient_id=None, object_type="controlled.reportfile", object_id=found.pk)
    return found
