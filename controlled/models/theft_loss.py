"""A theft or significant loss of stock and its two deadlines to the DEA."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location


class TheftLossCase(models.Model):
    """Theft or significant loss: written notice to the DEA within one business day of
    discovery, then DEA Form 106 within 45 days (21 CFR 1301.76(b), 88 FR 40707)."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    discovered_at = models.DateTimeField()
    discovered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(help_text="What is missing and how it was found.")
    notice_due_on = models.DateField()
    form_106_due_on = models.DateField()
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    notice_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form_106_filed_at = models.DateTimeField(null=True, blank=True)
    form_106_filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form_106_reference = models.CharField(max_length=60, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-discovered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(form_106_due_on__gte=models.F("notice_due_on")),
                name="theft_loss_deadlines_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"Theft or loss discovered {self.discovered_at:%Y-%m-%d}"
