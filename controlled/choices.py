"""The controlled-substance record's fixed vocabularies."""

from __future__ import annotations

from django.db import models


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Ketamine (racemic)"
    ESKETAMINE = "esketamine", "Esketamine"


class Form(models.TextChoices):
    VIAL = "vial", "Vial (solution for injection)"
    NASAL_DEVICE = "nasal_device", "Nasal spray device"


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADMINISTRATION = "administration", "Administration"
    WASTE = "waste", "Waste"
    DESTRUCTION = "destruction", "Destruction"
    ADJUSTMENT = "adjustment", "Adjustment"
    CORRECTION = "correction", "Correction"


# Which way each kind moves stock: a receipt adds, the others take away, an adjustment or
# a correction may go either way (its sign is its own).
INBOUND = frozenset({EntryKind.RECEIPT})
OUTBOUND = frozenset({EntryKind.ADMINISTRATION, EntryKind.WASTE, EntryKind.DESTRUCTION})


class CountPurpose(models.TextChoices):
    COUNT = "count", "Stock count"
    INITIAL = "initial", "Initial inventory"
    BIENNIAL = "biennial", "Biennial inventory"


class BusinessTime(models.TextChoices):
    OPENING = "opening", "At the opening of business"
    CLOSE = "close", "At the close of business"


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved with an adjustment"
    ESCALATED = "escalated", "Escalated to a theft or loss case"


class DestructionReason(models.TextChoices):
    EXPIRED = "expired", "Expired"
    DAMAGED = "damaged", "Damaged or contaminated"
    NAMED_PATIENT_UNUSED = "named_unused", "Named-patient device unused after 14 days"
    RECALLED = "recalled", "Recalled"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class ReportFileStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# A report file being made (not yet ready or failed).
REPORT_FILE_PENDING = (ReportFileStatus.QUEUED, ReportFileStatus.RUNNING)
