"""The Spravato REMS Patient Monitoring Form: its versions, and the record that a
session's form was submitted (session-monitoring.md §9)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from clinic import clock
from sessions.models.session import TreatmentSession


class RemsFormVersion(models.Model):
    """A version of the Spravato REMS Patient Monitoring Form: its sections and fields in
    order, each a key the product fills from the session record (`sessions.selectors.rems`)
    with the label the form uses. The REMS has changed the form before; a new version is a
    new row (admin), not a code change. The clinic picks the one it must file."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=120)
    effective_from = models.DateField()
    layout = models.JSONField(
        help_text='[{"section": "Patient", "fields": [["patient_name", "Patient name"], …]}, …]'
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def clean(self) -> None:
        from sessions.selectors.rems import FIELD_KEYS

        problems = []
        if not isinstance(self.layout, list) or not self.layout:
            raise ValidationError({"layout": "List the form's sections with their fields."})
        for section in self.layout:
            fields = section.get("fields") if isinstance(section, dict) else None
            if not isinstance(fields, list) or not section.get("section"):
                problems.append("Each section needs a name and a list of fields.")
                continue
            for field in fields:
                if (
                    not isinstance(field, list)
                    or len(field) != 2
                    or field[0] not in FIELD_KEYS
                    or not str(field[1]).strip()
                ):
                    problems.append(f"Unknown or unlabelled field {field!r}.")
        if problems:
            raise ValidationError({"layout": problems})

    @property
    def field_keys(self) -> list[str]:
        return [key for section in self.layout for key, _label in section["fields"]]


class RemsSubmission(models.Model):
    """The clinic's record that the REMS monitoring form of a session was submitted
    (kept outside the locked record: it happens after co-signing)."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="rems_submission"
    )
    submitted_on = models.DateField()
    confirmation = models.CharField(max_length=60, blank=True)
    # Fields the record did not hold when it was submitted, and why it went without them.
    missing_fields = models.JSONField(default=list, blank=True)
    missing_note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"REMS form for session {self.session_id}"
