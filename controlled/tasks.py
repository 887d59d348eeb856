"""Background tasks of the controlled-substance record."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="controlled.plan_inventory_reminders", ignore_result=True)
def plan_inventory_reminders() -> int:
    """Daily: remind the managers of inventories due within 30 days."""
    from controlled.services.inventories import inventory_reminders_plan

    return inventory_reminders_plan()
