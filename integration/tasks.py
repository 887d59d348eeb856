"""Background work of integration therapy: the clinic outcomes report."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="integration.refresh_clinic_outcomes")
def refresh_clinic_outcomes() -> str:
    from integration.services import clinic_outcomes_refresh

    snapshot = clinic_outcomes_refresh()
    return f"{len(snapshot.rows)} protocols"
