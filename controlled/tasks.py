"""Background tasks of the controlled-substance record."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="controlled.plan_inventory_reminders", ignore_result=True)
def plan_inventory_reminders() -> int:
    """Daily: remind the managers of inventories due within 30 days."""
    from controlled.services.inventories import inventory_reminders_plan

    return inventory_reminders_plan()


# A two-year PDF of a busy location lays out for many minutes (13,000 rows at 40–80 ms a
# row): past the default 5-minute limit, within the broker's one-hour visibility timeout.
@shared_task(
    name="controlled.render_report_file", ignore_result=True, soft_time_limit=50 * 60,
    time_limit=55 * 60,
)  # fmt: skip
def render_report_file(report_file_id: int) -> str:
    """Make one report file asked for on the reports page (after the commit)."""
    from controlled.services.report_files import report_file_render

    return report_file_render(report_file_id)


@shared_task(name="controlled.expire_report_files", ignore_result=True)
def expire_report_files() -> int:
    """Daily: delete the report files past their expiry (and mark stuck ones failed)."""
    from controlled.services.report_files import report_files_expire

    return report_files_expire()
