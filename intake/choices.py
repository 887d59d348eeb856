"""Constants and choices of the intake app, in one place."""

from __future__ import annotations

from django.db import models


class Route(models.TextChoices):
    """How ketamine is given (overview.md). Intake owns it: the eligibility decision
    approves routes, and the treatment plans and sessions built on it take theirs."""

    IV = "iv", "IV infusion (racemic ketamine)"
    IM = "im", "IM injection (racemic ketamine)"
    INTRANASAL_ESKETAMINE = "intranasal_esketamine", "Esketamine nasal spray (Spravato)"
    ORAL = "oral", "Oral / sublingual ketamine"
