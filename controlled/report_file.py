"""A report file: a controlled-substance report too long to make while the user waits,
rendered by a Celery task into Django's storage (`controlled.services.report_files`),
downloaded from the reports page until it expires."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinic.models import Location
from controlled.choices import REPORT_FILE_PENDING, ReportFileStatus, ReportFormat


class ReportFile(models.Model):
    """One report of one location over a period, asked for by one user. At most one
    identical file (same user, location, report, period and format) is queued or being
    made at a time: asking again reuses it. Deleted with its file once it expires."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    report = models.CharField(max_length=20)  # a code of `controlled.reports.REPORTS`
    format = models.CharField(max_length=3, choices=ReportFormat.choices)
    start = models.DateField()
    end = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=ReportFileStatus.choices, default=ReportFileStatus.QUEUED
    )
    rows = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="controlled/reports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "location", "-created_at"]),
            models.Index(fields=["expires_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "location", "report", "format", "start", "end"],
                condition=Q(status__in=REPORT_FILE_PENDING),
                name="report_file_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.format} of location {self.location_id} ({self.status})"

    @property
    def pending(self) -> bool:
        return self.status in REPORT_FILE_PENDING

    @property
    def title(self) -> str:
        from controlled.reports import REPORTS

        found = REPORTS.get(self.report)
        return found.title if found else self.report

    @property
    def download_name(self) -> str:
        registrant = self.location.dea_number or self.location_id
        return f"{self.report}-{registrant}-{self.start}-{self.end}.{self.format}"
